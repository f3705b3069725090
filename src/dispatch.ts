// The registry and the one place commands run: validation, error mapping and the generic apology.
import { ZodError } from 'zod';
import { threadKey } from './ask/conversations.js';
import type { AnyCommand, CommandContext, Completion } from './command.js';
import { UserError } from './errors.js';
import type { Logger } from './logger.js';
import { managerRefusal, mayChangeChannel } from './manage.js';
import type { Caller, Conversation, Inbound, Invocation } from './ports.js';
import { clip, type Reply } from './reply.js';
import { referenceOf, shownId, shownList, withShown } from './screen.js';
import { editDistance } from './search/spelling/editDistance.js';
import { DatabaseUnavailable } from './store/postgresSql.js';

export type { Caller, Invocation } from './ports.js';

/** Longest free text accepted anywhere; longer input is refused with a clear message. */
export const MAX_INPUT_CHARS = 500;

export const APOLOGY = 'Sorry, something went wrong on my side while answering that. It has been logged; please try again in a moment.';

function apology(): Reply {
  return { kind: 'error', message: APOLOGY, hints: [], visibility: 'ephemeral' };
}

/** Builds the command list, refusing duplicate names (a typo in commands/index.ts fails at start, not in chat). */
export function createRegistry(commands: readonly AnyCommand[]): readonly AnyCommand[] {
  const seen = new Set<string>();
  for (const c of commands) {
    if (seen.has(c.name)) throw new Error(`Duplicate command name: ${c.name}`);
    seen.add(c.name);
  }
  return commands;
}

export class Dispatcher implements Inbound {
  readonly commands: readonly AnyCommand[];
  private readonly ctx: CommandContext;
  private readonly logger: Logger;

  constructor(ctx: CommandContext) {
    this.ctx = ctx;
    this.commands = ctx.commands;
    this.logger = ctx.logger.child({ component: 'dispatch' });
  }

  find(name: string): AnyCommand | undefined {
    const n = name.toLowerCase();
    return this.commands.find((c) => c.name === n);
  }

  /**
   * Runs a command and always returns a reply: user mistakes become an `error` reply with
   * the mistake explained; anything else is logged with context and answered with an apology.
   */
  async run(inv: Invocation, caller: Caller = { platform: 'unknown' }): Promise<Reply> {
    const command = this.find(inv.command);
    if (!command) return errorReply(this.unknownCommand(inv.command));
    try {
      const text = inv.text ?? '';
      if (text.length > MAX_INPUT_CHARS) {
        throw new UserError(`That is ${text.length} characters long; please keep it to ${MAX_INPUT_CHARS} at most.`);
      }
      const raw = inv.input ?? command.fromText(text.trim());
      for (const v of Object.values(raw)) {
        if (typeof v === 'string' && v.length > MAX_INPUT_CHARS) {
          throw new UserError(`That is ${v.length} characters long; please keep it to ${MAX_INPUT_CHARS} at most.`);
        }
      }
      const parsed = command.options.safeParse(raw);
      if (!parsed.success) throw userErrorFromZod(command, parsed.error, raw, caller.optionStyle ?? 'name');
      // NOTE: the one permission check: every entry point (slash, mention, DM, buttons) runs commands through here.
      if (command.manages?.(parsed.data) && !(await mayChangeChannel(caller))) throw managerRefusal(caller);
      const reply = await command.run(parsed.data, { ...this.ctx, caller });
      await this.remember(caller, reply);
      return reply;
    } catch (e) {
      if (e instanceof UserError) return errorReply(e);
      if (e instanceof DatabaseUnavailable) return this.unavailable(e, command.name, caller);
      this.logger.error({ err: e, command: command.name, caller, input: inv.input, text: inv.text }, 'command failed');
      return apology();
    }
  }

  /**
   * The shared database cannot be reached (PostgreSQL gone or restarting): the user gets the usual
   * apology, and the log one line naming the database and the cause, without a stack (it is not a bug).
   */
  private unavailable(e: DatabaseUnavailable, command: string, caller: Caller | undefined): Reply {
    this.logger.error({ ...this.unreachable(e), command, platform: caller?.platform }, 'the database is unreachable: answered with the apology');
    return apology();
  }

  /** What the log says of an unreachable database: which one (never its password) and why, in one line without a stack. */
  private unreachable(e: DatabaseUnavailable): { database: string; cause: string } {
    return { database: this.ctx.database ?? 'the shared database', cause: e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message };
  }

