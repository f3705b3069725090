// What a command is: a plain object with a zod options schema and a `run` that returns a neutral reply.
import type { z } from 'zod';
import type { PaperLibrary } from './library.js';
import type { Logger } from './logger.js';
import type { LinkResolver } from './links/resolve.js';
import type { AnswerWriter, Caller, Clock, Conversations, FollowBook } from './ports.js';
import type { Reply } from './reply.js';
import type { ScheduleStore } from './scheduler/store.js';

/**
 * Describes one option for platforms with typed options (Discord slash command options,
 * CLI flags). The zod schema stays the source of truth for validation.
 */
export interface CommandArg {
  name: string;
  description: string;
  type: 'string' | 'integer';
  required: boolean;
  /** Offer completions from `Command.complete` (Discord autocomplete). */
  autocomplete?: boolean;
  /** Fixed choices (Discord shows them as a menu). */
  choices?: ReadonlyArray<{ name: string; value: string }>;
  maxLength?: number;
  minValue?: number;
  maxValue?: number;
  /** The value used when the option is left out, for help text (the schema applies it). */
  defaultValue?: string | number;
  /** Only the CLI offers it as a flag (paging: chat platforms page with buttons). */
  cliOnly?: boolean;
  /** A one-letter CLI alias, e.g. `n` for `--limit`. */
  short?: string;
}

/** A completion offered while the user types an option. */
export interface Completion {
  name: string;
  value: string;
}

/** Everything a command may use. Passed in; commands hold no globals. */
export interface CommandContext {
  library: PaperLibrary;
  clock: Clock;
  /** IANA zone that "today" is computed in (HF publishes on New York time). */
  timeZone: string;
  logger: Logger;
  /** Lists every command, for help. */
  commands: readonly AnyCommand[];
  /** Who is asking and where; the Dispatcher fills it in for each run. */
  caller?: Caller;
  /** Topic follows of users and channels (absent where the composition root wires none). */
  follows?: FollowBook;
  /** Channels' scheduled trending posts and their ledger (absent where the store is not SQLite). */
  schedules?: ScheduleStore;
  /** Each thread's previous answer, for `ask` follow-ups (absent: follow-ups are not offered). */
  conversations?: Conversations;
  /** How an operator knows the shared database (its file, or DATABASE_URL without the password), for the log line when it is unreachable. */
  database?: string;
  /** The optional model that writes `ask` answers (LLM_BASE_URL); absent means extractive answers. */
  writer?: AnswerWriter;
  /** Finds (and fetches, when a live source is configured) the papers behind pasted links (`cards`); absent: stored papers only. */
  links?: LinkResolver;
}

export interface Command<I extends Record<string, unknown> = Record<string, unknown>> {
  name: string;
  /** One line, shown in help and as the slash command option description (≤ 100 chars). */
  description: string;
  /** Usage example after the command name, e.g. `<query> [since:2025] [-term]`. */
  usage: string;
  args: readonly CommandArg[];
  options: z.ZodType<I, Record<string, unknown>>;
  /**
   * Turns the free text after the command name (Slack's `/papers search …`, the console,
   * mentions) into raw options; the schema validates them afterwards.
   */
  fromText(text: string): Record<string, unknown>;
  /**
   * Whether this (parsed) invocation changes what a channel gets (its subscriptions). The Dispatcher
   * then runs it only for a caller whose `mayManage` says yes, whichever way it came in (slash command,
   * mention, DM, button, pick, share); absent means it changes no channel's settings.
   */
  manages?(input: I): boolean;
  run(input: I, ctx: CommandContext): Promise<Reply>;
  complete?(arg: string, partial: string, ctx: CommandContext): Completion[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = Command<any>;

/** Declares a command with its input type inferred from the schema. */
export function defineCommand<I extends Record<string, unknown>>(c: Command<I>): Command<I> {
  return c;
}
