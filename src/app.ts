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
import type {
  AnswerWriter,
  ChatAdapter,
  Clock,
  Conversations,
  EventClaims,
  FollowBook,
  Inbound,
  PagerCursors,
  PaperFetcher,
  PaperSource,
  PaperStore,
  SearchIndex,
  UpsertStats,
} from './ports.js';
import { systemClock } from './ports.js';
import { ScheduleStore } from './scheduler/store.js';
import { MemoryConversations, StoredConversations } from './ask/conversations.js';
import { MemoryCursors, StoredCursors } from './pager.js';
import { createOpenAiWriter } from './ask/llm.js';
import { MemorySearchIndex, PersistedSearchIndex } from './search/searchIndex.js';
import { FEATURES } from './store/features.js';
import { openDatabase, type PaperDatabase } from './store/database.js';
import type { DailyLists } from './store/dailyLists.js';
import type { DayDeps } from './ingest/day.js';
import { LiveIngest, type Timers } from './ingest/live.js';
import { ThreadedIngest } from './ingest/threaded.js';
import { HfClient, type Sleep } from './papers/hf.js';
import { AlertPlanner } from './follows/planner.js';
import { FollowStore, PLAN_LOCK_WAIT_MS } from './follows/store.js';
import { MemoryEventClaims, SqlEventClaims } from './inbound/eventClaims.js';
import { DatabaseUnavailable } from './store/postgresSql.js';
import { InstallationStore } from './installations/store.js';
import { StoredOAuthStates } from './installations/states.js';
import { checkInstallations } from './installations/check.js';
import { SecretBox } from './secretBox.js';
import { LinkResolver } from './links/resolve.js';

/** The running core: what every adapter (CLI, console, Slack, Discord) works through. */
export interface App {
  /** The database: its owner (src/store/database.ts). */
  database: PaperDatabase;
  store: PaperStore;
  library: Library;
  /** The stored Hugging Face daily lists; null for a store that is not SQLite (or a read-only one that predates them). */
  dailyLists: DailyLists | null;
  dispatcher: Dispatcher;
  /** Scheduled trending posts (null when the store is not SQLite). */
  schedules: ScheduleStore | null;
  /** Topic follows and their alert outbox (null for a store that is not SQLite, or a read-only one). */
  follows: FollowStore | null;
  /** Plans alerts for papers stored since the last plan (null without follows); every ingest calls it. */
  alerts: AlertPlanner | null;
  /** Chat-app installations (Slack OAuth mode), tokens sealed with PAPERBOY_SECRET_KEY; null without the key or a writable database. */
  installations: InstallationStore | null;
  close(): Promise<void>;
}

export interface AppDeps {
  /** With `hf`, pasted paper links to papers not stored are fetched from the Hugging Face API (`cards`, Slack unfurls). */
  config: Pick<Config, 'dataDir' | 'timeZone'> & Partial<Pick<Config, 'llm' | 'databaseUrl' | 'secretKeys' | 'hf'>>;
  logger: Logger;
  clock: Clock;
  commands: readonly AnyCommand[];
  /** A database to use instead of the SQLite file in `config.dataDir` (tests pass an in-memory one). */
  database?: PaperDatabase;
  /** A search index to use instead of lunr over the store. */
  index?: SearchIndex;
  /** Topic follows for `subscribe topic` (the follow feature provides the real one). */
  follows?: FollowBook;
  /** The model that writes `ask` answers, instead of the one `config.llm` names (tests pass a fake). */
  writer?: AnswerWriter;
}

/** The database file inside a data directory. */
export function databaseFile(dataDir: string): string {
  return path.join(dataDir, 'paperboy.db');
}

/**
 * With DATABASE_URL, this host's copy of the catalogue inside a data directory. NOTE: not paperboy.db,
 * so a data dir that held a SQLite deployment keeps it untouched (`paperboy migrate --to` moves it).
 */
export function catalogueFile(dataDir: string): string {
  return path.join(dataDir, 'catalogue.db');
}

/** Opens the database the config names: PostgreSQL with DATABASE_URL (and this host's copy of the catalogue), else the SQLite file. */
export function openConfiguredDatabase(
  config: Pick<Config, 'dataDir'> & Partial<Pick<Config, 'databaseUrl'>>,
  clock: Clock,
  logger: Logger,
): Promise<PaperDatabase> {
  const url = config.databaseUrl;
  return openDatabase({
    file: url === undefined ? databaseFile(config.dataDir) : catalogueFile(config.dataDir),
    ...(url === undefined ? {} : { url }),
    now: () => clock.now(),
    logger,
    features: FEATURES,
  });
}

