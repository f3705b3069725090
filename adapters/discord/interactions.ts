// Answers Discord interactions (slash commands, autocomplete, buttons) the same way whichever transport brought them: the gateway or HTTP.
import { z } from 'zod';
import { APOLOGY } from '../../src/dispatch.js';
import { describeError } from '../../src/errorInfo.js';
import type { Logger } from '../../src/logger.js';
import type { Caller, Inbound, PagerCursors } from '../../src/ports.js';
import { asPrivate, asPublic, type PagerCursor, type Reply } from '../../src/reply.js';
import { ROOT_COMMAND } from './commands.js';
import { PAPER_CARD_COMMAND, paperCardInvocation } from './paperCard.js';
import { discordCaller, type KeptRenderer } from './messages.js';
import { parseCustomId, plainMessage, type DiscordMessage } from './render.js';

export const EXPIRED_BUTTON = 'That button has expired (buttons last an hour). Run the command again to get fresh results.';

/** What every interaction says about who sent it and where. */
interface Origin {
  id: string;
  user: string;
  channelId: string | null;
  guildId: string | null;
  /** The member's permissions in the channel, as the interaction carries them; null in a DM. */
  permissions: bigint | null;
}

/** An interaction as either transport delivers it, reduced to what answering it needs. Option data is raw until validated here. */
export type InteractionIn = Origin &
  (
    | { kind: 'command'; commandName: string; subcommand: unknown }
    | { kind: 'autocomplete'; subcommand: unknown; focused: unknown }
    | { kind: 'button'; customId: string; messageId: string }
    /** A message context-menu command (type 3): the message it was used on comes with it, content included. */
    | { kind: 'message-command'; commandName: string; message: TargetMessage }
  );

/** The message a message command was used on: its text and its embeds' URLs (Discord's link previews). */
export interface TargetMessage {
  content: string;
  embeds: ReadonlyArray<{ url?: string | null | undefined }>;
}

/**
 * How an interaction is answered: a discord.js interaction over the gateway, or the HTTP response and the
 * interaction webhook over HTTP. `deferred` and `replied` follow discord.js's meaning (an edit of a deferral is a reply).
 * https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction
 */
export interface InteractionResponder {
  readonly deferred: boolean;
  readonly replied: boolean;
  /** Answers with a message (callback type 4), ephemeral when the message says so. */
  reply(m: DiscordMessage): Promise<void>;
  /** Acknowledges now and answers later (type 5), privately: the answer's visibility is not known yet. */
  defer(): Promise<void>;
  editOriginal(m: DiscordMessage): Promise<void>;
  followUp(m: DiscordMessage): Promise<void>;
  deleteOriginal(): Promise<void>;
  /** Autocomplete choices (type 8). */
  choices(list: Array<{ name: string; value: string }>): Promise<void>;
}

/** Subcommand data as it arrives: validated before anything reads it. */
const subcommandSchema = z.object({
  name: z.string().min(1).max(32),
  options: z
    .array(z.object({ name: z.string().min(1).max(32), value: z.union([z.string(), z.number(), z.boolean()]).optional() }))
    .max(25)
    .optional(),
});

const focusedSchema = z.object({ name: z.string().min(1).max(32), value: z.union([z.string(), z.number()]) });

export interface InteractionRouterOptions {
  dispatcher: Inbound;
  cursors: PagerCursors;
  rendered: KeptRenderer;
  logger: Logger;
  secrets: readonly string[];
  /**
   * Defer the interaction when the answer is not ready after this many milliseconds.
   * NOTE: Discord drops an interaction not answered within 3 s; 1.5 s leaves room for the round trip.
   */
  deferAfterMs: number;
}

/** Answers one interaction through its responder; never rejects for a failing Discord (it is logged, and apologised for where possible). */
export type InteractionRouter = (i: InteractionIn, r: InteractionResponder) => Promise<void>;

