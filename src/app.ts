// The composition root: builds the store, search index, library and dispatcher from config, and loads the chat adapters it asks for.
import path from 'node:path';
import type { AnyCommand } from './command.js';
import type { Config } from './config.js';
import { Dispatcher } from './dispatch.js';
import { Library, topicPhrases } from './library.js';
import { TOPICS } from './topics.js';
import { OperatorError } from './errors.js';
import type { Logger } from './logger.js';
import { checkPaper, type Paper } from './papers/model.js';
import type { ChatAdapter, Clock, PaperSource, PaperStore, SearchIndex, UpsertStats } from './ports.js';
import { MemorySearchIndex, PersistedSearchIndex } from './search/searchIndex.js';
import { connectionOf, isReadOnlyStore, openStore, searchDataOf } from './store/sqlite.js';
import { AlertPlanner } from './follows/planner.js';
import { FollowStore } from './follows/store.js';

/** The running core: what every adapter (CLI, console, Slack, Discord) works through. */
export interface App {
  store: PaperStore;
  library: Library;
  dispatcher: Dispatcher;
  /** Topic follows and their alert outbox (null for a store that is not SQLite, or a read-only one). */
  follows: FollowStore | null;
  /** Plans alerts for papers stored since the last plan (null without follows); every ingest calls it. */
  alerts: AlertPlanner | null;
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
 * Wires the core. Collaborators default to the real ones (SQLite in the data dir, the search index
 * persisted in the same file) and can be passed in, so tests build the same graph with fakes and no
 * module mocking.
 */
export function createApp(deps: AppDeps): App {
  const store = deps.store ?? openStore(databaseFile(deps.config.dataDir), () => deps.clock.now(), { logger: deps.logger });
  try {
    const persisted = deps.index ? null : searchDataOf(store, TOPICS.map(topicPhrases));
    const index = deps.index ?? (persisted ? new PersistedSearchIndex(persisted, deps.logger) : new MemorySearchIndex(() => store.all(), deps.logger));
    const follows = followStoreOf(store, deps.clock);
    // Every ingest (CLI, serve's live ingest, seeding) records the alerts it makes, in the ingesting process.
    const planner = follows ? new AlertPlanner(follows, store, deps.logger.child({ component: 'follow-alerts' })) : null;
    const library = new Library(store, index, planner ? { afterIngest: () => planner.plan() } : {});
    const dispatcher = new Dispatcher({
      library,
      clock: deps.clock,
      timeZone: deps.config.timeZone,
      logger: deps.logger,
      commands: deps.commands,
      ...(follows ? { follows } : {}),
    });
    return { store, library, dispatcher, follows, alerts: planner, close: () => store.close() };
  } catch (e) {
    store.close();
    throw e;
  }
}

/** The follows in the store's own file; none for a store that is not SQLite or cannot be written (nothing to record alerts in). */
function followStoreOf(store: PaperStore, clock: Clock): FollowStore | null {
  const db = connectionOf(store);
  return db && !isReadOnlyStore(store) ? new FollowStore(db, clock) : null;
}

/** Seeds-ingested marker, so a restart does not re-read the seed folder needlessly. */
const SEEDED_KEY = 'seeds.ingested';

/** How many warnings of one ingest are logged one by one; the rest are counted in one line. */
export const LOGGED_WARNINGS = 10;

/**
 * Ingests the seed corpus until that has worked once: the marker is written only after the corpus
 * gave papers, so an empty or wrong PAPERBOY_SEEDS_DIR is an OperatorError, and the next start tries
 * again. When the store already holds papers (from `ingest`), a failed seeding is a warning and the
 * bot serves what it has; a read-only database that holds papers skips seeding with a warning.
 */
export async function seedOnFirstStart(app: App, source: PaperSource, logger: Logger, clock: Clock): Promise<void> {
  if (app.store.getMeta(SEEDED_KEY)) return;
  const held = app.store.count();
  if (held > 0 && isReadOnlyStore(app.store)) {
    logger.warn({ source: source.name, papers: held }, 'the paper database is read-only: seeding skipped, serving the papers it holds');
    return;
  }
  try {
    const { stats, counts, warnings } = await ingestFrom(app, source, logger);
    if (stats.inserted + stats.updated + stats.unchanged === 0) {
      throw new OperatorError(`The seed corpus ${source.name} gave no papers (${describeCounts(counts)}, ${warnings} warnings); nothing was ingested.`, [
        'Point PAPERBOY_SEEDS_DIR at a folder of Hugging Face Daily Papers page dumps (*.txt), like the ones in seeds/; the warnings above say what was skipped.',
      ]);
    }
    app.store.setMeta(SEEDED_KEY, clock.now().toISOString());
    logger.info({ source: source.name, ...counts, inserted: stats.inserted, updated: stats.updated, unchanged: stats.unchanged }, 'seed corpus ingested');
  } catch (e) {
    if (!(e instanceof OperatorError) || held === 0) throw e;
    logger.warn(
      { source: source.name, papers: held, problem: e.message },
      'seed corpus not ingested; serving the papers already stored, and trying again next start',
    );
  }
}

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/**
 * Reads a source and stores what it gave. Each paper is checked first; one that does not fit the
 * model is skipped with a warning, so one bad value never costs the rest of the run. Warnings are
 * logged with where they were found, the first {@link LOGGED_WARNINGS} one by one and the rest
 * counted in one line (a broken dump can hold thousands).
 */
export async function ingestFrom(
  app: App,
  source: PaperSource,
  logger: Logger,
): Promise<{ stats: UpsertStats; counts: Record<string, number>; warnings: number }> {
  const batch = await source.read();
  const warnings = [...batch.warnings];
  const papers: Paper[] = [];
  for (const p of batch.papers) {
    const checked = checkPaper(p);
    if (checked.ok) papers.push(checked.value);
    else
      warnings.push({
        where: p.sources.map((s) => [s.name, s.ref].filter(Boolean).join(' ')).join(', ') || p.id,
        message: `skipped a paper paperboy cannot store: ${checked.error}`,
      });
  }
  for (const w of warnings.slice(0, LOGGED_WARNINGS)) logger.warn({ source: source.name, where: w.where }, w.message);
  if (warnings.length > LOGGED_WARNINGS) {
    logger.warn(
      { source: source.name, warnings: warnings.length, logged: LOGGED_WARNINGS },
      `${warnings.length - LOGGED_WARNINGS} more warnings like these were not logged (${warnings.length} in all)`,
    );
  }
  return { stats: app.library.ingest(papers), counts: batch.counts, warnings: warnings.length };
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