/**
 * Wires the core. Collaborators default to the real ones (SQLite in the data dir, the search index
 * persisted in the same file) and can be passed in, so tests build the same graph with fakes and no
 * module mocking.
 */
export async function createApp(deps: AppDeps): Promise<App> {
  const database = deps.database ?? (await openConfiguredDatabase(deps.config, deps.clock, deps.logger));
  const store = database.papers;
  try {
    const writable = database.readOnlyReason === null;
    const persisted = deps.index ? null : database.searchData(TOPICS.map(topicPhrases));
    const index = deps.index ?? (persisted ? new PersistedSearchIndex(persisted, deps.logger) : new MemorySearchIndex(() => store.all(), deps.logger));
    // With PostgreSQL, papers another process stored reach this host's copy; the process copying them indexes them.
    database.onCatalogueChange((papers) => index.upsert(papers));
    const dailyLists = database.dailyLists;
    const follows = writable ? new FollowStore(database.sql, deps.clock, PLAN_LOCK_WAIT_MS, database.signals) : null;
    // Every ingest (CLI, serve's live ingest, seeding) records the alerts it makes, in the ingesting process.
    const planner = follows ? new AlertPlanner(follows, deps.logger.child({ component: 'follow-alerts' })) : null;
    const library = new Library(store, index, { dailyLists, ...(planner ? { afterIngest: () => planAlerts(planner, deps.logger) } : {}) });
    const schedules = writable ? new ScheduleStore(database.sql, () => deps.clock.now(), database.signals) : null;
    const keys = deps.config.secretKeys;
    const installations = writable && keys ? new InstallationStore(database.sql, new SecretBox(keys.current, keys.previous), deps.clock) : null;
    const writer = deps.writer ?? (deps.config.llm ? createOpenAiWriter(deps.config.llm) : undefined);
    const links = new LinkResolver({
      library,
      ...(deps.config.hf && writable ? { fetcher: linkFetcher(deps.config.hf) } : {}),
      clock: deps.clock,
      logger: deps.logger,
    });
    const dispatcher = new Dispatcher({
      library,
      clock: deps.clock,
      timeZone: deps.config.timeZone,
      logger: deps.logger,
      commands: deps.commands,
      ...(schedules ? { schedules } : {}),
      ...((deps.follows ?? follows) ? { follows: deps.follows ?? (follows as FollowStore) } : {}),
      conversations: conversationsFor(database, deps.clock),
      database: database.where,
      ...(writer ? { writer } : {}),
      links,
    });
    return { database, store, library, dailyLists, dispatcher, schedules, follows, alerts: planner, installations, close: () => database.close() };
  } catch (e) {
    await database.close();
    throw e;
  }
}

/**
 * Fetches one linked paper from the Hugging Face API: one retry at most, since the link resolver's
 * deadline bounds the whole fetch (a card shown late is worth less than none).
 */
function linkFetcher(hf: Config['hf']): PaperFetcher {
  const client = new HfClient({
    apiUrl: hf.apiUrl,
    timeoutMs: hf.timeoutMs,
    retries: 1,
    backoffMs: 500,
    ...(hf.maxResponseBytes ? { maxResponseBytes: hf.maxResponseBytes } : {}),
    ...(hf.token ? { token: hf.token } : {}),
  });
  return { fetch: (arxivId, signal) => client.paper(arxivId, signal) };
}

/**
 * Plans follow alerts after an ingest. The papers are already stored: a write lock another process
 * holds past the write wait (SQLite), or a PostgreSQL server gone for the moment, must not make the
 * ingest look failed, and the next ingest or serve's next poll plans these papers (the planner's
 * mark has not moved).
 */
async function planAlerts(planner: AlertPlanner, logger: Logger): Promise<void> {
  try {
    await planner.plan();
  } catch (e) {
    const code = String((e as { code?: unknown }).code ?? '');
    // NOTE: 55P03 is PostgreSQL's lock_not_available: paper writes under way held the planner's read past its wait.
    if (!(e instanceof DatabaseUnavailable) && !code.startsWith('SQLITE_BUSY') && code !== '55P03') throw e;
    const why = e instanceof DatabaseUnavailable ? 'the database is unreachable' : 'the database is busy';
    logger.warn({ err: e }, `follow alerts not planned yet: ${why}; the next ingest or poll plans them`);
  }
}

