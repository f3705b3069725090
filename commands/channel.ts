// What the channel-settings commands (subscribe, subscriptions, unsubscribe) share: the channel asked about and its stores (who may change it is the Dispatcher's check).
import type { CommandContext } from '../src/command.js';
import { UserError } from '../src/errors.js';
import type { FollowOwner } from '../src/ports.js';
import type { ScheduleStore } from '../src/scheduler/store.js';

/** The channel a request came from, as the schedule and follows key it. */
export interface ChannelRef {
  platform: string;
  channel: string;
  guildId?: string;
}

/**
 * The channel the caller is in; a DM, or the CLI and console (no channel), is a UserError that
 * says subscriptions belong to a channel.
 */
export function channelOf(ctx: CommandContext, what: string): ChannelRef {
  const c = ctx.caller;
  // NOTE: the console's session is a thread for ask, not a channel anything could be posted into.
  if (!c?.channel || c.direct || c.platform === 'console' || c.platform === 'cli') {
    throw new UserError(`${what} belong to a channel, so this needs one: run it in the channel that should get the posts.`, [
      c?.direct
        ? 'This is a direct message; try it in a channel the bot is in.'
        : 'From a terminal, use `paperboy post trending --platform … --channel …` instead.',
    ]);
  }
  return { platform: c.platform, channel: c.channel, ...(c.guildId ? { guildId: c.guildId } : {}) };
}

/** The follows owner for a channel. */
export function channelOwner(ref: ChannelRef): FollowOwner {
  return { kind: 'channel', channel: ref.channel, ...(ref.guildId ? { guildId: ref.guildId } : {}) };
}

/** The schedule store, or a UserError where this setup has none (a store that is not SQLite). */
export function schedulesOf(ctx: CommandContext): ScheduleStore {
  if (!ctx.schedules) throw new UserError('Scheduled posts are not available in this setup.');
  return ctx.schedules;
}

/** How to let the bot post in a channel it could not post in, per platform. */
export function inviteHint(platform: string): string {
  if (platform === 'slack') return 'Invite the bot with `/invite @paperboy` in this channel.';
  if (platform === 'discord') return "Give the bot View Channel and Send Messages (and Embed Links) in this channel's permissions.";
  return 'Let the bot post in this channel.';
}