  /**
   * Runs a line of free text: `search kv cache`, `trending 2025-11-27`. Text that does not start
   * with a command name is a question for `ask` (what mentions and DMs do); empty text gets help.
   */
  async runText(line: string, caller?: Caller): Promise<Reply> {
    const slashed = /^\s*\//.test(line);
    const trimmed = line.trim().replace(/^\/+/, '');
    if (trimmed === '') return this.run({ command: 'help', text: '' }, caller);
    const m = /^(\S+)\s*([\s\S]*)$/.exec(trimmed);
    const first = m?.[1] ?? '';
    if (this.find(first)) return this.run({ command: first, text: m?.[2] ?? '' }, caller);
    // A `/word` is always meant as a command; a bare first word only when it is one typo away from one.
    if (slashed || (first.length >= 5 && closeCommand(first, this.names(), 1, false))) return errorReply(this.unknownCommand(first));
    const n = referenceOf(trimmed);
    if (n !== null) {
      let picked: Reply | null;
      try {
        picked = await this.pick(n, trimmed, caller);
      } catch (e) {
        if (e instanceof DatabaseUnavailable) return this.unavailable(e, 'pick', caller);
        throw e;
      }
      if (picked) return picked;
    }
    return this.run({ command: this.find('ask') ? 'ask' : 'search', text: trimmed }, caller);
  }

  /**
   * "2", "#2", "tell me more about 2", "the second one": the paper shown as that number in the last
   * numbered list of this conversation (search, trending, an answer's citations and related papers).
   * Null when the conversation has kept no list and the words are not clearly a follow-up (a question then).
   */
  private async pick(n: number, text: string, caller: Caller | undefined): Promise<Reply | null> {
    const found = await this.shownState(caller);
    if (!found) {
      if (/\[|\bmore\b|\bdetails?\b/i.test(text)) return null;
      return errorReply(
        new UserError('There is no numbered list here to pick from yet.', ['Search or ask first, e.g. `search kv cache`, then type a number from the list.']),
      );
    }
    const id = shownId(found.state, n);
    if (!id.ok) return errorReply(new UserError(id.message));
    if (!this.find('ask')) return this.run({ command: 'paper', input: { id: id.id } }, caller);
    // A DM's list reaches the message's own thread, where ask looks for what was shown.
    const key = threadKey(caller);
    if (key && found.key !== key) await this.keep(async () => this.ctx.conversations?.put(key, found.state));
    return this.run({ command: 'ask', text: `tell me more about ${n}` }, caller);
  }

  /**
   * The conversation state of the caller's thread, else of its DM (where each message may start a thread).
   * An unreachable database is thrown (the caller apologises): the number cannot be told from a question.
   */
  private async shownState(caller: Caller | undefined): Promise<{ key: string; state: Conversation } | null> {
    const conversations = this.ctx.conversations;
    if (!conversations) return null;
    for (const key of conversationKeys(caller)) {
      const state = await this.keepOr(() => conversations.get(key));
      if (state && (state.shown ?? state.cited).length > 0) return { key, state };
    }
    return null;
  }

  /** Records the numbered list a reply shows, so the next "2" in this conversation means what is on screen. */
  private async remember(caller: Caller | undefined, reply: Reply): Promise<void> {
    const list = shownList(reply);
    const conversations = this.ctx.conversations;
    if (!list || !conversations) return;
    for (const key of conversationKeys(caller)) {
      await this.keep(async () => conversations.put(key, withShown(await conversations.get(key), list)));
    }
  }

  /**
   * Keeping a list never fails an answer that is already made: a read-only, busy or unreachable
   * database only loses the follow-up (one line in the log).
   */
  private async keep(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (e) {
      this.logger.warn(e instanceof DatabaseUnavailable ? this.unreachable(e) : { err: e }, 'could not keep the list shown for follow-ups');
    }
  }

  /** A read of follow-up state: a busy or broken row is no state; an unreachable database is thrown. */
  private async keepOr<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (e) {
      if (e instanceof DatabaseUnavailable) throw e;
      this.logger.warn({ err: e }, 'could not read the list shown for follow-ups');
      return undefined;
    }
  }

  private names(): string[] {
    return this.commands.map((c) => c.name);
  }

  /** "I don't know the command "serach" — did you mean "search"?", with the command list. */
  private unknownCommand(name: string): UserError {
    const close = closeCommand(name, this.names(), 2, true);
    const shown = clip(name, 40);
    return new UserError(close ? `I don't know the command "${shown}" — did you mean "${close}"?` : `I don't know the command "${shown}".`, [
      `Commands: ${this.names().join(', ')}`,
    ]);
  }

