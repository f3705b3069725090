// Every feature's tables this build knows, at the schema version it migrates them to: a database with a newer one is refused at open.
import { STEPS as CONVERSATION_STEPS } from '../ask/conversations.js';
import { STEPS as FOLLOW_STEPS } from '../follows/schema.js';
import { STEPS as INBOUND_STEPS } from '../inbound/schema.js';
import { STEPS as DAILY_LIST_STEPS } from '../ingest/dailyLists.js';
import { STEPS as INSTALLATION_STEPS } from '../installations/schema.js';
import { STEPS as LEADER_STEPS } from '../leader/lease.js';
import { STEPS as SCHEDULE_STEPS } from '../scheduler/schema.js';
import type { FeatureSchema } from '../ports.js';
import { STEPS as PAGER_STEPS } from '../pager.js';
import { PAPER_STEPS, SNAPSHOT_STEPS } from './catalogueSchema.js';
import { SEARCH_STEPS } from './searchSchema.js';

const PAPERS: FeatureSchema = { name: 'papers', steps: PAPER_STEPS };
const DAILY_LISTS: FeatureSchema = { name: 'daily_lists', steps: DAILY_LIST_STEPS };
const SEARCH: FeatureSchema = { name: 'search', steps: SEARCH_STEPS };

/**
 * Every feature's tables in the shared database, each with its schema steps (`meta` key
 * `schema.<feature>` records where a database is). The database owner migrates them all at open, in
 * one exclusive transaction, after refusing a database a newer paperboy wrote (src/store/migrations.ts).
 * NOTE: test/store/schemaFuture.test.ts checks every feature here is refused when newer.
 */
export const FEATURES: readonly FeatureSchema[] = [
  // NOTE: first: on PostgreSQL the other catalogue tables use its stamp function.
  PAPERS,
  { name: 'schedule', steps: SCHEDULE_STEPS },
  { name: 'follows', steps: FOLLOW_STEPS },
  { name: 'conversations', steps: CONVERSATION_STEPS },
  DAILY_LISTS,
  { name: 'pager', steps: PAGER_STEPS },
  { name: 'installations', steps: INSTALLATION_STEPS },
  { name: 'inbound_events', steps: INBOUND_STEPS },
  { name: 'leader', steps: LEADER_STEPS },
  { name: 'catalogue_snapshots', steps: SNAPSHOT_STEPS },
];

/**
 * The catalogue's features, which every SQLite file holds (the one database, or with DATABASE_URL
 * each host's copy of the catalogue) and search and trending read synchronously: migrated whenever
 * the file is opened (src/store/sqlite.ts), the same way as the rest. `search` is only ever here:
 * PostgreSQL holds no index.
 */
export const CATALOGUE_FEATURES: readonly FeatureSchema[] = [PAPERS, DAILY_LISTS, SEARCH];

/** `schema.<feature>` → the version this build knows, for every feature it migrates anywhere. */
export const FEATURE_SCHEMAS: Readonly<Record<string, number>> = Object.fromEntries([...FEATURES, SEARCH].map((f) => [f.name, f.steps.length]));
