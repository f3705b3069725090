// Who asked, for the core: the Caller every Slack listener hands the dispatcher, with who may manage a channel's subscriptions.
import type { Context, webApi } from '@slack/bolt';
import { z } from 'zod';
import type { SlackConfig } from '../../src/config.js';
import { describeError } from '../../src/errorInfo.js';
import type { Logger } from '../../src/logger.js';
import type { Caller, Inbound } from '../../src/ports.js';
import type { SlackReplies } from './replies.js';
import { qualify } from './teams.js';

const usersInfoSchema = z.object({ user: z.object({ is_admin: z.boolean().optional(), is_owner: z.boolean().optional() }) });

/** What a listener acts with: its workspace's client, and (OAuth mode) the workspace key ids are qualified with. */
export interface SlackWorkspace {
  web: webApi.WebClient;
  key: string | undefined;
}

/** Where an event happened. */
export interface CallerAt {
  user?: string | undefined;
  channel?: string | undefined;
  team?: string | undefined;
  thread?: string;
  direct?: boolean;
}

export type SlackCallerOf = (ws: SlackWorkspace, at: CallerAt) => Caller;

/** Every Caller this adapter hands the dispatcher (slash commands, mentions, DMs, buttons), so none lacks `mayManage`. */
export function slackCallers(deps: { config: SlackConfig; log: Logger; secrets: readonly (string | undefined)[] }): SlackCallerOf {
  const { config, log, secrets } = deps;
  /**
   * Who may change a channel's subscriptions. Without SLACK_MANAGERS, anyone in the channel (as
   * Slack's own apps do); with it, those users, and workspace admins and owners (users.info).
   * https://docs.slack.dev/reference/methods/users.info
   */
  const mayManage = async (web: webApi.WebClient, user: string | undefined): Promise<boolean> => {
    const managers = config.managers;
    if (!managers || managers.length === 0) return true;
    if (!user) return false;
    if (managers.includes(user)) return true;
    try {
      const who = usersInfoSchema.safeParse(await web.users.info({ user }));
      return who.success && (who.data.user.is_admin === true || who.data.user.is_owner === true);
    } catch (e) {
      log.warn({ err: describeError(e, secrets), user }, 'could not check whether a Slack user is an admin (users.info; needs users:read)');
      return false;
    }
  };

  return (ws, at) => ({
    platform: 'slack',
    // NOTE: in OAuth mode ids carry their workspace, so what the core keys by them never mixes two workspaces.
    ...(at.user ? { user: qualify(ws.key, at.user) } : {}),
    ...(at.channel ? { channel: qualify(ws.key, at.channel) } : {}),
    ...(at.team ? { guildId: at.team } : {}),
    ...(at.thread ? { thread: at.thread } : {}),
    ...(at.direct ? { direct: true } : {}),
    mayManage: () => mayManage(ws.web, at.user),
  });
}

/** What every Slack listener needs: the core, the event's workspace, its Caller, and how to reply. */
export interface SlackListenerDeps {
  dispatcher: Inbound;
  /** The event's workspace, from Bolt's context (its own token in OAuth mode). */
  workspace: (context: Context) => SlackWorkspace;
  caller: SlackCallerOf;
  replies: SlackReplies;
  log: Logger;
  secrets: readonly (string | undefined)[];
}
