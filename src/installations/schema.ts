// The installations feature's tables: chat-app installations (bot tokens sealed), their removals awaiting cleanup, and single-use OAuth states.
import type { Step } from '../ports.js';

/** Times are epoch milliseconds (BIGINT on PostgreSQL, past its 32-bit INTEGER). */
const FIRST_STEP = `CREATE TABLE installations (
     platform TEXT NOT NULL,
     install_key TEXT NOT NULL,
     team_id TEXT,
     team_name TEXT,
     enterprise_id TEXT,
     enterprise_wide INTEGER NOT NULL DEFAULT 0,
     app_id TEXT,
     bot_token_sealed TEXT NOT NULL,
     key_id TEXT NOT NULL,
     bot_id TEXT,
     bot_user_id TEXT NOT NULL,
     scopes TEXT NOT NULL,
     installer TEXT,
     installed_at TEXT NOT NULL,
     PRIMARY KEY (platform, install_key)
   );
   CREATE TABLE installation_removals (
     platform TEXT NOT NULL,
     install_key TEXT NOT NULL,
     removed_at INTEGER NOT NULL,
     PRIMARY KEY (platform, install_key)
   );
   CREATE TABLE oauth_states (
     state TEXT PRIMARY KEY,
     payload TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX oauth_states_expires ON oauth_states (expires_at);`;

export const STEPS: readonly Step[] = [
  {
    sqlite: FIRST_STEP,
    postgres: FIRST_STEP.replace('removed_at INTEGER', 'removed_at BIGINT').replace('expires_at INTEGER', 'expires_at BIGINT'),
  },
];
