// The inbound events feature's table: one row per platform event taken, so a platform's retry of it is answered by no replica.
import type { Step } from '../ports.js';

export const STEPS: readonly Step[] = [
  `CREATE TABLE inbound_events (
     event_key TEXT PRIMARY KEY,
     taken_at TEXT NOT NULL
   );
   CREATE INDEX inbound_events_taken ON inbound_events (taken_at);`,
];
