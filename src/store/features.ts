// Every feature's tables this build knows, at the schema version it migrates them to: a database with a newer one is refused at open.
import { MIGRATIONS as CONVERSATION_STEPS } from '../ask/conversations.js';
import { STEPS as FOLLOW_STEPS } from '../follows/store.js';
import { STEPS as DAILY_LIST_STEPS } from '../ingest/dailyLists.js';
import { STEPS as SCHEDULE_STEPS } from '../scheduler/store.js';

/**
 * `meta` key `schema.<feature>` → the version this build knows (the feature's step count, see
 * `migrateFeature`). Feature stores migrate when they are built; `openStore` checks this list first,
 * so a database a newer paperboy wrote is refused before anything is written to it.
 * NOTE: a feature named here must be migrated under the same name (test/store/schemaFuture.test.ts checks).
 */
export const FEATURE_SCHEMAS: Readonly<Record<string, number>> = {
  schedule: SCHEDULE_STEPS.length,
  follows: FOLLOW_STEPS.length,
  conversations: CONVERSATION_STEPS.length,
  daily_lists: DAILY_LIST_STEPS.length,
};
