// Conversation state (paging, "Which one?", numbered follow-ups) behaves the same on SQLite and PostgreSQL, and reaches every process on the database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CONVERSATION_TTL_MS, StoredConversations } from '../../src/ask/conversations.js';
import type { Conversation, Sql } from '../../src/ports.js';
import { openDatabase } from '../../src/store/database.js';
import { FEATURES } from '../../src/store/features.js';
import { connectPostgres } from '../../src/store/postgres/connect.js';
import { PostgresSql } from '../../src/store/postgresSql.js';
import { FakeClock } from '../support/core.js';
import { freshSql } from '../support/postgres.js';

/** Two handles on one database, as two processes (or hosts) have. */
interface Shared {
  first: Sql;
  second: Sql;
  close(): Promise<void>;
}

async function sqliteShared(): Promise<Shared> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-conv-'));
  const file = path.join(dir, 'paperboy.db');
  const a = await openDatabase({ file, features: FEATURES });
  const b = await openDatabase({ file, features: FEATURES });
  return {
    first: a.sql,
    second: b.sql,
    close: async () => {
      await a.close();
      await b.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** NOTE: only this feature's tables on PostgreSQL, so the suite does not wait on the other stores' PostgreSQL spelling. */
const CONVERSATIONS = FEATURES.filter((f) => f.name === 'conversations');

async function postgresShared(): Promise<Shared> {
  const db = await freshSql(CONVERSATIONS);
  const other = await connectPostgres(db.url);
  return {
    first: db.sql,
    second: new PostgresSql(other),
    close: async () => {
      await other.end();
      await db.close();
    },
  };
}

const state = (question: string, n = 3): Conversation => ({
  question,
  cited: Array.from({ length: n }, (_, i) => `p${i + 1}`),
  pool: Array.from({ length: n + 2 }, (_, i) => `p${i + 1}`),
  shown: Array.from({ length: n }, (_, i) => `p${i + 1}`),
});

const open: Shared[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
afterAll(async () => {
  for (const s of open.splice(0)) await s.close();
});

describe.each([
  ['sqlite', sqliteShared],
  ['postgres', postgresShared],
])('conversations on %s', (_engine, shared) => {
  async function setUp() {
    const db = await shared();
    open.push(db);
    const clock = new FakeClock(new Date('2025-11-27T15:00:00Z'));
    return { db, clock, a: new StoredConversations(db.first, clock), b: new StoredConversations(db.second, clock) };
  }

  it('a state put by one process is read by another; an unknown thread has none', async () => {
    const { a, b } = await setUp();
    await a.put('slack:C1:T1', state('kv cache'));
    expect(await b.get('slack:C1:T1')).toEqual(state('kv cache'));
    expect(await b.get('slack:C1:T2')).toBeUndefined();
  });

  it('a second put replaces the thread state, from whichever process', async () => {
    const { a, b } = await setUp();
    await a.put('slack:C1:T1', state('kv cache'));
    await b.put('slack:C1:T1', state('mixture of experts', 2));
    expect(await a.get('slack:C1:T1')).toEqual(state('mixture of experts', 2));
  });

  it('what is kept is bounded: the question clipped, at most 50 papers and 100 shown', async () => {
    const { a } = await setUp();
    const long: Conversation = {
      question: 'q'.repeat(900),
      cited: Array.from({ length: 80 }, (_, i) => `c${i}`),
      pool: Array.from({ length: 80 }, (_, i) => `p${i}`),
      shown: Array.from({ length: 150 }, (_, i) => `s${i}`),
    };
    await a.put('k', long);
    const got = await a.get('k');
    expect([got?.question.length, got?.cited.length, got?.pool.length, got?.shown?.length]).toEqual([500, 50, 50, 100]);
  });

  it('link makes the answer message reach the question thread state, on another process', async () => {
    const { a, b } = await setUp();
    await a.put('discord:C9:question', state('kv cache'));
    await b.link('discord:C9:question', 'discord:C9:answer');
    expect(await a.get('discord:C9:answer')).toEqual(state('kv cache'));
    await b.link('discord:C9:nothing-here', 'discord:C9:other');
    expect(await a.get('discord:C9:other')).toBeUndefined();
  });

  it('a state is forgotten a day after it was written, and linking an expired one links nothing', async () => {
    const { a, b, clock } = await setUp();
    await a.put('slack:C1:T1', state('kv cache'));
    clock.advance(CONVERSATION_TTL_MS - 1);
    expect(await b.get('slack:C1:T1')).toEqual(state('kv cache'));
    clock.advance(1);
    expect(await b.get('slack:C1:T1')).toBeUndefined();
    await b.link('slack:C1:T1', 'slack:C1:T9');
    expect(await b.get('slack:C1:T9')).toBeUndefined();
  });

  it('a write sweeps the rows older than a day, and keeps the fresh ones', async () => {
    const { db, a, b, clock } = await setUp();
    await a.put('old', state('old'));
    clock.advance(CONVERSATION_TTL_MS / 2);
    await a.put('recent', state('recent'));
    clock.advance(CONVERSATION_TTL_MS / 2);
    await b.put('new', state('new'));
    const rows = await db.first.all<{ key: string }>('SELECT key FROM conversations ORDER BY key');
    expect(rows.map((r) => r.key)).toEqual(['new', 'recent']);
  });

  it('a row that is not a conversation state reads as none instead of failing the answer', async () => {
    const { db, a, clock } = await setUp();
    await db.first.run('INSERT INTO conversations (key, state, updated_at) VALUES (?, ?, ?)', ['bad', '{"question": 1', clock.now().getTime()]);
    await db.first.run('INSERT INTO conversations (key, state, updated_at) VALUES (?, ?, ?)', ['odd', '{"question": 1}', clock.now().getTime()]);
    expect(await a.get('bad')).toBeUndefined();
    expect(await a.get('odd')).toBeUndefined();
  });
});
