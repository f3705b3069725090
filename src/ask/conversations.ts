// Conversation state by thread, for follow-ups: in SQLite next to the papers, expired after a day.
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { Clock, Conversation, Conversations } from '../ports.js';
import { migrateFeature } from '../store/sqlite.js';

/** How long a thread's previous answer stays available to follow-ups. NOTE: milliseconds. */
export const CONVERSATION_TTL_MS = 24 * 60 * 60 * 1000;

/** The most papers kept per thread (what "only since 2025" can narrow). */
const MAX_POOL = 50;

/** The most numbers kept of the last list shown (a few pages of "More"). */
const MAX_SHOWN = 100;

export const MIGRATIONS = [
  `CREATE TABLE conversations (
     key TEXT PRIMARY KEY,
     state TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX conversations_updated ON conversations (updated_at);`,
];

const stateSchema = z.object({ question: z.string(), cited: z.array(z.string()), pool: z.array(z.string()), shown: z.array(z.string()).optional() });

/** The key a caller's thread is kept under; null when the message is in no thread (a slash command). */
export function threadKey(caller: { platform: string; channel?: string; thread?: string } | undefined): string | null {
  if (!caller?.thread) return null;
  return `${caller.platform}:${caller.channel ?? ''}:${caller.thread}`;
}

function trimmed(state: Conversation): Conversation {
  return {
    question: state.question.slice(0, 500),
    cited: state.cited.slice(0, MAX_POOL),
    pool: state.pool.slice(0, MAX_POOL),
    ...(state.shown ? { shown: state.shown.slice(0, MAX_SHOWN) } : {}),
  };
}

/** Conversations in the store's SQLite file (its own versioned table). Rows older than a day are ignored and swept on write. */
export class SqliteConversations implements Conversations {
  private readonly select: Database.Statement<[string, number], { state: string }>;
  private readonly upsert: Database.Statement<[string, string, number]>;
  private readonly sweep: Database.Statement<[number]>;

  constructor(
    db: Database.Database,
    private readonly clock: Clock,
  ) {
    migrateFeature(db, 'conversations', MIGRATIONS);
    this.select = db.prepare('SELECT state FROM conversations WHERE key = ? AND updated_at > ?');
    this.upsert = db.prepare(
      'INSERT INTO conversations (key, state, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
    );
    this.sweep = db.prepare('DELETE FROM conversations WHERE updated_at <= ?');
  }

  get(key: string): Conversation | undefined {
    const row = this.select.get(key, this.clock.now().getTime() - CONVERSATION_TTL_MS);
    if (!row) return undefined;
    try {
      const parsed = stateSchema.safeParse(JSON.parse(row.state));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  put(key: string, state: Conversation): void {
    const now = this.clock.now().getTime();
    this.sweep.run(now - CONVERSATION_TTL_MS);
    this.upsert.run(key, JSON.stringify(trimmed(state)), now);
  }

  link(from: string, to: string): void {
    const state = this.get(from);
    if (state) this.put(to, state);
  }
}

/** Conversations in memory, for a store that is not SQLite (or cannot be written): the same rules, lost on restart. */
export class MemoryConversations implements Conversations {
  private readonly rows = new Map<string, { state: Conversation; at: number }>();

  constructor(private readonly clock: Clock) {}

  get(key: string): Conversation | undefined {
    const row = this.rows.get(key);
    return row && row.at > this.clock.now().getTime() - CONVERSATION_TTL_MS ? row.state : undefined;
  }

  put(key: string, state: Conversation): void {
    const now = this.clock.now().getTime();
    for (const [k, r] of this.rows) if (r.at <= now - CONVERSATION_TTL_MS) this.rows.delete(k);
    this.rows.set(key, { state: trimmed(state), at: now });
  }

  link(from: string, to: string): void {
    const state = this.get(from);
    if (state) this.put(to, state);
  }
}
