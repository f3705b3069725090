// The messages serve's main thread and its live-ingest thread exchange (node:worker_threads, structured clone).
import type { Config } from '../config.js';
import type { DayIngested } from './day.js';
import type { LiveStatus } from './live.js';

/** What the ingest thread is started with (its workerData): the config parts its app and ingest read. */
export interface IngestThreadInit {
  config: Pick<Config, 'dataDir' | 'timeZone' | 'hf' | 'live'> & Partial<Pick<Config, 'databaseUrl'>>;
  /** The leader lease this replica holds (src/leader/): the thread checks it is still the holder before each round. */
  leader?: { role: string; holder: string };
}

/** The log levels the core's Logger has. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A request to the thread; `id` pairs it with its result. */
export type IngestCall = { method: 'runOnce'; date?: string } | { method: 'ensureFresh'; date?: string; maxAgeMs?: number };

export type ToIngestThread = { type: 'start' } | { type: 'stop' } | ({ type: 'call'; id: number } & IngestCall);

/**
 * What the main thread gets back of a run: counts, not papers. NOTE: the papers stay in the thread
 * (the store has them); copying a big day's papers across would cost the main thread what the
 * thread is there to save it.
 */
export interface RunSummary {
  date: string;
  inserted: number;
  updated: number;
  unchanged: number;
  /** `pages`, `items`, `papers`, `skipped`, as the run counted them. */
  counts: Record<string, number>;
  warnings: number;
}

export type FromIngestThread =
  /** The thread's app is open and its live ingest built. */
  | { type: 'ready' }
  /** The thread cannot run a live ingest (a read-only database, a store without daily lists): it stays idle. */
  | { type: 'unavailable'; reason: string }
  | { type: 'status'; status: LiveStatus }
  | { type: 'result'; id: number; ok: true; value: RunSummary | null }
  | { type: 'result'; id: number; ok: false; error: string }
  | { type: 'log'; level: LogLevel; bindings: Record<string, unknown>; obj: unknown; msg?: string }
  /** The live ingest stopped (its run ended or was aborted) and the app is closed: the thread may be terminated. */
  | { type: 'stopped' };

/** The counts of a day's ingest, for the main thread. */
export function summarize(r: DayIngested): RunSummary {
  return { date: r.date, inserted: r.stats.inserted, updated: r.stats.updated, unchanged: r.stats.unchanged, counts: r.counts, warnings: r.warnings.length };
}