export function createInteractionRouter(opts: InteractionRouterOptions): InteractionRouter {
  const { dispatcher, cursors, rendered, logger, secrets, deferAfterMs } = opts;
  const callerOf = (i: Origin): Caller => discordCaller(i.user, i.channelId, i.guildId, i.permissions);

  /** Sends a reply to an interaction, deferring first when the work is slow. */
  async function respond(
    i: Origin,
    r: InteractionResponder,
    work: () => Promise<Reply>,
    origin: PagerCursor | undefined,
    context: Record<string, unknown>,
  ): Promise<void> {
    try {
      const pending = work();
      let timer: NodeJS.Timeout | undefined;
      const slow = new Promise<'slow'>((resolve) => {
        timer = setTimeout(() => resolve('slow'), deferAfterMs);
      });
      const first = await Promise.race([pending, slow]);
      clearTimeout(timer);
      if (first !== 'slow') {
        await r.reply(await rendered(first, origin));
        return;
      }
      // NOTE: a deferral fixes the response's visibility, which is not known yet: defer privately,
      // then either fill it in, or post a public answer as a follow-up and remove the placeholder.
      await r.defer();
      const m = await rendered(await pending, origin);
      if (m.ephemeral) {
        await r.editOriginal(m);
      } else {
        await r.followUp(m);
        await r.deleteOriginal();
      }
    } catch (e) {
      logger.error({ err: describeError(e, secrets), ...context, interaction: i.id }, 'could not answer an interaction');
      await apologise(i, r, context);
    }
  }

  async function apologise(i: Origin, r: InteractionResponder, context: Record<string, unknown>): Promise<void> {
    const m = plainMessage(APOLOGY, true);
    try {
      if (r.deferred && !r.replied) await r.editOriginal(m);
      else if (r.replied) await r.followUp(m);
      else await r.reply(m);
    } catch (e) {
      logger.warn({ err: describeError(e, secrets), ...context, interaction: i.id }, 'could not send the apology either');
    }
  }

  async function onCommand(i: InteractionIn & { kind: 'command' }, r: InteractionResponder): Promise<void> {
    if (i.commandName !== ROOT_COMMAND) return;
    const sub = subcommandSchema.safeParse(i.subcommand);
    if (!sub.success) {
      await r
        .reply(plainMessage('I could not read that command. Try `/papers help`.', true))
        .catch((e: unknown) => logger.warn({ err: describeError(e, secrets) }, 'could not answer a malformed command'));
      return;
    }
    const input: Record<string, unknown> = {};
    for (const o of sub.data.options ?? []) if (o.value !== undefined) input[o.name] = o.value;
    const command = sub.data.name;
    await respond(i, r, () => dispatcher.run({ command, input }, callerOf(i)), { command, input, offset: 0 }, { command, guild: i.guildId ?? 'dm' });
  }

  async function onAutocomplete(i: InteractionIn & { kind: 'autocomplete' }, r: InteractionResponder): Promise<void> {
    const sub = subcommandSchema.safeParse(i.subcommand);
    const focused = focusedSchema.safeParse(i.focused);
    const choices = sub.success && focused.success ? await dispatcher.complete(sub.data.name, focused.data.name, String(focused.data.value)) : [];
    try {
      await r.choices(choices.slice(0, 25).map((c) => ({ name: c.name.slice(0, 100) || c.value.slice(0, 100), value: c.value.slice(0, 100) })));
    } catch (e) {
      logger.warn({ err: describeError(e, secrets), command: sub.success ? sub.data.name : null }, 'could not answer autocomplete');
    }
  }

  async function onButton(i: InteractionIn & { kind: 'button' }, r: InteractionResponder): Promise<void> {
    const action = parseCustomId(i.customId);
    if (!action) return;
    let cursor: PagerCursor | null;
    try {
      cursor = await cursors.get(action.key);
    } catch (e) {
      logger.error({ err: describeError(e, secrets), button: action.action, guild: i.guildId ?? 'dm' }, "could not read a button's cursor");
      await apologise(i, r, { button: action.action });
      return;
    }
    const context = { button: action.action, command: cursor?.command ?? null, guild: i.guildId ?? 'dm' };
    if (!cursor) {
      await r
        .reply(plainMessage(EXPIRED_BUTTON, true))
        .catch((e: unknown) => logger.warn({ err: describeError(e, secrets), ...context }, 'could not answer an expired button'));
      return;
    }
    const input = cursor.offset > 0 ? { ...cursor.input, offset: cursor.offset } : cursor.input;
    // NOTE: the clicked message is where the conversation goes on (a reply to the bot's answer), so a page it
    // turns there renumbers that conversation's list: after More, "7" is the 7th paper shown.
    const who: Caller = { ...callerOf(i), thread: i.messageId };
    const run = () => dispatcher.run({ command: cursor.command, input }, who);
    if (action.action === 'share') await respond(i, r, async () => asPublic(await run()), undefined, context);
    // NOTE: pages are private: "More" under a public list (trending) would otherwise post a new
    // public message on every click. The private page keeps its cursor, so it pages on.
    else if (action.action === 'more') await respond(i, r, async () => asPrivate(await run()), cursor, context);
    else await respond(i, r, run, cursor, context);
  }

  /** "Paper card" on a message: its paper links' cards, privately, whoever may see the channel. */
  async function onMessageCommand(i: InteractionIn & { kind: 'message-command' }, r: InteractionResponder): Promise<void> {
    if (i.commandName !== PAPER_CARD_COMMAND) return;
    const inv = paperCardInvocation(i.message);
    await respond(i, r, async () => asPrivate(await dispatcher.run(inv, callerOf(i))), undefined, {
      command: 'cards',
      via: 'message menu',
      guild: i.guildId ?? 'dm',
    });
  }

  return async (i, r) => {
    if (i.kind === 'command') await onCommand(i, r);
    else if (i.kind === 'autocomplete') await onAutocomplete(i, r);
    else if (i.kind === 'message-command') await onMessageCommand(i, r);
    else await onButton(i, r);
  };
}
