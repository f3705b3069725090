// Every feature's tables this build knows, at the schema version it migrates them to: a database with a newer one is refused at open.
import { STEPS as CONVERSATION_STEPS } from '../ask/conversations.js';
import { STEPS as FOLLOW_STEPS } from '../follows/schema.js';
import { STEPS as DAILY_LIST_STEPS } from '../ingest/dailyLists.js';
import { STEPS as SCHEDULE_STEPS } from '../scheduler/schema.js';
import type { FeatureSchema } from '../ports.js';
import { STEPS as PAGER_STEPS } from '../pager.js';
import { PAPER_STEPS, SNAPSHOT_STEPS } from './catalogueSchema.js';

/**
 * Every feature's tables, each with its schema steps (`meta` key `schema.<feature>` records where a
 * database is). The database owner migrates them all at open, in one exclusive transaction, after
 * refusing a database a newer paperboy wrote (src/store/migrations.ts).
 * NOTE: test/store/schemaFuture.test.ts checks every feature here is refused when newer.
 */
export const FEATURES: readonly FeatureSchema[] = [
  // NOTE: first: on PostgreSQL the other catalogue tables use its stamp function.
  { name: 'papers', steps: PAPER_STEPS },
  { name: 'schedule', steps: SCHEDULE_STEPS },
  { name: 'follows', steps: FOLLOW_STEPS },
  { name: 'conversations', steps: CONVERSATION_STEPS },
  { name: 'daily_lists', steps: DAILY_LIST_STEPS },
  { name: 'pager', steps: PAGER_STEPS },
  { name: 'catalogue_snapshots', steps: SNAPSHOT_STEPS },
];

/** `schema.<feature>` → the version this build knows. */
export const FEATURE_SCHEMAS: Readonly<Record<string, number>> = Object.fromEntries(FEATURES.map((f) => [f.name, f.steps.length]));
