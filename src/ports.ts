// Ports: every small interface the core owns and the outside world (or another core module) implements.
import type { AnyCommand, Completion } from './command.js';
import type { Paper } from './papers/model.js';
import type { PagerCursor, Reply } from './reply.js';
import type { ParsedQuery } from './search/query.js';
import type { Segment } from './reply.js';
import type { Result } from './errors.js';

// ─── Time ────────────────────────────────────────────────────────────────────

/** The time source; a fake drives tests and the scheduler. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The calendar date (`YYYY-MM-DD`) of an instant in a time zone. */
export function dateInZone(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

// ─── Persistence ─────────────────────────────────────────────────────────────

/** Which engine a database runs on; stores branch on it only for the few statements the two spell differently. */
export type Engine = 'sqlite' | 'postgres';

/** A bound value. Booleans are stored as 0/1 and dates as ISO strings, on both engines. */
export type Param = string | number | null;

export interface RunResult {
  /** Rows the statement inserted, updated or deleted. */
  changes: number;
}

/**
 * Statements on one database. SQL is written once with `?` placeholders (rewritten to `$1…` for
 * PostgreSQL) in the dialect both engines share: `INSERT … ON CONFLICT … DO NOTHING / DO UPDATE`,
 * `RETURNING`, `count(*)`, text dates. A statement outside `transaction` commits on its own.
 */
export interface Sql {
  readonly engine: Engine;
  all<T>(text: string, params?: readonly Param[]): Promise<T[]>;
  get<T>(text: string, params?: readonly Param[]): Promise<T | undefined>;
  run(text: string, params?: readonly Param[]): Promise<RunResult>;
  /**
   * Runs `fn` in one write transaction: all of it commits or none. On SQLite it holds the write
   * lock from the start (BEGIN IMMEDIATE); on PostgreSQL it is READ COMMITTED, and claims inside
   * it use unique keys and row locks (see `forUpdate`). A transaction the engine aborts for a
   * conflict (busy, serialization failure, deadlock) is run again from the start, so `fn` must
   * not have effects outside the database.
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
}

/** What a wake-up is about: a trending subscription added or removed, or follow alerts put in the outbox. */
export type SignalChannel = 'subscriptions' | 'alerts';

/**
 * Wake-ups between the processes sharing the database: a writer says something changed, and every
 * process listening looks at once instead of at its next poll. Polling stays the fallback (a wake-up
 * can be lost with a connection). PostgreSQL: NOTIFY/LISTEN; SQLite: within the one process.
 */
export interface Signals {
  /** Says `channel` changed. Sent through a transaction's `tx`, it is heard once that commits (on PostgreSQL never if it rolls back). */
  notify(channel: SignalChannel, tx?: Sql): Promise<void>;
  /**
   * Calls `fn` on each wake-up on `channel` from any process (this one too), and once more whenever
   * listening starts again after a lost connection (one may have been missed). Returns what stops it.
   */
  on(channel: SignalChannel, fn: () => void): () => void;
}

/**
 * Claims on inbound platform events (a Slack Events API event id), shared by every replica: a
 * platform re-sends an event it thinks was not received, and the retry may reach another replica.
 */
export interface EventClaims {
  /** True for the first claim of `key` by any process (within the hour claims are kept); false for a retry of it. */
  claim(key: string): Promise<boolean>;
}

/** One schema step: the same DDL on both engines, or each engine's own spelling. */
export type Step = string | { readonly sqlite: string; readonly postgres: string };

/** A feature's tables: `steps[i]` moves feature `name` from version i to i+1 (recorded in `meta` as `schema.<name>`). */
export interface FeatureSchema {
  readonly name: string;
  readonly steps: readonly Step[];
}

/** One paper an upsert inserted or changed, as stored; `previousId` when the merge gave it a new id (an arXiv id). */
export interface ChangedPaper {
  paper: Paper;
  previousId?: string;
}

/** What an upsert did, for logs, the `ingest` summary and keeping the search index in step. */
export interface UpsertStats {
  inserted: number;
  updated: number;
  unchanged: number;
  /** The papers inserted or updated, as stored after merging. */
  changed: ChangedPaper[];
}

/**
 * The store port: what the rest of the core needs from persistence. Reads are synchronous: they
 * come from this host's own copy of the papers (the SQLite file; with PostgreSQL, the copy kept in
 * step with it). Writes go to the shared database.
 */
export interface PaperStore {
  /**
   * Stores papers (merging with what is stored). `alsoWrite` runs in the same transaction, after the
   * papers (a day's list and its mark): a failure in it keeps none of it.
   */
  upsert(papers: readonly Paper[], alsoWrite?: (tx: Sql, stats: UpsertStats) => Promise<void>): Promise<UpsertStats>;
  all(): Paper[];
  get(id: string): Paper | undefined;
  count(): number;
  /** Papers with `from <= publishedAt <= to` (inclusive `YYYY-MM-DD`). */
  between(from: string, to: string): Paper[];
  /** The latest publication date on or before `onOrBefore` (any date when omitted). */
  latestDate(onOrBefore?: string): string | null;
  /** Publication dates with how many papers each has, newest first. */
  dates(limit: number): Array<{ date: string; count: number }>;
  /** A marker in the shared database (`seeds.ingested`, the alert planner's mark). */
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  close(): void;
}

/**
 * The stored Hugging Face daily lists, as trending reads them: which papers were on which day's
 * list. `src/ingest/dailyLists.ts` keeps them in the paper database.
 */
export interface DailyListReader {
  /**
   * Ids of the papers on the lists of days `from..to` (inclusive); empty when those days are list
   * days (on or after the first fetched day) with no papers listed (a weekend, a day not fetched
   * yet); null for days before any list (the seeds' days, ranked by publication date).
   */
  listed(from: string, to: string): string[] | null;
  /** The latest list date with papers on or before `onOrBefore` (any when omitted). */
  latestDate(onOrBefore?: string): string | null;
  /** List dates with how many papers each list has, newest first. */
  dates(limit: number): Array<{ date: string; count: number }>;
  /** The first day a list was fetched for (days from it on are list days), or null. */
  firstDate(): string | null;
}

// ─── Search ──────────────────────────────────────────────────────────────────

/**
 * One search result. The facts ranking and paging need are plain fields; the whole paper and the
 * snippet are read only for the hits a reply shows (a common word matches thousands of papers).
 */
export interface SearchHit {
  id: string;
  title: string;
  publishedAt: string | null;
  upvotes: number;
  score: number;
  readonly paper: Paper;
  readonly snippet: Segment[];
}

export interface SearchOutcome {
  /** The best hits, best first: as many as the search was asked for (every hit when it was not). */
  hits: SearchHit[];
  /** How many papers the query finds in all (what "Showing 1–5 of N" counts). */
  total: number;
  /** Whether typo-tolerant matching was needed to find them. */
  fuzzy: boolean;
  /** Query words the corpus lacks, and the corpus words they were read as (typos). */
  corrected: Array<{ word: string; to: string[] }>;
  /** Query words the corpus does not contain at all. */
  unknown: string[];
  /**
   * True when a bound on the work (the time budget, or the number of words that get typo and
   * word-family fallbacks) skipped a fallback, so papers may be missing. Absent means false.
   */
  incomplete?: boolean;
}

/**
 * The search index port. The Library keeps it in step with the store (`upsert`/`remove` after
 * every write); `search/lunrIndex.ts` implements it today, and a persisted or sharded index can
 * replace it without touching commands.
 */
export interface SearchIndex {
  /** How many papers are indexed. */
  readonly size: number;
  /** The best `want` hits (all of them when omitted) and the total; a page asks for offset + limit. */
  search(query: ParsedQuery, want?: number): SearchOutcome;
  /** Ids of every paper `search` finds, each once, in no particular order and unranked: who holds a word, cheaply (search/related.ts weighs terms by it). */
  matches(query: ParsedQuery): readonly string[];
  /** Adds papers, or replaces them when their id is already indexed. */
  upsert(papers: readonly Paper[]): void;
  remove(ids: readonly string[]): void;
  /** Corpus words closest to `word`, for "did you mean". */
  suggest(word: string, limit: number): string[];
  /** Prepares the index now (at start-up) instead of on the first search. */
  warm(): void;
  /**
   * Ids of the papers about a subject given as phrases of index terms: every term of some phrase in
   * the title, or each occurring twice in title and abstract. What topic lists and counts are made of.
   */
  papersWithPhrases(phrases: ReadonlyArray<readonly string[]>): ReadonlySet<string>;
  /**
   * Ids of the papers about a topic given as concepts, each a list of alternative phrases of index
   * terms (see `search/concepts.ts`): papers that have enough of the concepts by `rule`. What counts
   * and topic lists of free words are made of.
   */
  papersAbout(concepts: ReadonlyArray<ReadonlyArray<readonly string[]>>, rule: AboutRule): ReadonlySet<string>;
  /** Every indexed paper's id, title and ranking facts, from memory: title look-ups and autocompletion without reading papers. */
  summaries(): Iterable<PaperSummary>;
}

/** When a paper is about a topic's concepts (chosen by cross-validation, see `TopicOptions`). */
export interface AboutRule {
  /** A concept not in the title must occur at least this many times in title and abstract. */
  mentions: number;
  /** The share of a topic's concepts a paper must have, rounded up; a topic of one or two words needs all. */
  share: number;
}

/** What the index keeps in memory of every paper. */
export interface PaperSummary {
  id: string;
  title: string;
  publishedAt: string | null;
  upvotes: number;
}

// ─── Paper sources ───────────────────────────────────────────────────────────

/** Something a source could not read, named so an operator can find it (file and line, or item). */
export interface SourceWarning {
  where: string;
  message: string;
}

/** What one read of a source gave: papers ready to store, and what was skipped. */
export interface SourceBatch {
  papers: Paper[];
  warnings: SourceWarning[];
  /** Source-specific counts for the ingest summary (files, entries, items…). */
  counts: Record<string, number>;
}

/**
 * A place papers come from: the seed page dumps today, the Hugging Face Daily Papers API next.
 * A source only reads; the Library stores what it returns.
 */
export interface PaperSource {
  /** Shown in logs and summaries, e.g. `seeds:/app/seeds`. */
  readonly name: string;
  read(): Promise<SourceBatch>;
}

/**
 * Fetches one paper the store lacks from a live source (the Hugging Face API's `GET /api/papers/{id}`),
 * for a pasted paper link. Null when the source does not know the paper; a failure (unreachable, a bad
 * answer, past `signal`'s deadline) throws.
 */
export interface PaperFetcher {
  fetch(arxivId: string, signal: AbortSignal): Promise<Paper | null>;
}

// ─── Chat ────────────────────────────────────────────────────────────────────

/** A request to run a command: typed `input` (Discord options, CLI flags, buttons) or free `text` (Slack, console). */
export interface Invocation {
  command: string;
  input?: Record<string, unknown>;
  text?: string;
}

/** Who asked and where: for logs, for commands that act on the channel or the user (subscribe, follow), and for wording. */
export interface Caller {
  platform: string;
  user?: string;
  channel?: string;
  /** The Discord server (guild) or Slack workspace (team) the channel belongs to. */
  guildId?: string;
  /** The thread the message is in (Slack `thread_ts`, Discord message id replied to), for follow-ups. */
  thread?: string;
  /** True when the request came in a direct message (no channel to post into). */
  direct?: boolean;
  /**
   * Whether this caller may change the channel's settings (subscriptions). The adapter answers it
   * the platform's way (Discord: Manage Channels or Manage Server; Slack: SLACK_MANAGERS or admins;
   * the CLI and console: yes, they act for their operator). Absent means the caller cannot tell, and
   * the Dispatcher refuses every command that changes a channel's settings (fail closed).
   */
  mayManage?: () => Promise<boolean>;
  /** How to name an option in a validation message: `--limit` on the CLI, `limit` elsewhere. */
  optionStyle?: 'flag' | 'name';
}

/**
 * The inbound side every adapter takes: run a command or a line of text, complete an option.
 * The core's Dispatcher implements it in-process; `serve` uses the worker pool (`src/pool/`), which
 * runs a Dispatcher in each worker thread so the thread reading chat requests does no command work.
 * Tests wrap it (e.g. to slow it down).
 */
export interface Inbound {
  readonly commands: readonly AnyCommand[];
  find(name: string): AnyCommand | undefined;
  /** Always resolves with a reply: user mistakes as an `error` reply, bugs as the logged apology. */
  run(inv: Invocation, caller?: Caller): Promise<Reply>;
  /** `search kv cache`, `trending 2025-11-27`; text that names no command is a question. */
  runText(line: string, caller?: Caller): Promise<Reply>;
  /** Completions for an option as the user types; never rejects (a busy pool answers none rather than late). */
  complete(command: string, arg: string, partial: string): Promise<Completion[]>;
  /** Makes `alias` (the bot's answer message) continue the conversation of `caller.thread`, for reply-chain follow-ups; never rejects. */
  linkThread?(caller: Caller, alias: string): Promise<void>;
}

/** The keys of one message's buttons: given at once (rendering is synchronous), stored by `save` before the message is sent. */
export interface CursorBatch {
  put(cursor: PagerCursor): string;
  save(): Promise<void>;
}

/**
 * Where the cursors behind "More", "Share" and "Which one?" buttons wait for a click (`src/pager.ts`):
 * the shared database, so a click on any replica continues the list. Null from `get` means expired or unknown.
 */
export interface PagerCursors {
  batch(): CursorBatch;
  get(key: string): Promise<PagerCursor | null>;
}

/** Some shards of a bot's `total`, numbered from 0. */
export interface ShardSet {
  ids: readonly number[];
  total: number;
}

/** Where a post goes. `guildId` lets a sharded Discord bot route the post to the shard that holds it. */
export interface PostTarget {
  channel: string;
  guildId?: string;
}

/**
 * What a ledger-kept send (a scheduled post, a follow alert) tells the adapter, so that an answer lost
 * on its way back never makes a second message: the message carries `key` (Slack message metadata, a
 * Discord nonce and a look-up by content), and `landedSince` says an earlier attempt may have landed
 * (its answer was lost, or its process died), so the adapter looks for that message first.
 */
export interface LedgerSend {
  /** The ledger row's name (`post:<subscription>:<slot>`, `alert:<id>`): the same on every attempt, in every process. */
  key: string;
  /** When the first attempt went out; set only when an earlier attempt may have landed. */
  landedSince?: Date;
  /**
   * Aborted at the attempt's deadline: the adapter starts no platform call after it (a look, a DM
   * opened, a post) and cancels the one under way where its client can. A post already sent may
   * still land; the next attempt's look is for that.
   */
  signal?: AbortSignal;
}

/** Where a ledger-kept message is: the platform's id for it (Slack `ts`, Discord message id). */
export interface Landed {
  messageId: string;
  /** True when nothing was sent: an earlier attempt's message was found. */
  found?: boolean;
}

/**
 * A chat platform. Adapters translate platform events into command invocations and
 * neutral replies into platform messages; they hold no paper logic.
 */
export interface ChatAdapter {
  readonly platform: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Posts a reply into a channel (used by scheduled trending posts). A refusal the platform gives
   * (not in the channel, no permission, no such channel) is thrown as a `DeliveryError`. With `send`,
   * the adapter makes one attempt (no retries of its own: the ledger retries) and says where it landed.
   */
  post(target: PostTarget, reply: Reply, send?: LedgerSend): Promise<Landed | void>;
  /** Whether the adapter is connected to its platform right now (for /healthz); absent means unknown. */
  connected?(): boolean;
  /**
   * Whether this process posts to `target` (a sharded Discord bot holds some guilds only); absent
   * means yes. The scheduler leaves a target it does not hold to the process that does.
   */
  holds?(target: PostTarget): boolean;
  /**
   * The shards this process runs of a bot sharded across processes or hosts (Discord: a guild's shard is
   * `(guild_id >> 22) % total`), so work for a guild is claimed only where it can be posted; absent or
   * null means every guild.
   */
  shards?(): ShardSet | null;
  /**
   * Sends a reply to a user by direct message (follow alerts). Throws a DeliveryError when the
   * platform refuses; absent on platforms with no direct messages. `send` as for {@link ChatAdapter.post}.
   */
  sendDirect?(user: string, reply: Reply, send?: LedgerSend): Promise<Landed | void>;
}

// ─── Follows ─────────────────────────────────────────────────────────────────

/** Who a follow alerts: a user by direct message, or a channel by a post in it. */
export type FollowOwner = { kind: 'user'; user: string; guildId?: string } | { kind: 'channel'; channel: string; guildId?: string };

/** A topic whose new papers alert its owner. `id` is short and shown to users (`/papers unfollow <id>`). */
export interface Follow {
  id: string;
  platform: string;
  owner: FollowOwner;
  topic: string;
  createdAt: string;
}

/**
 * The follows a user or channel keeps. `follow` and `subscribe topic` add to it; the alert planner
 * reads every follow when papers arrive. Mistakes (a topic with no words, a duplicate, over the
 * per-owner limit) are UserErrors.
 */
export interface FollowBook {
  add(platform: string, owner: FollowOwner, topic: string): Promise<Follow>;
  list(platform: string, owner: FollowOwner): Promise<Follow[]>;
  /** Removes the owner's follow with this id; false when the owner has none with it. */
  remove(platform: string, owner: FollowOwner, id: string): Promise<boolean>;
  /** The owner's newest alert when it is not delivered (failed, or waiting for a retry), for `following`. */
  undelivered?(platform: string, owner: FollowOwner): Promise<UndeliveredAlert | null>;
}

/** An alert that did not reach its owner: refused for good (`failed`), or waiting for a retry (`pending`). */
export interface UndeliveredAlert {
  status: 'pending' | 'failed';
  /** The DeliveryFailure kind (`no-access`, `not-found`, `transient`). */
  failure: string | null;
  error: string | null;
  createdAt: string;
  attempts: number;
}

// ─── Ask ─────────────────────────────────────────────────────────────────────

/** A paper a model may cite, by its number (from 1). */
export interface AnswerSource {
  n: number;
  title: string;
  abstract: string;
}

/**
 * A language model that writes an answer from the given abstracts only, citing them by number
 * (`src/ask/llm.ts`: any OpenAI-compatible chat-completions server). Optional: without one, answers
 * are extractive. A failure or timeout is an error value; the caller falls back.
 */
export interface AnswerWriter {
  /** For logs, e.g. the model name. */
  readonly name: string;
  write(question: string, sources: readonly AnswerSource[]): Promise<Result<string, string>>;
}

/** What a thread's previous answer leaves for follow-ups ("more like [2]", "only since 2025"). */
export interface Conversation {
  /** The question as asked (its topic, without the date words). */
  question: string;
  /** Ids of the cited papers: citation `n` is at index `n - 1`. */
  cited: string[];
  /** Ids of every paper the answer was drawn from, best first (what "only since 2025" narrows). */
  pool: string[];
  /** Ids of the last numbered list shown here (any command's), number `n` at index `n - 1`; '' for a number not shown here. */
  shown?: string[];
}

/**
 * Conversation state by thread (`platform:channel:thread`), kept for a day in the shared database
 * (`src/ask/conversations.ts`), so any process on any host answers the follow-up; `link` makes a
 * second key (the bot's answer message, on Discord) reach the same state.
 */
export interface Conversations {
  get(key: string): Promise<Conversation | undefined>;
  put(key: string, state: Conversation): Promise<void>;
  link(from: string, to: string): Promise<void>;
}

// ─── Installations ───────────────────────────────────────────────────────────

/** One installation of the chat app into a workspace (Slack's OAuth v2): what acting for that workspace needs. */
export interface Installation {
  platform: string;
  /**
   * The workspace (Slack team) id, or the enterprise id of an org-wide install: what the adapter
   * qualifies that workspace's channel and user ids with, so the same id in two workspaces never mixes.
   */
  key: string;
  teamId?: string;
  teamName?: string;
  enterpriseId?: string;
  enterpriseWide: boolean;
  appId?: string;
  /** The bot token: in memory only, stored sealed (PAPERBOY_SECRET_KEY). */
  botToken: string;
  botId?: string;
  botUserId: string;
  scopes: string[];
  /** The id of the user who installed it. */
  installer?: string;
  installedAt: string;
}

/** An installation found, none, or one sealed under a key this process does not have (named in `reason`). */
export type FoundInstallation = { kind: 'found'; installation: Installation } | { kind: 'none' } | { kind: 'unreadable'; reason: string };

/** Where installations live: the shared database, bot tokens sealed, so every replica acts for every workspace. */
export interface InstallationBook {
  /** Stores an installation (a reinstall replaces the old one and cancels a pending cleanup). */
  save(installation: Installation): Promise<void>;
  get(platform: string, key: string): Promise<FoundInstallation>;
  /** Removes one (the app uninstalled, its tokens revoked) and notes when, for the cleanup of what it left; false when none was stored. */
  remove(platform: string, key: string): Promise<boolean>;
}

/**
 * OAuth `state` values handed out by the install page and not yet used, in the shared database: a
 * state is taken once, on whichever replica the browser comes back to, so a replayed one is refused.
 */
export interface OAuthStates {
  put(state: string, payload: string, expiresAt: Date): Promise<void>;
  /** The payload of `state` (null when unknown, expired or already taken); it cannot be taken again. */
  take(state: string): Promise<string | null>;
}
