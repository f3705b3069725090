// The composition root: builds the store, search index, library and dispatcher from config, and loads the chat adapters it asks for.
import path from 'node:path';
import type { AnyCommand } from './command.js';
import type { Config } from './config.js';
import { Dispatcher } from './dispatch.js';
import { Library } from './library.js';
import type { Logger } from './logger.js';
import type { ChatAdapter, Clock, PaperSource, PaperStore, SearchIndex, UpsertStats } from './ports.js';
import { LunrSearchIndex } from './search/lunrIndex.js';
import { openStore } from './store/sqlite.js';

/** The running core: what every adapter (CLI, console, Slack, Discord) works through. */
export interface App {
  store: PaperStore;
  library: Library;
  dispatcher: Dispatcher;
  close(): void;
}

export interface AppDeps {
  config: Pick<Config, 'dataDir' | 'timeZone'>;
  logger: Logger;
  clock: Clock;
  commands: readonly AnyCommand[];
  /** A store to use instead of the SQLite file in `config.dataDir` (tests pass an in-memory one). */
  store?: PaperStore;
  /** A search index to use instead of lunr over the store. */
  index?: SearchIndex;
}

/** The database file inside a data directory. */
export function databaseFile(dataDir: string): string {
  return path.join(dataDir, 'paperboy.db');
}

/**
 * Wires the core. Collaborators default to the real ones (SQLite in the data dir, lunr over the
 * store) and can be passed in, so tests build the same graph with fakes and no module mocking.
 */
export function createApp(deps: AppDeps): App {
  const store = deps.store ?? openStore(databaseFile(deps.config.dataDir), () => deps.clock.now());
  try {
    const index = deps.index ?? new LunrSearchIndex(() => store.all(), deps.logger);
    const library = new Library(store, index);
    const dispatcher = new Dispatcher({ library, clock: deps.clock, timeZone: deps.config.timeZone, logger: deps.logger, commands: deps.commands });
    return { store, library, dispatcher, close: () => store.close() };
  } catch (e) {
    store.close();
    throw e;
  }
}

/** Seeds-ingested marker, so a restart does not re-read the seed folder needlessly. */
const SEEDED_KEY = 'seeds.ingested';

/**
 * Ingests the seed corpus on first start; later starts skip it (the upsert is idempotent anyway,
 * so `paperboy ingest --seeds` can always re-run it).
 */
export async function seedOnFirstStart(app: App, source: PaperSource, logger: Logger, clock: Clock): Promise<void> {
  if (app.store.getMeta(SEEDED_KEY)) return;
  const { stats, counts } = await ingestFrom(app, source, logger);
  app.store.setMeta(SEEDED_KEY, clock.now().toISOString());
  logger.info({ source: source.name, ...counts, inserted: stats.inserted, updated: stats.updated, unchanged: stats.unchanged }, 'seed corpus ingested');
}

/** Reads a source and stores what it gave; each warning is logged with where it was found. */
export async function ingestFrom(
  app: App,
  source: PaperSource,
  logger: Logger,
): Promise<{ stats: UpsertStats; counts: Record<string, number>; warnings: number }> {
  const batch = await source.read();
  for (const w of batch.warnings) logger.warn({ source: source.name, where: w.where }, w.message);
  return { stats: app.library.ingest(batch.papers), counts: batch.counts, warnings: batch.warnings.length };
}

/**
 * The chat adapters the configuration asks for. Each platform's SDK is imported here, only when
 * that platform is configured, so a CLI call never pays for discord.js or Bolt.
 */
export async function loadChatAdapters(config: Pick<Config, 'slack' | 'discord'>, app: App, logger: Logger): Promise<ChatAdapter[]> {
  const adapters: ChatAdapter[] = [];
  if (config.slack) {
    const { createSlackAdapter } = await import('../adapters/slack/index.js');
    adapters.push(createSlackAdapter({ config: config.slack, dispatcher: app.dispatcher, logger }));
  }
  if (config.discord) {
    const { createDiscordAdapter } = await import('../adapters/discord/index.js');
    adapters.push(createDiscordAdapter({ config: config.discord, dispatcher: app.dispatcher, logger }));
  }
  return adapters;
}
