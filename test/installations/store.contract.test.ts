// Installations and OAuth states behave the same on SQLite and PostgreSQL: tokens sealed at rest, rotation, removal, single-use states.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InstallationStore } from '../../src/installations/store.js';
import { StoredOAuthStates } from '../../src/installations/states.js';
import type { Installation, Sql } from '../../src/ports.js';
import { SecretBox } from '../../src/secretBox.js';
import { openDatabase } from '../../src/store/database.js';
import { FEATURES } from '../../src/store/features.js';
import { connectPostgres } from '../../src/store/postgres/connect.js';
import { PostgresSql } from '../../src/store/postgresSql.js';
import { FakeClock } from '../support/core.js';
import { freshSql } from '../support/postgres.js';

/** Two handles on one database, as two replicas have. */
interface Shared {
  first: Sql;
  second: Sql;
  close(): Promise<void>;
}

async function sqliteShared(): Promise<Shared> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-inst-'));
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

const INSTALLATIONS = FEATURES.filter((f) => f.name === 'installations');

async function postgresShared(): Promise<Shared> {
  const db = await freshSql(INSTALLATIONS);
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

const TOKEN_T2 = 'xoxb-team-two-secret-token-0123456789';

const install = (key: string, token: string): Installation => ({
  platform: 'slack',
  key,
  teamId: key,
  teamName: `Team ${key}`,
  enterpriseWide: false,
  appId: 'A0APP',
  botToken: token,
  botId: `B${key}`,
  botUserId: `U${key}BOT`,
  scopes: ['commands', 'chat:write'],
  installer: 'U0INSTALLER',
  installedAt: '2025-11-27T15:00:00.000Z',
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
])('installations on %s', (_engine, shared) => {
  async function setUp() {
    const db = await shared();
    open.push(db);
    const clock = new FakeClock(new Date('2025-11-27T15:00:00Z'));
    const key = randomBytes(32);
    return { db, clock, key, a: new InstallationStore(db.first, new SecretBox(key), clock), b: new InstallationStore(db.second, new SecretBox(key), clock) };
  }

  it('an installation saved by one replica is read, token and all, by another; an unknown team has none', async () => {
    const { a, b } = await setUp();
    await a.save(install('T2', TOKEN_T2));
    expect(await b.get('slack', 'T2')).toEqual({ kind: 'found', installation: install('T2', TOKEN_T2) });
    expect(await b.get('slack', 'T9')).toEqual({ kind: 'none' });
  });

  it('no row holds the bot token in plain text', async () => {
    const { db, a } = await setUp();
    await a.save(install('T2', TOKEN_T2));
    const rows = await db.first.all<Record<string, unknown>>('SELECT * FROM installations');
    expect(JSON.stringify(rows)).not.toContain(TOKEN_T2);
    expect(JSON.stringify(rows)).not.toContain('xoxb-');
  });

  it('a reinstall replaces the token', async () => {
    const { a, b } = await setUp();
    await a.save(install('T2', TOKEN_T2));
    await b.save(install('T2', 'xoxb-new-token'));
    const got = await a.get('slack', 'T2');
    expect(got.kind === 'found' && got.installation.botToken).toBe('xoxb-new-token');
  });

  it('under a wrong key the installation is unreadable, named with the key that sealed it', async () => {
    const { db, a, clock } = await setUp();
    await a.save(install('T2', TOKEN_T2));
    const wrong = new InstallationStore(db.second, new SecretBox(randomBytes(32)), clock);
    const got = await wrong.get('slack', 'T2');
    expect(got.kind).toBe('unreadable');
    expect(await wrong.audit()).toEqual({
      readable: 0,
      unreadable: [{ platform: 'slack', key: 'T2', reason: expect.stringMatching(/PAPERBOY_SECRET_KEY/) }],
      resealed: 0,
    });
  });

  it('a sealed token copied onto another team does not open', async () => {
    const { db, a } = await setUp();
    await a.save(install('T2', TOKEN_T2));
    await a.save(install('T3', 'xoxb-three'));
    await db.first.run(
      "UPDATE installations SET bot_token_sealed = (SELECT bot_token_sealed FROM installations WHERE install_key = 'T2') WHERE install_key = 'T3'",
    );
    expect((await a.get('slack', 'T3')).kind).toBe('unreadable');
  });

  it('rotation: with the old key as PREVIOUS, tokens still open and are re-sealed under the new key, after which the old key is not needed', async () => {
    const { db, a, key, clock } = await setUp();
    await a.save(install('T2', TOKEN_T2));
    await a.save(install('T3', 'xoxb-three'));
    const fresh = randomBytes(32);
    const rotating = new InstallationStore(db.second, new SecretBox(fresh, key), clock);
    expect(await rotating.audit()).toEqual({ readable: 2, unreadable: [], resealed: 2 });
    const after = new InstallationStore(db.first, new SecretBox(fresh), clock);
    const got = await after.get('slack', 'T3');
    expect(got.kind === 'found' && got.installation.botToken).toBe('xoxb-three');
    expect((await new InstallationStore(db.first, new SecretBox(key), clock).get('slack', 'T3')).kind).toBe('unreadable');
  });

  it('remove deletes it and notes when; a reinstall cancels the pending cleanup', async () => {
    const { a, b, clock } = await setUp();
    await a.save(install('T2', TOKEN_T2));
    await a.save(install('T3', 'xoxb-three'));
    expect(await b.remove('slack', 'T3')).toBe(true);
    expect(await b.remove('slack', 'T9')).toBe(false);
    expect(await a.get('slack', 'T3')).toEqual({ kind: 'none' });
    clock.advance(1000);
    expect(await a.removedBefore(clock.now())).toEqual([
      { platform: 'slack', key: 'T3' },
      { platform: 'slack', key: 'T9' },
    ]);
    await a.save(install('T9', 'xoxb-nine'));
    expect(await a.removedBefore(clock.now())).toEqual([{ platform: 'slack', key: 'T3' }]);
    await a.forgetRemoval('slack', 'T3');
    expect(await a.removedBefore(clock.now())).toEqual([]);
  });
});

describe.each([
  ['sqlite', sqliteShared],
  ['postgres', postgresShared],
])('OAuth states on %s', (_engine, shared) => {
  it('a state put by one replica is taken once, by another; a second take (a replay) finds nothing', async () => {
    const db = await shared();
    open.push(db);
    const clock = new FakeClock(new Date('2025-11-27T15:00:00Z'));
    const a = new StoredOAuthStates(db.first, clock);
    const b = new StoredOAuthStates(db.second, clock);
    await a.put('s1', '{"scopes":[]}', new Date(clock.now().getTime() + 600_000));
    expect(await b.take('s1')).toBe('{"scopes":[]}');
    expect(await a.take('s1')).toBeNull();
    expect(await a.take('never')).toBeNull();
  });

  it('an expired state is refused', async () => {
    const db = await shared();
    open.push(db);
    const clock = new FakeClock(new Date('2025-11-27T15:00:00Z'));
    const a = new StoredOAuthStates(db.first, clock);
    await a.put('s1', '{}', new Date(clock.now().getTime() + 600_000));
    clock.advance(600_001);
    expect(await a.take('s1')).toBeNull();
  });
});