/** Where button cursors wait for a click: the shared database, so any replica (or a later process) answers it; this process's memory when it cannot be written. */
export function pagerCursorsFor(app: Pick<App, 'database'>): PagerCursors {
  return app.database.readOnlyReason === null ? new StoredCursors(app.database.sql) : new MemoryCursors();
}

/** Which inbound events were taken: the shared database, so a platform's retry to another replica is ignored; this process's memory when it cannot be written. */
export function eventClaimsFor(app: Pick<App, 'database'>): EventClaims {
  return app.database.readOnlyReason === null ? new SqlEventClaims(app.database.sql, systemClock) : new MemoryEventClaims(systemClock);
}

/** Follow-up state in the shared database (migrated at open, with FEATURES); in this process's memory when it cannot be written. */
function conversationsFor(database: PaperDatabase, clock: Clock): Conversations {
  return database.readOnlyReason === null ? new StoredConversations(database.sql, clock) : new MemoryConversations(clock);
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
  if (await app.store.getMeta(SEEDED_KEY)) return;
  const held = app.store.count();
  if (held > 0 && app.database.readOnlyReason !== null) {
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
    await app.store.setMeta(SEEDED_KEY, clock.now().toISOString());
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
  return { stats: await app.library.ingest(papers), counts: batch.counts, warnings: warnings.length };
}

/**
 * What ingesting Hugging Face daily lists needs: the HF client from HF_API_URL / HF_TOKEN /
 * HF_TIMEOUT_MS and the app's daily lists. Null for a store that keeps no daily lists (not SQLite).
 */
export function dayDeps(app: App, config: Pick<Config, 'hf' | 'timeZone'>, logger: Logger, clock: Clock, sleep?: Sleep): DayDeps | null {
  if (!app.dailyLists) return null;
  const client = new HfClient({
    apiUrl: config.hf.apiUrl,
    timeoutMs: config.hf.timeoutMs,
    ...(config.hf.maxResponseBytes ? { maxResponseBytes: config.hf.maxResponseBytes } : {}),
    ...(config.hf.token ? { token: config.hf.token } : {}),
    ...(sleep ? { sleep } : {}),
  });
  return { library: app.library, lists: app.dailyLists, client, clock, timeZone: config.timeZone, logger };
}

/**
 * The live ingest `serve` runs beside the adapters, or null when PAPERBOY_LIVE is off (offline
 * use), the database is read-only, or the store keeps no daily lists.
 */
export function createLiveIngest(
  app: App,
  config: Pick<Config, 'hf' | 'timeZone' | 'live'>,
  logger: Logger,
  clock: Clock,
  waits: { timers?: Timers; sleep?: Sleep; onChange?: () => void; mayRun?: () => Promise<boolean> } = {},
): LiveIngest | null {
  if (!liveIngestWanted(app, config, logger)) return null;
  const deps = dayDeps(app, config, logger, clock, waits.sleep);
  return deps
    ? new LiveIngest({
        ...deps,
        everyMs: config.live.everyMinutes * 60_000,
        ...(waits.timers ? { timers: waits.timers } : {}),
        ...(waits.onChange ? { onChange: waits.onChange } : {}),
        ...(waits.mayRun ? { mayRun: waits.mayRun } : {}),
      })
    : null;
}

/**
 * Serve's live ingest on its own worker thread (the same LiveIngest, its own connection to the same
 * database), so a big day, a runaway page or a huge title never blocks the thread that acks chat.
 * Null in the same cases as {@link createLiveIngest}.
 */
export function createThreadedIngest(
  app: App,
  config: Pick<Config, 'dataDir' | 'hf' | 'timeZone' | 'live'> & Partial<Pick<Config, 'databaseUrl'>>,
  logger: Logger,
  leader?: { role: string; holder: string },
): ThreadedIngest | null {
  if (!liveIngestWanted(app, config, logger) || !app.dailyLists) return null;
  const { dataDir, hf, timeZone, live, databaseUrl } = config;
  return new ThreadedIngest({
    init: { config: { dataDir, hf, timeZone, live, ...(databaseUrl === undefined ? {} : { databaseUrl }) }, ...(leader ? { leader } : {}) },
    logger,
    lists: app.dailyLists,
  });
}

/** Whether serve should keep today's list fresh: PAPERBOY_LIVE is on and the database can be written (a warning when it cannot). */
function liveIngestWanted(app: App, config: Pick<Config, 'live'>, logger: Logger): boolean {
  if (!config.live.enabled) return false;
  if (app.database.readOnlyReason !== null) {
    logger.warn({}, 'the paper database is read-only: live ingest is off, serving the papers it holds');
    return false;
  }
  return true;
}

/**
 * The chat adapters the configuration asks for. Each platform's SDK is imported here, only when
 * that platform is configured, so a CLI call never pays for discord.js or Bolt. They answer through
 * `inbound`: the worker pool while serving (see {@link startServeInbound}), the app's dispatcher otherwise.
 */
export async function loadChatAdapters(
  config: Pick<Config, 'slack' | 'discord'>,
  app: App,
  logger: Logger,
  inbound: Inbound = app.dispatcher,
): Promise<ChatAdapter[]> {
  const adapters: ChatAdapter[] = [];
  const cursors = pagerCursorsFor(app);
  if (config.slack) {
    const { createSlackAdapter } = await import('../adapters/slack/index.js');
    adapters.push(
      createSlackAdapter({
        config: config.slack,
        dispatcher: inbound,
        logger,
        cursors,
        ...(await oauthStoresFor(config.slack, app, logger)),
        events: eventClaimsFor(app),
      }),
    );
  }
  if (config.discord) {
    const { createDiscordAdapter } = await import('../adapters/discord/index.js');
    adapters.push(createDiscordAdapter({ config: config.discord, dispatcher: inbound, logger, cursors }));
  }
  return adapters;
}

/**
 * Slack OAuth mode's stores (installations, install states), after checking every stored installation
 * opens under PAPERBOY_SECRET_KEY; nothing in single-workspace mode.
 */
export async function oauthStoresFor(
  slack: NonNullable<Config['slack']>,
  app: Pick<App, 'installations' | 'database'>,
  logger: Logger,
  clock: Clock = { now: () => new Date() },
): Promise<{ installations?: InstallationStore; oauthStates?: StoredOAuthStates }> {
  if (!slack.oauth) return {};
  if (!app.installations) {
    throw new OperatorError('Installing Slack by OAuth needs a writable database and PAPERBOY_SECRET_KEY.', [
      app.database.readOnlyReason ?? 'Set PAPERBOY_SECRET_KEY (32 random bytes in base64 or hex).',
    ]);
  }
  await checkInstallations(app.installations, logger);
  return { installations: app.installations, oauthStates: new StoredOAuthStates(app.database.sql, clock) };
}

/** What chat adapters answer through while serving, and how to end it after they stop. */
export interface ServeInbound {
  inbound: Inbound;
  close(): Promise<void>;
  /** Resolves with the error that ends serve once the workers are lost (a replacement could not start); never without workers. */
  lost: Promise<Error>;
}

/**
 * The Inbound for serving chat platforms: a pool of PAPERBOY_WORKERS worker threads, each with its
 * own app over the same database, so the thread that reads Slack and Discord requests only
 * acknowledges and sends (an ack never waits behind someone else's question); with 0 workers, the
 * app's own dispatcher. Resolves once every worker is warm, so open the chat ports after it.
 */
export async function startServeInbound(
  app: App,
  config: Pick<Config, 'pool' | 'dataDir' | 'timeZone'> & Partial<Pick<Config, 'llm' | 'databaseUrl' | 'hf'>>,
  commands: readonly AnyCommand[],
  logger: Logger,
  logLevel: string,
): Promise<ServeInbound> {
  if (config.pool.workers === 0) return { inbound: app.dispatcher, close: async () => undefined, lost: new Promise<Error>(() => undefined) };
  // Papers stored but not indexed yet are indexed once, here, so the workers only read.
  app.library.warm();
  const { WorkerPool, TASK_DEADLINE_MS, LLM_DEADLINE_MARGIN_MS } = await import('./pool/workerPool.js');
  const pool = new WorkerPool({
    commands,
    setup: {
      config: {
        dataDir: config.dataDir,
        timeZone: config.timeZone,
        ...(config.llm ? { llm: config.llm } : {}),
        ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
        // The workers run `cards`, which fetches papers behind pasted links from Hugging Face and stores them.
        ...(config.hf ? { hf: config.hf } : {}),
      },
      logLevel,
    },
    logger,
    workers: config.pool.workers,
    queue: config.pool.queue,
    // NOTE: an ask may wait LLM_TIMEOUT_MS (up to 300 s) for its answer before falling back; the deadline leaves it that, and time to search and write.
    taskTimeoutMs: Math.max(TASK_DEADLINE_MS, (config.llm?.timeoutMs ?? 0) + LLM_DEADLINE_MARGIN_MS),
  });
  await pool.start();
  return { inbound: pool, close: () => pool.close(), lost: pool.lost };
}