  /**
   * Lets a second thread id reach the conversation of `caller.thread`: on Discord a follow-up replies
   * to the bot's answer, whose id is known only once it is sent. Never throws (it only loses a follow-up).
   */
  async linkThread(caller: Caller, alias: string): Promise<void> {
    const from = threadKey(caller);
    if (!from || !this.ctx.conversations) return;
    try {
      await this.ctx.conversations.link(from, threadKey({ ...caller, thread: alias }) ?? '');
    } catch (e) {
      this.logger.warn(
        { ...(e instanceof DatabaseUnavailable ? this.unreachable(e) : { err: e }), platform: caller.platform },
        'could not link a thread for follow-ups',
      );
    }
  }

  /** Completions for an option as the user types; never throws (autocomplete must always answer). */
  async complete(commandName: string, arg: string, partial: string): Promise<Completion[]> {
    const command = this.find(commandName);
    if (!command?.complete) return [];
    try {
      return command.complete(arg, partial.slice(0, MAX_INPUT_CHARS), this.ctx).slice(0, 25);
    } catch (e) {
      this.logger.error({ err: e, command: commandName, arg }, 'autocomplete failed');
      return [];
    }
  }
}

/** The keys a caller's conversation is kept under: its thread, and in a DM the DM itself. */
function conversationKeys(caller: Caller | undefined): string[] {
  const thread = threadKey(caller);
  const dm = caller?.direct && caller.channel ? `${caller.platform}:${caller.channel}:dm` : null;
  return [thread, dm].filter((k): k is string => k !== null);
}

/**
 * The command name closest to a mistyped one, within `max` edits (a swap of neighbours is one),
 * or, for a bare first word (`extensions` false), not one that only extends it (`papers on …` is a question, not a typo of `paper`).
 */
export function closeCommand(word: string, names: readonly string[], max: number, extensions: boolean): string | null {
  const w = word.toLowerCase();
  let best: { name: string; d: number } | null = null;
  for (const name of names) {
    if (!extensions && w.startsWith(name)) continue;
    const d = editDistance(w, name, max);
    if (d <= max && (!best || d < best.d)) best = { name, d };
  }
  return best?.name ?? null;
}

function errorReply(e: UserError): Reply {
  return { kind: 'error', message: e.message, hints: [...e.hints], visibility: 'ephemeral', ...(e.code ? { code: e.code } : {}) };
}

/**
 * Turns schema issues into sentences that name the option as the user knows it (`--limit` on the
 * CLI, `limit` in chat) and the allowed range, instead of zod's own wording.
 */
function userErrorFromZod(command: AnyCommand, error: ZodError, raw: Record<string, unknown>, style: 'flag' | 'name'): UserError {
  const lines = error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const arg = command.args.find((a) => a.name === key);
    const label = key === '' ? 'That input' : style === 'flag' ? `--${key}` : `\`${key}\``;
    const given = raw[key];
    const shown = given === undefined || given === '' ? '' : ` (you gave ${clip(String(given), 40)})`;
    if (arg?.type === 'integer') {
      const range = arg.minValue !== undefined && arg.maxValue !== undefined ? ` from ${arg.minValue} to ${arg.maxValue}` : '';
      return `${label} must be a whole number${range}${shown}.`;
    }
    if (issue.code === 'too_big' && arg?.maxLength !== undefined) return `${label} must be at most ${arg.maxLength} characters.`;
    if (ZOD_WORDING.test(issue.message)) return `${label} is not valid${shown}.`;
    // "is not a week: use …" reads as a sentence once the option and its value stand in front.
    if (/^(is|must) /.test(issue.message)) return sentence(`${label}${given === undefined ? '' : ` ${clip(String(given), 40)}`} ${issue.message}`);
    return sentence(issue.message);
  });
  return new UserError(lines[0] ?? 'That input is not valid.', [...lines.slice(1), `Usage: ${command.name} ${command.usage}`]);
}

/** zod's built-in messages ("Invalid input: …", "Too small: …"): never shown to a user as they are. */
const ZOD_WORDING = /^(Invalid|Too (small|big)|Expected|Unrecognized)/;

/** A custom schema message as a sentence: capitalised, ending in a full stop. */
function sentence(message: string): string {
  const s = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
