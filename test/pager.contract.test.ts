// Button cursors kept in the shared database behave the same on SQLite and PostgreSQL: saved by one process, read by another, gone after their hour.
import { afterEach, describe, expect, it } from 'vitest';
import { StoredCursors } from '../src/pager.js';
import type { Sql } from '../src/ports.js';
import type { PagerCursor } from '../src/reply.js';
import { openDatabase } from '../src/store/database.js';
import { FEATURES } from '../src/store/features.js';
import { freshSql } from './support/postgres.js';

const HOUR = 60 * 60 * 1000;
const cursor = (offset: number): PagerCursor => ({ command: 'search', input: { query: 'kv cache "quoted"' }, offset });

/** NOTE: only this feature's tables on PostgreSQL, so the suite does not wait on the other stores' PostgreSQL spelling. */
const PAGER = FEATURES.filter((f) => f.name === 'pager');

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of open.splice(0)) await close();
});

async function sqlite(): Promise<Sql> {
  const db = await openDatabase({ file: ':memory:', features: FEATURES });
  open.push(() => db.close());
  return db.sql;
}

async function postgres(): Promise<Sql> {
  const db = await freshSql(PAGER);
  open.push(() => db.close());
  return db.sql;
}

describe.each([
  ['sqlite', sqlite],
  ['postgres', postgres],
])('button cursors on %s', (_engine, database) => {
  it('cursors saved with a message are read back by the store a click reaches, for an hour', async () => {
    const sql = await database();
    const clock = { t: 1_000_000 };
    const rendering = new StoredCursors(sql, () => clock.t, HOUR);
    const clicked = new StoredCursors(sql, () => clock.t, HOUR);
    const batch = rendering.batch();
    const keys = [batch.put(cursor(5)), batch.put(cursor(10))];
    expect(await clicked.get(keys[0] ?? '')).toBeNull();
    await batch.save();
    expect(await clicked.get(keys[0] ?? '')).toEqual(cursor(5));
    expect(await clicked.get(keys[1] ?? '')).toEqual(cursor(10));
    clock.t += HOUR;
    expect(await clicked.get(keys[0] ?? '')).toEqual(cursor(5));
    clock.t += 1;
    expect(await clicked.get(keys[0] ?? '')).toBeNull();
    expect(await clicked.get('no-such-key')).toBeNull();
  });

  it('saving sweeps expired cursors; a message without buttons writes nothing', async () => {
    const sql = await database();
    const clock = { t: 1_000_000 };
    const cursors = new StoredCursors(sql, () => clock.t, HOUR);
    const old = cursors.batch();
    old.put(cursor(1));
    await old.save();
    clock.t += HOUR + 1;
    await cursors.batch().save();
    expect((await sql.all('SELECT key FROM pager_cursors')).length).toBe(1);
    const fresh = cursors.batch();
    const key = fresh.put(cursor(2));
    await fresh.save();
    expect(await sql.all<{ key: string }>('SELECT key FROM pager_cursors')).toEqual([{ key }]);
  });

  it('a stored value that is not one of our cursors reads as expired', async () => {
    const sql = await database();
    await sql.run('INSERT INTO pager_cursors (key, cursor, expires_at) VALUES (?, ?, ?), (?, ?, ?)', ['bad', '{', 9e12, 'odd', '{"command":""}', 9e12]);
    const cursors = new StoredCursors(sql, () => 0, HOUR);
    expect(await cursors.get('bad')).toBeNull();
    expect(await cursors.get('odd')).toBeNull();
  });
});
