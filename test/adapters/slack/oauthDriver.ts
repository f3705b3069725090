// Drives the real Slack adapter in OAuth mode (real Bolt, InstallProvider, receiver) against the fake Slack, on a SQLite file in a temp dir.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createSlackAdapter, type SlackAdapter } from '../../../adapters/slack/index.js';
import { createApp, oauthStoresFor, type App } from '../../../src/app.js';
import type { SlackConfig } from '../../../src/config.js';
import { silentLogger, type Logger } from '../../../src/logger.js';
import { openDatabase } from '../../../src/store/database.js';
import { FEATURES } from '../../../src/store/features.js';
import { commands } from '../../../commands/index.js';
import { FakeSlack } from '../../fakes/slack.js';
import { FakeClock } from '../../support/core.js';
import { testPapers } from '../../support/papers.js';
import { SIGNING_SECRET, signature } from './support.js';

export const STATE_SECRET = 'test-state-secret-0123456789';

/** One workspace's view: who acts, in which channel. */
export interface Where {
  team: string;
  channel?: string;
  user?: string;
}

export class OAuthDriver {
  private seq = 0;

  private constructor(
    readonly fake: FakeSlack,
    readonly core: App,
    readonly adapter: SlackAdapter,
    readonly dir: string,
  ) {}

  static async start(opts: { logger?: Logger; key?: Buffer; previousKey?: Buffer; dir?: string } = {}): Promise<OAuthDriver> {
    const fake = await new FakeSlack().listen();
    const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-oauth-'));
    const clock = new FakeClock(new Date('2025-11-27T15:00:00Z'));
    const logger = opts.logger ?? silentLogger;
    const key = opts.key ?? randomBytes(32);
    const core = await createApp({
      config: { dataDir: dir, timeZone: 'America/New_York', secretKeys: { current: key, ...(opts.previousKey ? { previous: opts.previousKey } : {}) } },
      logger,
      clock,
      commands,
      database: await openDatabase({ file: path.join(dir, 'paperboy.db'), now: () => clock.now(), features: FEATURES }),
    });
    await core.library.ingest(testPapers);
    const config: SlackConfig = {
      oauth: { clientId: fake.oauthClient.id, clientSecret: fake.oauthClient.secret, stateSecret: STATE_SECRET },
      signingSecret: SIGNING_SECRET,
      port: 0,
      apiUrl: fake.apiUrl,
    };
    let stores: Awaited<ReturnType<typeof oauthStoresFor>>;
    try {
      stores = await oauthStoresFor(config, core, logger);
    } catch (e) {
      await fake.close();
      await core.close();
      throw e;
    }
    const adapter = createSlackAdapter({ config, dispatcher: core.dispatcher, logger, host: '127.0.0.1', ...stores });
    await adapter.start();
    return new OAuthDriver(fake, core, adapter, dir);
  }

  get origin(): string {
    return `http://127.0.0.1:${this.adapter.port ?? 0}`;
  }

  /** GET /slack/install: the redirect to Slack's authorize page, its state, and the state cookie the browser keeps. */
  async beginInstall(): Promise<{ status: number; location: string; state: string; cookie: string }> {
    const res = await fetch(`${this.origin}/slack/install`, { redirect: 'manual' });
    await res.text();
    const location = res.headers.get('location') ?? '';
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    return { status: res.status, location, state: new URL(location, this.origin).searchParams.get('state') ?? '', cookie };
  }

  /** The browser coming back from Slack with `code` and `state` (and the cookie it kept). */
  async redirect(code: string, state: string, cookie: string): Promise<{ status: number; page: string }> {
    const res = await fetch(`${this.origin}/slack/oauth_redirect?${new URLSearchParams({ code, state }).toString()}`, { headers: cookie ? { cookie } : {} });
    return { status: res.status, page: await res.text() };
  }

  /** Installs the app in `team` end to end (the fake hands out a code for it). */
  async install(team: string): Promise<{ status: number; page: string }> {
    const code = `code-${team}-${++this.seq}`;
    this.fake.oauthCodes.set(code, { team });
    const begun = await this.beginInstall();
    return this.redirect(code, begun.state, begun.cookie);
  }

  async post(body: string, contentType: string): Promise<Response> {
    const ts = String(Math.floor(Date.now() / 1000));
    return fetch(`${this.origin}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': contentType, 'x-slack-request-timestamp': ts, 'x-slack-signature': signature(SIGNING_SECRET, ts, body) },
      body,
    });
  }

  /** A slash command from a user of `at.team`; resolves with the HTTP status and the response_url once answered. */
  async slash(at: Where, text: string): Promise<{ status: number; responseUrl: string }> {
    const responseUrl = this.fake.responseUrl();
    const payload = {
      team_id: at.team,
      team_domain: at.team.toLowerCase(),
      channel_id: at.channel ?? 'C0GENERAL',
      channel_name: 'general',
      user_id: at.user ?? 'U0ALICE',
      command: '/papers',
      text,
      api_app_id: 'A0FAKE',
      response_url: responseUrl,
      trigger_id: `trigger.${++this.seq}`,
    };
    const res = await this.post(new URLSearchParams(payload).toString(), 'application/x-www-form-urlencoded');
    await res.text();
    await this.adapter.idle();
    return { status: res.status, responseUrl };
  }

  /** An Events API event from `team`. */
  async event(team: string, event: Record<string, unknown>): Promise<number> {
    const body = {
      team_id: team,
      api_app_id: 'A0FAKE',
      event,
      type: 'event_callback',
      event_id: `Ev${++this.seq}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: team, user_id: `U${team}BOT`, is_bot: true, is_enterprise_install: false }],
    };
    const res = await this.post(JSON.stringify(body), 'application/json');
    await res.text();
    await this.adapter.idle();
    return res.status;
  }

  mention(at: Where, text: string): Promise<number> {
    const ts = `${1_764_000_000 + ++this.seq}.000200`;
    return this.event(at.team, {
      type: 'app_mention',
      user: at.user ?? 'U0ALICE',
      text: `<@U${at.team}BOT> ${text}`,
      ts,
      channel: at.channel ?? 'C0GENERAL',
      event_ts: ts,
    });
  }

  /** The bot token the app would use for `team`, as the fake handed it out. */
  tokenOf(team: string): string | undefined {
    return [...this.fake.teamTokens].find(([, t]) => t === team)?.[0];
  }

  async close(): Promise<void> {
    await this.adapter.stop();
    await this.fake.close();
    await this.core.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
