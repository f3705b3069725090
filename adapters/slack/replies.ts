// Slack replies to a user: rendered with their buttons' cursors kept, sent through response_url or into a thread, each with one apology on failure.
import type { RespondFn, webApi } from '@slack/bolt';
import { APOLOGY } from '../../src/dispatch.js';
import { describeError } from '../../src/errorInfo.js';
import type { Logger } from '../../src/logger.js';
import type { PagerCursors } from '../../src/ports.js';
import type { Reply } from '../../src/reply.js';
import { moreValueIn, type ShareValue } from './buttonValues.js';
import { renderReply, type SlackMessage } from './render.js';

/** Options that keep Slack from rewriting outside text into mentions or unfurling links. */
export const POST_OPTIONS = { unfurl_links: false, unfurl_media: false, parse: 'none', link_names: false } as const;
export const RESPOND_OPTIONS = { unfurl_links: false, unfurl_media: false } as const;

export interface SlackReplies {
  /** Renders a reply, storing any cursor kept under a key first; a database that cannot keep it costs that button only. */
  render(reply: Reply, share: ShareValue | null): Promise<SlackMessage>;
  /** Answers through response_url; a failure is logged and, where Slack still listens, apologised for. */
  respondWith(respond: RespondFn, reply: Reply, how: { share: ShareValue | null; replace: boolean; context: Record<string, unknown> }): Promise<void>;
  /** Posts into a channel or thread with chat.postMessage; a failure gets one plain apology attempt. */
  postInThread(web: webApi.WebClient, channel: string, threadTs: string, reply: Reply, context: Record<string, unknown>): Promise<void>;
}

export function slackReplies(deps: { cursors: PagerCursors; log: Logger; secrets: readonly (string | undefined)[] }): SlackReplies {
  const { cursors, log, secrets } = deps;
  const render = async (reply: Reply, share: ShareValue | null): Promise<SlackMessage> => {
    const shareValue = share ? JSON.stringify(share) : null;
    const batch = cursors.batch();
    const message = renderReply(reply, { moreValue: moreValueIn(batch), shareValue });
    try {
      await batch.save();
    } catch (e) {
      log.warn({ err: describeError(e, secrets) }, "could not keep a More button's cursor: a click on it will say the list expired");
    }
    return message;
  };

  const respondWith: SlackReplies['respondWith'] = async (respond, reply, how) => {
    const msg = await render(reply, how.share);
    try {
      await respond({ ...RESPOND_OPTIONS, response_type: reply.visibility === 'public' ? 'in_channel' : 'ephemeral', replace_original: how.replace, ...msg });
    } catch (e) {
      log.error({ err: describeError(e, secrets), ...how.context }, 'responding to Slack failed');
      try {
        await respond({ response_type: 'ephemeral', replace_original: false, text: APOLOGY });
      } catch (e2) {
        log.error({ err: describeError(e2, secrets), ...how.context }, 'sending the apology failed too');
      }
    }
  };

  const postInThread: SlackReplies['postInThread'] = async (web, channel, threadTs, reply, context) => {
    try {
      await web.chat.postMessage({ ...POST_OPTIONS, channel, thread_ts: threadTs, ...(await render(reply, null)) });
    } catch (e) {
      log.error({ err: describeError(e, secrets), ...context }, 'posting a Slack reply failed');
      try {
        await web.chat.postMessage({ ...POST_OPTIONS, channel, thread_ts: threadTs, text: APOLOGY });
      } catch (e2) {
        log.error({ err: describeError(e2, secrets), ...context }, 'sending the apology failed too');
      }
    }
  };

  return { render, respondWith, postInThread };
}
