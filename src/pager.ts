// Pager cursors for "More", "Share" and "Which one?" buttons: kept under short keys in the shared database (so any replica answers the click), validated on return.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { CursorBatch, PagerCursors, Sql, Step } from './ports.js';
import type { PagerCursor } from './reply.js';

/** How long a button's cursor is kept. NOTE: milliseconds. */
export const CURSOR_TTL_MS = 60 * 60 * 1000;

/** The feature's tables, per engine: `expires_at` is milliseconds since the epoch, past PostgreSQL's 32-bit INTEGER. */
export const STEPS: readonly Step[] = [
  {
    sqlite: `CREATE TABLE pager_cursors (key TEXT PRIMARY KEY, cursor TEXT NOT NULL, expires_at INTEGER NOT NULL);
   CREATE INDEX pager_cursors_expires ON pager_cursors (expires_at);`,
    postgres: `CREATE TABLE pager_cursors (key TEXT PRIMARY KEY, cursor TEXT NOT NULL, expires_at BIGINT NOT NULL);
   CREATE INDEX pager_cursors_expires ON pager_cursors (expires_at);`,
  },
];

const cursorSchema = z.object({
  command: z.string().min(1).max(40),
  input: z.record(z.string(), z.unknown()),
  offset: z.number().int().min(0).max(10_000),
});

/** Parses a cursor that came back from a platform (button value); null when it is not one of ours. */
export function parseCursor(value: unknown): PagerCursor | null {
  const r = cursorSchema.safeParse(value);
  return r.success ? r.data : null;
}

/** A short random key: Discord custom ids hold 100 characters, too few for a 500-character query. */
function newKey(): string {
  return randomBytes(9).toString('base64url');
}

/**
 * Cursors in the shared database (the SQLite file, or PostgreSQL with DATABASE_URL): a button
 * rendered by one process or host works when clicked on another, and after a restart. Expired rows
 * are swept when a message's cursors are saved.
 */
export class StoredCursors implements PagerCursors {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = CURSOR_TTL_MS,
  ) {}

  batch(): CursorBatch {
    const rows: Array<[string, PagerCursor]> = [];
    return {
      put: (cursor) => {
        const key = newKey();
        rows.push([key, cursor]);
        return key;
      },
      save: async () => {
        if (rows.length === 0) return;
        const t = this.now();
        await this.sql.run('DELETE FROM pager_cursors WHERE expires_at < ?', [t]);
        const values = rows.map(() => '(?, ?, ?)').join(', ');
        await this.sql.run(`INSERT INTO pager_cursors (key, cursor, expires_at) VALUES ${values} ON CONFLICT (key) DO NOTHING`, [
          ...rows.flatMap(([key, cursor]) => [key, JSON.stringify(cursor), t + this.ttlMs]),
        ]);
      },
    };
  }

  async get(key: string): Promise<PagerCursor | null> {
    const row = await this.sql.get<{ cursor: string }>('SELECT cursor FROM pager_cursors WHERE key = ? AND expires_at >= ?', [key, this.now()]);
    if (!row) return null;
    try {
      return parseCursor(JSON.parse(row.cursor));
    } catch {
      return null;
    }
  }
}

/**
 * Cursors in this process's memory, for a database that cannot be written (and adapters built
 * without one): a click must reach the process that rendered the button, within the hour.
 */
export class MemoryCursors implements PagerCursors {
  private readonly entries = new Map<string, { cursor: PagerCursor; expires: number }>();
  constructor(
    private readonly ttlMs = CURSOR_TTL_MS,
    private readonly maxEntries = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  batch(): CursorBatch {
    return { put: (cursor) => this.put(cursor), save: async () => undefined };
  }

  put(cursor: PagerCursor): string {
    this.sweep();
    const key = newKey();
    this.entries.set(key, { cursor, expires: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return key;
  }

  async get(key: string): Promise<PagerCursor | null> {
    const e = this.entries.get(key);
    if (!e) return null;
    if (e.expires < this.now()) {
      this.entries.delete(key);
      return null;
    }
    return parseCursor(e.cursor);
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.entries) if (e.expires < t) this.entries.delete(k);
  }
}
