// The registry and the one place commands run: validation, error mapping and the generic apology.
import { ZodError } from 'zod';
import { threadKey } from './ask/conversations.js';
import type { AnyCommand, CommandContext, Completion } from './command.js';
import { UserError } from './errors.js';
import type { Logger } from './logger.js';
import { managerRefusal, mayChangeChannel } from './manage.js';
import type { Caller, Inbound, Invocation } from './ports.js';
import { clip, type Reply } from './reply.js';

export type { Caller, Invocation } from './ports.js';

/** Longest free text accepted anywhere; longer input is refused with a clear message. */
export const MAX_INPUT_CHARS = 500;

export const APOLOGY = 'Sorry, something went wrong on my side while answering that. It has been logged; please try again in a moment.';

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
    if (!command) {
      return errorReply(new UserError(`I don't know the command "${clip(inv.command, 40)}".`, [`Commands: ${this.commands.map((c) => c.name).join(', ')}`]));
    }
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
      return await command.run(parsed.data, { ...this.ctx, caller });
    } catch (e) {
      if (e instanceof UserError) return errorReply(e);
      this.logger.error({ err: e, command: command.name, caller, input: inv.input, text: inv.text }, 'command failed');
      return { kind: 'error', message: APOLOGY, hints: [], visibility: 'ephemeral' };
    }
  }

  /**
   * Runs a line of free text: `search kv cache`, `trending 2025-11-27`. Text that does not start
   * with a command name is a question for `ask` (what mentions and DMs do); empty text gets help.
   */
  async runText(line: string, caller?: Caller): Promise<Reply> {
    const trimmed = line.trim().replace(/^\/+/, '');
    if (trimmed === '') return this.run({ command: 'help', text: '' }, caller);
    const m = /^(\S+)\s*([\s\S]*)$/.exec(trimmed);
    const first = m?.[1] ?? '';
    if (this.find(first)) return this.run({ command: first, text: m?.[2] ?? '' }, caller);
    return this.run({ command: this.find('ask') ? 'ask' : 'search', text: trimmed }, caller);
  }

  /**
   * Lets a second thread id reach the conversation of `caller.thread`: on Discord a follow-up replies
   * to the bot's answer, whose id is known only once it is sent. Never throws (it only loses a follow-up).
   */
  linkThread(caller: Caller, alias: string): void {
    const from = threadKey(caller);
    if (!from || !this.ctx.conversations) return;
    try {
      this.ctx.conversations.link(from, threadKey({ ...caller, thread: alias }) ?? '');
    } catch (e) {
      this.logger.warn({ err: e, platform: caller.platform }, 'could not link a thread for follow-ups');
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
