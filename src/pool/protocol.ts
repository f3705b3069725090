// What the main thread and a pool worker send each other: tasks, their set-up, and the readiness messages.
import type { Completion } from '../command.js';
import type { Config } from '../config.js';
import type { Invocation } from '../ports.js';
import type { Reply } from '../reply.js';
import type { WireCaller } from './callerRpc.js';

/** What a worker needs to build its own app: the same database and settings as the process (cloned into the thread). */
export interface WorkerSetup {
  config: Pick<Config, 'dataDir' | 'timeZone'> & Partial<Pick<Config, 'llm' | 'databaseUrl' | 'hf'>>;
  /** LOG_LEVEL of the process; `silent` in tests. */
  logLevel: string;
}

/** One unit of work for a worker. A caller's functions travel as names, answered over the task's port (see callerRpc.ts). */
export type PoolTask =
  | { kind: 'run'; inv: Invocation; caller?: WireCaller }
  | { kind: 'runText'; line: string; caller?: WireCaller }
  | { kind: 'complete'; command: string; arg: string; partial: string }
  | { kind: 'linkThread'; caller: WireCaller; alias: string };

/** What each task kind answers. */
export type PoolResult = Reply | Completion[] | null;

/** Posted by a worker on its parent port once its app is built and warm, or when building it failed. */
export type WorkerStatus = { paperboyWorker: 'ready' } | { paperboyWorker: 'failed'; message: string };

export function isWorkerStatus(m: unknown): m is WorkerStatus {
  return typeof m === 'object' && m !== null && 'paperboyWorker' in m;
}
