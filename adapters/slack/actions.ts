// The Slack button listeners: More turns a page, Share posts to the channel, a numbered pick opens a paper, link buttons are only acknowledged.
import type { App, Context, RespondFn } from '@slack/bolt';
import { z } from 'zod';
import type { Caller, Invocation, PagerCursors } from '../../src/ports.js';
import { parseCursor } from '../../src/pager.js';
import { asPrivate, asPublic, type PagerCursor } from '../../src/reply.js';
import { invocationSchema, moreValueSchema, parseJson, shareValueSchema, toInvocation } from './buttonValues.js';
import type { SlackListenerDeps } from './callers.js';
import { ACTIONS, LIMITS } from './render.js';

export const EXPIRED_MESSAGE = 'That list has expired. Please run the command again to get fresh results.';

const actionBodySchema = z.object({
  user: z.object({ id: z.string() }).optional(),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ is_ephemeral: z.boolean().optional(), thread_ts: z.string().optional() }).optional(),
  message: z.object({ thread_ts: z.string().optional() }).optional(),
});

const actionSchema = z.object({ action_id: z.string(), value: z.string().max(LIMITS.buttonValue).optional() });

/** What a button handler gets from Bolt that `click` reads. */
interface ClickArgs {
  ack: () => Promise<void>;
  context: Context;
  body: unknown;
  action: unknown;
  respond: RespondFn;
}

/** Listens for the buttons {@link renderReply} draws. */
export function registerActions(app: App, deps: SlackListenerDeps & { cursors: PagerCursors }): void {
  const { dispatcher, cursors } = deps;
  const { respondWith } = deps.replies;

  // Link buttons also send an action; it only needs acknowledging.
  app.action(new RegExp(`^${ACTIONS.link}_`), async ({ ack }) => {
    await ack();
  });

  /**
   * Acknowledges a button click and reads it: who clicked where, whether the message is private,
   * and the button's value as `read` understands it. A value that is not (or no longer) ours is
   * answered with {@link EXPIRED_MESSAGE} and gives null.
   */
  const click = async <T>(
    args: ClickArgs,
    name: string,
    read: (value: string | undefined) => T | null | Promise<T | null>,
  ): Promise<{ caller: Caller; ephemeral: boolean; value: T } | null> => {
    await args.ack();
    const b = actionBodySchema.safeParse(args.body);
    const a = actionSchema.safeParse(args.action);
    const who = b.success ? b.data : {};
    const channel = who.channel?.id;
    // NOTE: a button on a message in a thread carries the thread (message.thread_ts, or the container's for an
    // ephemeral message), so a page turned there renumbers that thread's list: after More, "7" is the 7th paper shown.
    const thread = who.message?.thread_ts ?? who.container?.thread_ts;
    const caller = deps.caller(deps.workspace(args.context), { user: who.user?.id, channel, thread, direct: channel?.startsWith('D') === true });
    const value = await read(a.success ? a.data.value : undefined);
    if (value === null) {
      await respondWith(
        args.respond,
        { kind: 'text', lines: [EXPIRED_MESSAGE], visibility: 'ephemeral' },
        { share: null, replace: false, context: { action: name, ...caller } },
      );
      return null;
    }
    return { caller, ephemeral: b.success ? b.data.container?.is_ephemeral === true : true, value };
  };

  const readCursor = async (raw: string | undefined): Promise<PagerCursor | null> => {
    const value = parseJson(moreValueSchema, raw);
    return value === null ? null : 'k' in value ? cursors.get(value.k) : parseCursor(value.c);
  };

  app.action(ACTIONS.more, async (args) => {
    const c = await click(args, 'more', readCursor);
    if (!c) return;
    const inv: Invocation = { command: c.value.command, input: { ...c.value.input, offset: c.value.offset } };
    const reply = await dispatcher.run(inv, c.caller);
    // Pages are always private. A private list turns its own page; a public one (trending in the
    // channel) stays as it is for everyone else, and the clicking user gets the next page privately,
    // with its own More button, which from then on turns that private page.
    await respondWith(args.respond, asPrivate(reply), { share: inv, replace: c.ephemeral && reply.kind !== 'error', context: { action: 'more', ...c.caller } });
  });

  app.action(ACTIONS.share, async (args) => {
    const c = await click(args, 'share', (raw) => parseJson(shareValueSchema, raw));
    if (!c) return;
    const reply = 'line' in c.value ? await dispatcher.runText(c.value.line, c.caller) : await dispatcher.run(toInvocation(c.value), c.caller);
    await respondWith(args.respond, asPublic(reply), { share: null, replace: false, context: { action: 'share', ...c.caller } });
  });

  app.action(new RegExp(`^${ACTIONS.pick}_\\d+$`), async (args) => {
    const c = await click(args, 'pick', (raw) => parseJson(invocationSchema, raw));
    if (!c) return;
    const inv = toInvocation(c.value);
    const reply = await dispatcher.run(inv, c.caller);
    await respondWith(args.respond, reply, { share: inv, replace: true, context: { action: 'pick', ...c.caller } });
  });
}
