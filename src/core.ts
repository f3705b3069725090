// Builds the core (store, library, dispatcher) from config: shared by the CLI, serve and tests.
import path from 'node:path';
import type { AnyCommand } from './command.js';
import type { Config } from './config.js';
import { Dispatcher } from './dispatch.js';
import { Library } from './library.js';
import type { Logger } from './logger.js';
import { loadSeedDir } from './papers/seeds.js';
import type { Clock } from './ports.js';
import { openStore, type PaperStore } from './store/sqlite.js';

export interface Core {
  store: PaperStore;
  library: Library;
  dispatcher: Dispatcher;
  close(): void;
}

export interface CoreDeps {
  config: Pick<Config, 'dataDir' | 'seedsDir' | 'timeZone'>;
  logger: Logger;
  clock: Clock;
  commands: readonly AnyCommand[];
  /** Overrides the database file (tests use `:memory:`). */
  dbFile?: string;
  /** Start without ingesting the seed corpus (tests that bring their own papers). */
  skipSeeds?: boolean;
}

/** Seeds-ingested marker, so a restart does not re-read the seed folder needlessly. */
const SEEDED_KEY = 'seeds.ingested';

/**
 * Opens the store and ingests the seed corpus on first start (later starts skip it; the
 * upsert is idempotent anyway, so `paperboy ingest` can always re-run it).
 */
export function createCore(deps: CoreDeps): Core {
  const store = openStore(deps.dbFile ?? path.join(deps.config.dataDir, 'paperboy.db'), () => deps.clock.now());
  try {
    const library = new Library(store, deps.logger);
    if (!deps.skipSeeds && !store.getMeta(SEEDED_KEY)) {
      const load = loadSeedDir(deps.config.seedsDir, deps.logger);
      const stats = library.ingest(load.papers);
      store.setMeta(SEEDED_KEY, deps.clock.now().toISOString());
      deps.logger.info({ files: load.files.length, entries: load.entries, ...stats }, 'seed corpus ingested');
    }
    const dispatcher = new Dispatcher({ library, clock: deps.clock, timeZone: deps.config.timeZone, logger: deps.logger, commands: deps.commands });
    return { store, library, dispatcher, close: () => store.close() };
  } catch (e) {
    store.close();
    throw e;
  }
}
