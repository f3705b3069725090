// What every CLI subcommand runs with (streams, config, the app, test collaborators) and the small helpers they share.
import type { App } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import type { Timers } from '../../src/ingest/live.js';
import type { Logger } from '../../src/logger.js';
import type { Sleep } from '../../src/papers/hf.js';
import type { Clock } from '../../src/ports.js';
import type { Freshener } from '../../src/scheduler/scheduler.js';
import type { StopSignal } from '../../src/serve.js';
import type { ConsoleLogSink } from '../console/logNotes.js';
import type { FlagSpec, ParsedArgs } from './args.js';

/** The process streams and environment the CLI runs with; tests pass their own. */
export interface Io {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { columns?: number; isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

/** Collaborators tests replace: the clock, the stop signal of `serve`. */
export interface CliDeps {
  clock?: Clock;
  stopSignal?: () => StopSignal;
  /** Fetches the day's list before a scheduled post (default: serve's live ingest; absent: posts use what is stored). */
  freshener?: Freshener;
  /** When the last ingest succeeded, for /healthz (default: the live ingest's status). */
  lastIngest?: () => string | null;
  /** The timers serve's live ingest is scheduled on. */
  timers?: Timers;
  /** How the HF client waits between retries (tests: at once, on a fake clock). */
  sleep?: Sleep;
}

export interface Ctx {
  config: Config;
  logger: Logger;
  app: App;
  io: Io;
  clock: Clock;
  deps: CliDeps;
  /** `serve` only: listening for SIGTERM/SIGINT from before the database opens. */
  stop?: StopSignal;
  /** The console chat on a terminal: where logs go as sentences, above the prompt once the console runs. */
  notes?: ConsoleLogSink;
}

/** What a subcommand that opens its own databases gets (no app: `migrate` must not open the one DATABASE_URL names). */
export type AloneCtx = Omit<Ctx, 'app'>;

/** A subcommand only the CLI has (not a chat command). */
export type CliOnly = { name: string; description: string; spec: FlagSpec } & (
  { alone?: false; run(args: ParsedArgs, ctx: Ctx): Promise<number> } | { alone: true; run(args: ParsedArgs, ctx: AloneCtx): Promise<number> }
);

/** A platform the command needs is not configured: said on stderr, exit code 2 (the environment does not allow it). */
export function notConfigured(io: Io, message: string): number {
  io.stderr.write(`${message}\n`);
  return 2;
}

export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, 300) ?? '';
}
