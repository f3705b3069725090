// The Slack mention and DM listeners: a message to the bot is answered in its thread, with "thinking…" first when the answer is slow.
import type { App } from '@slack/bolt';
import { z } from 'zod';
import { describeError } from '../../src/errorInfo.js';
import type { SlackListenerDeps, SlackWorkspace } from './callers.js';
import { unescapeMrkdwn } from './render.js';
import { POST_OPTIONS } from './replies.js';

/** What a slow answer shows until it is ready. */
export const THINKING = 'thinking…';

const messageEventSchema = z.object({
  text: z.string().default(''),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  subtype: z.string().optional(),
  channel: z.string(),
  channel_type: z.string().optional(),
  ts: z.string(),
  thread_ts: z.string().optional(),
});

/**
 * Answers `app_mention` and direct messages (`message` in an im). A mention or DM whose answer takes longer
 * than `thinkingAfterMs` gets a "thinking…" message in its thread first, which the answer then replaces.
 */
export function registerMessages(app: App, deps: SlackListenerDeps & { thinkingAfterMs: number }): void {
  const { dispatcher, log, secrets, thinkingAfterMs } = deps;
  const { render, postInThread } = deps.replies;
  const answerMessage = async (event: unknown, ws: SlackWorkspace, botUserId: string | undefined, kind: 'mention' | 'dm') => {
    const parsed = messageEventSchema.safeParse(event);
    if (!parsed.success) {
      log.warn({ kind, issues: parsed.error.issues.length }, 'ignored a malformed Slack message event');
      return;
    }
    const ev = parsed.data;
    // NOTE: Bolt's ignoreSelf drops our own messages too; this also drops other bots and edits.
    if (ev.bot_id || ev.subtype || (botUserId && ev.user === botUserId)) return;
    let text = ev.text;
    if (botUserId) text = text.split(`<@${botUserId}>`).join(' ');
    text = unescapeMrkdwn(text.replace(/^\s*(<@[A-Z0-9]+(\|[^>]*)?>\s*)+/, ''));
    // NOTE: the thread is the mention's own ts when it starts one; follow-ups in it carry that as thread_ts.
    const thread = ev.thread_ts ?? ev.ts;
    const { web } = ws;
    const caller = deps.caller(ws, { user: ev.user, channel: ev.channel, thread, direct: kind === 'dm' || ev.channel_type === 'im' });
    const context = { kind, ...caller };
    const pending = dispatcher.runText(text, caller);
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<'slow'>((resolve) => {
      timer = setTimeout(() => resolve('slow'), thinkingAfterMs);
    });
    const first = await Promise.race([pending, slow]);
    clearTimeout(timer);
    if (first !== 'slow') {
      await postInThread(web, ev.channel, thread, first, context);
      return;
    }
    // Slow: say so at once, then put the answer in that message's place (nothing unchecked is shown meanwhile).
    let placeholder: string | undefined;
    try {
      const r = await web.chat.postMessage({ ...POST_OPTIONS, channel: ev.channel, thread_ts: thread, text: THINKING });
      placeholder = typeof r.ts === 'string' ? r.ts : undefined;
    } catch (e) {
      log.warn({ err: describeError(e, secrets), ...context }, 'could not post the thinking message');
    }
    const reply = await pending;
    if (!placeholder) {
      await postInThread(web, ev.channel, thread, reply, context);
      return;
    }
    try {
      await web.chat.update({ channel: ev.channel, ts: placeholder, parse: 'none', link_names: false, ...(await render(reply, null)) });
    } catch (e) {
      log.error({ err: describeError(e, secrets), ...context }, 'replacing the thinking message failed');
      await postInThread(web, ev.channel, thread, reply, context);
    }
  };

  app.event('app_mention', async ({ event, context }) => {
    await answerMessage(event, deps.workspace(context), context.botUserId, 'mention');
  });

  app.event('message', async ({ event, context }) => {
    const channelType = (event as { channel_type?: unknown }).channel_type;
    if (channelType !== 'im') return;
    await answerMessage(event, deps.workspace(context), context.botUserId, 'dm');
  });
}
