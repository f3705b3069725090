// Builds a real core (in-memory SQLite, real commands and dispatcher) over a small corpus, with a fixed clock.
import { commands } from '../../commands/index.js';
import { createCore, type Core } from '../../src/core.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import type { Paper } from '../../src/papers/model.js';
import type { Clock } from '../../src/ports.js';
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
  seedsDir?: string;
  clock?: Clock;
  logger?: Logger;
}

/**
 * A core with no seeds (unless `seedsDir` is given) and the test corpus ingested.
 * Default clock: 2025-11-27 15:00 UTC (10:00 in New York).
 */
export function createTestCore(opts: TestCoreOptions = {}): Core {
  const clock = opts.clock ?? new FakeClock(new Date('2025-11-27T15:00:00Z'));
  const core = createCore({
    config: { dataDir: '/nonexistent', seedsDir: opts.seedsDir ?? '/nonexistent-seeds', timeZone: 'America/New_York' },
    logger: opts.logger ?? silentLogger,
    clock,
    commands,
    dbFile: ':memory:',
    skipSeeds: opts.seedsDir === undefined,
  });
  core.library.ingest(opts.papers ?? testPapers);
  return core;
}
