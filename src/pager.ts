// Pager cursors for "More" buttons: a short-lived store so ids fit platform limits, validated on return.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { PagerCursor } from './reply.js';

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

/**
 * Keeps cursors for a while under short random keys. Discord custom ids hold 100 characters,
 * too few for a 500-character query, so buttons carry the key and the cursor stays here.
 * An expired key yields null and the adapter asks the user to search again.
 */
export class CursorStore {
  private readonly entries = new Map<string, { cursor: PagerCursor; expires: number }>();
  constructor(
    private readonly ttlMs = 60 * 60 * 1000,
    private readonly maxEntries = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  put(cursor: PagerCursor): string {
    this.sweep();
    const key = randomBytes(9).toString('base64url');
    this.entries.set(key, { cursor, expires: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return key;
  }

  get(key: string): PagerCursor | null {
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
