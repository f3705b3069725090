// The OAuth state store: states signed with SLACK_STATE_SECRET and kept in the shared database, so each is used once, on any replica.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { InvalidStateError, type InstallURLOptions, type StateStore } from '@slack/oauth';
import { z } from 'zod';
import type { OAuthStates } from '../../src/ports.js';

/** How long an install link's state may wait for the browser to come back (milliseconds): as long as Bolt's state cookie lives. */
export const STATE_TTL_MS = 10 * 60 * 1000;

const installOptionsSchema = z.object({
  scopes: z.union([z.string(), z.array(z.string())]),
  teamId: z.string().optional(),
  redirectUri: z.string().optional(),
  userScopes: z.union([z.string(), z.array(z.string())]).optional(),
  metadata: z.string().optional(),
});

/**
 * Bolt's StateStore, single-use: `generateStateParam` hands out `<nonce>.<signature>` and keeps the
 * nonce (with the install options) in the database; `verifyStateParam` refuses a state whose signature
 * is not ours (forged) before touching the database, then takes the nonce, which fails for one already
 * taken (replayed) or expired. Bolt's own ClearStateStore only checks the signature and age, so a state
 * could be used again within its lifetime.
 * https://docs.slack.dev/authentication/installing-with-oauth
 */
export class DatabaseStateStore implements StateStore {
  constructor(
    private readonly states: OAuthStates,
    private readonly secret: string,
  ) {}

  async generateStateParam(installOptions: InstallURLOptions, now: Date): Promise<string> {
    const nonce = randomBytes(24).toString('base64url');
    await this.states.put(nonce, JSON.stringify(installOptions), new Date(now.getTime() + STATE_TTL_MS));
    return `${nonce}.${this.sign(nonce)}`;
  }

  async verifyStateParam(_now: Date, state: string): Promise<InstallURLOptions> {
    const [nonce = '', signature = '', ...rest] = state.split('.');
    const expected = Buffer.from(this.sign(nonce));
    const given = Buffer.from(signature);
    if (rest.length > 0 || nonce === '' || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new InvalidStateError('The state parameter is not one this app signed.');
    }
    const payload = await this.states.take(nonce);
    if (payload === null) throw new InvalidStateError('The state parameter was already used, or has expired.');
    const options = installOptionsSchema.safeParse(JSON.parse(payload));
    if (!options.success) throw new InvalidStateError('The state parameter holds no install options.');
    return options.data as InstallURLOptions;
  }

  private sign(nonce: string): string {
    return createHmac('sha256', this.secret).update(`paperboy-oauth-state:${nonce}`).digest('base64url');
  }
}
