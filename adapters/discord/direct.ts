// Discord direct messages: open the DM (POST /users/@me/channels), send into it, and classify a refusal as a DeliveryError.
import { DiscordAPIError, type Client, type DMChannel } from 'discord.js';
import { DeliveryError, type DeliveryFailure } from '../../src/errors.js';
import type { Landed } from '../../src/ports.js';

/**
 * Discord's JSON error codes that retrying cannot fix.
 * https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes
 */
const REFUSALS: ReadonlyMap<number, DeliveryFailure> = new Map([
  [10003, 'not-found'], // Unknown Channel
  [10013, 'not-found'], // Unknown User
  [50001, 'no-access'], // Missing Access
  [50007, 'no-access'], // Cannot send messages to this user (DMs closed, no shared server, blocked)
  [50013, 'no-access'], // Missing Permissions
  [50278, 'no-access'], // Cannot send messages to this user (the user has not authorised the app)
]);

/** A failed Discord REST call as a DeliveryError: a refusal above is final; anything else (network, 5xx, rate limits) is transient. */
export function discordDeliveryError(e: unknown, what: string): DeliveryError {
  if (e instanceof DiscordAPIError) {
    const code = typeof e.code === 'number' ? e.code : Number(e.code);
    const failure = REFUSALS.get(code) ?? (e.status === 404 ? 'not-found' : 'transient');
    return new DeliveryError(failure, `Discord ${what} failed: ${e.message} (HTTP ${e.status}, code ${String(e.code)})`, String(e.code));
  }
  const reason = e instanceof Error ? e.message.split('\n')[0]?.slice(0, 200) : String(e).slice(0, 200);
  return new DeliveryError('transient', `Discord ${what} failed: ${reason ?? 'no details'}`);
}

/**
 * Opens the DM with `user` through the client's REST (no gateway event needed; opening is idempotent,
 * so the client may retry it) and sends into it with `send`; throws a DeliveryError.
 */
export async function sendDiscordDirect(client: Client, user: string, send: (channel: DMChannel) => Promise<Landed>): Promise<Landed> {
  try {
    // NOTE: without a gateway session (HTTP interactions, post-only) discord.js has no client user to look up a cached DM by; force the REST call.
    const channel = await client.users.createDM(user, { force: client.user === null });
    return await send(channel);
  } catch (e) {
    if (e instanceof DeliveryError) throw e;
    throw discordDeliveryError(e, `direct message to user ${user}`);
  }
}
