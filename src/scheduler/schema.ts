// The schedule feature's tables (subscriptions with their cadence, and the post ledger), step by step, spelled for SQLite (unchanged since first shipped) and PostgreSQL.
import type { Step } from '../ports.js';

/** SQLite's spelling of each step is what it always was (existing files keep migrating the same); PostgreSQL needs BIGINT for epoch milliseconds. */
const FIRST_STEP = `CREATE TABLE schedule_subscriptions (
     id TEXT PRIMARY KEY,
     platform TEXT NOT NULL,
     channel TEXT NOT NULL,
     guild_id TEXT,
     hour INTEGER NOT NULL,
     minute INTEGER NOT NULL,
     zone TEXT NOT NULL,
     top INTEGER NOT NULL,
     created_at TEXT NOT NULL,
     created_by TEXT
   );
   CREATE INDEX schedule_subscriptions_channel ON schedule_subscriptions (platform, channel);
   CREATE TABLE schedule_posts (
     subscription TEXT NOT NULL,
     slot TEXT NOT NULL,
     list_date TEXT,
     state TEXT NOT NULL CHECK (state IN ('claimed', 'posted', 'failed', 'skipped')),
     owner TEXT,
     lease_until INTEGER,
     attempts INTEGER NOT NULL DEFAULT 0,
     failure TEXT,
     detail TEXT,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (subscription, slot)
   );
   -- One post per subscription per list: a list claimed or posted once is never claimed again.
   CREATE UNIQUE INDEX schedule_posts_once ON schedule_posts (subscription, list_date)
     WHERE list_date IS NOT NULL AND state IN ('claimed', 'posted');`;
// Attempts are counted before each send, so a process that dies mid-send leaves a row that says to look first.
const SECOND_STEP = `ALTER TABLE schedule_posts ADD COLUMN first_attempt_at INTEGER;
   ALTER TABLE schedule_posts ADD COLUMN message_id TEXT;`;

// Digests: how often a subscription posts (rows from before are daily) and, for weekly ones, on which ISO weekday (1 = Monday … 7 = Sunday).
const THIRD_STEP = `ALTER TABLE schedule_subscriptions ADD COLUMN cadence TEXT NOT NULL DEFAULT 'daily' CHECK (cadence IN ('daily', 'weekly', 'monthly'));
   ALTER TABLE schedule_subscriptions ADD COLUMN weekday INTEGER CHECK (weekday BETWEEN 1 AND 7);`;

export const STEPS: readonly Step[] = [
  {
    sqlite: FIRST_STEP,
    // NOTE: epoch milliseconds overflow PostgreSQL's 32-bit INTEGER.
    postgres: FIRST_STEP.replace('lease_until INTEGER,', 'lease_until BIGINT,'),
  },
  { sqlite: SECOND_STEP, postgres: SECOND_STEP.replace('first_attempt_at INTEGER;', 'first_attempt_at BIGINT;') },
  // NOTE: the same spelling on both engines.
  { sqlite: THIRD_STEP, postgres: THIRD_STEP },
];
