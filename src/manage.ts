// Who may change what a channel gets (subscriptions): the one permission check the Dispatcher runs for every entry point.
import { UserError } from './errors.js';
import type { Caller } from './ports.js';

/** Who may change a channel's subscriptions, in the platform's terms (for the refusal). */
const MANAGERS: Record<string, string> = {
  discord: 'On Discord, members with the Manage Channels (or Manage Server) permission can.',
  slack: 'On this Slack workspace, the users listed in SLACK_MANAGERS and workspace admins and owners can.',
};

/**
 * Whether `caller` may change the channel's settings. The adapter answers it through `mayManage`
 * (Discord: the member's permissions; Slack: SLACK_MANAGERS or admins; the CLI and console: their
 * operator may). A caller without `mayManage` cannot tell, so it is refused (fail closed).
 */
export async function mayChangeChannel(caller: Caller): Promise<boolean> {
  if (!caller.mayManage) return false;
  return (await caller.mayManage()) === true;
}

/** The private refusal for a caller who may not: in a DM there is no channel to change at all. */
export function managerRefusal(caller: Caller): UserError {
  if (caller.direct) {
    return new UserError('Subscriptions belong to a channel, so this needs one: run it in the channel that should get the posts.', [
      'This is a direct message; try it in a channel the bot is in.',
    ]);
  }
  return new UserError("Sorry, you can't change this channel's subscriptions.", [MANAGERS[caller.platform] ?? 'Ask someone who manages this channel.']);
}
