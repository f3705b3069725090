// Builds a real app (in-memory SQLite, real commands and dispatcher) over a small corpus, with a fixed clock.
import { openDatabase } from '../../src/store/database.js';
import { FEATURES } from '../../src/store/features.js';
import { commands } from '../../commands/index.js';
import { createApp, type App } from '../../src/app.js';
import type { HfConfig } from '../../src/config.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import type { Paper } from '../../src/papers/model.js';
import type { AnswerWriter, Clock, FollowBook } from '../../src/ports.js';
import { testPapers } from './papers.js';

/** A clock that stays where it is set; tests move it explicitly. */
export class FakeClock implements Clock {
  constructor(private t: Date) {}
  now(): Date {
    return new Date(this.t);
  }
  set(t: Date): void {
    this.t = t;
  }
  advance(ms: number): void {
    this.t = new Date(this.t.getTime() + ms);
  }
}

export interface TestCoreOptions {
  papers?: Paper[];
  clock?: Clock;
  logger?: Logger;
  /** Topic follows for `subscribe topic` (e.g. test/support/follows.ts). */
  follows?: FollowBook;
  /** The model that writes `ask` answers (a client of a fake server); none means extractive answers. */
  writer?: AnswerWriter;
  /** A Hugging Face API (a fake one) that papers behind pasted links are fetched from; none: link cards show stored papers only. */
  hf?: HfConfig;
}

/**
 * An app over an in-memory store with the test corpus ingested.
 * Default clock: 2025-11-27 15:00 UTC (10:00 in New York).
 */
export async function createTestCore(opts: TestCoreOptions = {}): Promise<App> {
  const clock = opts.clock ?? new FakeClock(new Date('2025-11-27T15:00:00Z'));
  const app = await createApp({
    config: { dataDir: '/nonexistent', timeZone: 'America/New_York', ...(opts.hf ? { hf: opts.hf } : {}) },
    logger: opts.logger ?? silentLogger,
    clock,
    commands,
    database: await openDatabase({ file: ':memory:', now: () => clock.now(), features: FEATURES }),
    ...(opts.follows ? { follows: opts.follows } : {}),
    ...(opts.writer ? { writer: opts.writer } : {}),
  });
  await app.library.ingest(opts.papers ?? testPapers);
  return app;
}
