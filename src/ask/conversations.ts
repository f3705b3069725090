// Conversation state by thread, for follow-ups: in the shared database (SQLite or PostgreSQL), expired after a day.
import { z } from 'zod';
import type { Clock, Conversation, Conversations, Sql, Step } from '../ports.js';

/** How long a thread's previous answer stays available to follow-ups. NOTE: milliseconds. */
export const CONVERSATION_TTL_MS = 24 * 60 * 60 * 1000;

/** The most papers kept per thread (what "only since 2025" can narrow). */
const MAX_POOL = 50;

/** The most numbers kept of the last list shown (a few pages of "More"). */
const MAX_SHOWN = 100;

/** The feature's tables, per engine: `updated_at` is milliseconds since the epoch, past PostgreSQL's 32-bit INTEGER. */
export const STEPS: readonly Step[] = [
  {
    sqlite: `CREATE TABLE conversations (
     key TEXT PRIMARY KEY,
     state TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX conversations_updated ON conversations (updated_at);`,
    postgres: `CREATE TABLE conversations (
     key TEXT PRIMARY KEY,
     state TEXT NOT NULL,
     updated_at BIGINT NOT NULL
   );
   CREATE INDEX conversations_updated ON conversations (updated_at);`,
  },
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

/**
 * Conversations in the shared database (the SQLite file, or PostgreSQL with DATABASE_URL), so a
 * follow-up reaches its thread's state on whichever process or host answers it. Rows older than a
 * day are ignored and swept on write. The owner migrates the table (`STEPS`, in FEATURES).
 */
export class StoredConversations implements Conversations {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
  ) {}

  async get(key: string): Promise<Conversation | undefined> {
    const row = await this.sql.get<{ state: string }>('SELECT state FROM conversations WHERE key = ? AND updated_at > ?', [key, this.oldest()]);
    return row ? parseState(row.state) : undefined;
  }

  async put(key: string, state: Conversation): Promise<void> {
    const now = this.clock.now().getTime();
    await this.sql.run('DELETE FROM conversations WHERE updated_at <= ?', [now - CONVERSATION_TTL_MS]);
    await this.sql.run(
      'INSERT INTO conversations (key, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
      [key, JSON.stringify(trimmed(state)), now],
    );
  }

  /** One statement: the state is copied where it is, so no other process's write lands between a read and a write. */
  async link(from: string, to: string): Promise<void> {
    // NOTE: `WHERE` before `ON CONFLICT` is what lets SQLite parse an INSERT … SELECT upsert.
    await this.sql.run(
      'INSERT INTO conversations (key, state, updated_at) SELECT ?, state, ? FROM conversations WHERE key = ? AND updated_at > ? ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
      [to, this.clock.now().getTime(), from, this.oldest()],
    );
  }

  private oldest(): number {
    return this.clock.now().getTime() - CONVERSATION_TTL_MS;
  }
}

function parseState(text: string): Conversation | undefined {
  try {
    const parsed = stateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Conversations in memory, for a database that cannot be written: the same rules, kept by this process only and lost on restart. */
export class MemoryConversations implements Conversations {
  private readonly rows = new Map<string, { state: Conversation; at: number }>();

  constructor(private readonly clock: Clock) {}

  async get(key: string): Promise<Conversation | undefined> {
    const row = this.rows.get(key);
    return row && row.at > this.clock.now().getTime() - CONVERSATION_TTL_MS ? row.state : undefined;
  }

  async put(key: string, state: Conversation): Promise<void> {
    const now = this.clock.now().getTime();
    for (const [k, r] of this.rows) if (r.at <= now - CONVERSATION_TTL_MS) this.rows.delete(k);
    this.rows.set(key, { state: trimmed(state), at: now });
  }

  async link(from: string, to: string): Promise<void> {
    const state = await this.get(from);
    if (state) await this.put(to, state);
  }
}
