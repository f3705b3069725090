// A database written by a newer paperboy: refused at open, naming what is newer, before anything is written.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, databaseFile } from '../../src/app.js';
import { OperatorError } from '../../src/errors.js';
import { FEATURE_SCHEMAS } from '../../src/store/features.js';
import { commands } from '../../commands/index.js';
import { silentLogger } from '../../src/logger.js';
import { openStore } from '../../src/store/sqlite.js';

const tmp: string[] = [];
afterEach(() => {
  for (const d of tmp.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const clock = { now: () => new Date('2026-06-12T12:00:00Z') };

/** A data folder whose database this build made, with every feature's tables (closed again). */
async function builtDatabase(): Promise<{ dir: string; file: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-future-'));
  tmp.push(dir);
  await (await createApp({ config: { dataDir: dir, timeZone: 'America/New_York' }, logger: silentLogger, clock, commands })).close();
  return { dir, file: databaseFile(dir) };
}

/** Rewrites one value in `meta` as a newer paperboy would, then checkpoints so the file holds it. */
function setMeta(file: string, key: string, value: string): void {
  const raw = new Database(file);
  raw.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  raw.pragma('wal_checkpoint(TRUNCATE)');
  raw.close();
}

async function openError(fn: () => unknown): Promise<OperatorError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof OperatorError) return e;
    throw e;
  }
  throw new Error('expected an OperatorError');
}

describe('schema from the future', () => {
  it('every feature this build migrates is in the registry of known feature versions, at the version it migrates to', async () => {
    const { file } = await builtDatabase();
    const raw = new Database(file, { readonly: true });
    const stored = Object.fromEntries(
      (raw.prepare(`SELECT key, value FROM meta WHERE key LIKE 'schema.%'`).all() as Array<{ key: string; value: string }>).map((r) => [
        r.key.slice('schema.'.length),
        Number(r.value),
      ]),
    );
    raw.close();
    expect(stored).toEqual(FEATURE_SCHEMAS);
  });

  it.each(Object.keys(FEATURE_SCHEMAS))(
    'a database whose %s tables are newer than this build is refused at start-up, naming the feature and both versions, and left byte-identical',
    async (feature) => {
      const { dir, file } = await builtDatabase();
      const known = FEATURE_SCHEMAS[feature] ?? 0;
      setMeta(file, `schema.${feature}`, String(known + 1));
      const before = fs.readFileSync(file);
      const e = await openError(() => createApp({ config: { dataDir: dir, timeZone: 'America/New_York' }, logger: silentLogger, clock, commands }));
      expect(e.message).toContain(file);
      expect(e.message).toContain(`${feature} tables are at schema version ${known + 1}`);
      expect(e.message).toContain(`this paperboy knows version ${known}`);
      expect(fs.readFileSync(file).equals(before)).toBe(true);
    },
  );

  it('a database whose papers schema (user_version) is newer than this build is refused with an OperatorError naming it', async () => {
    const { file } = await builtDatabase();
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    const e = await openError(() => openStore(file));
    expect(e.message).toContain(file);
    expect(e.message).toContain('schema version 99 is newer than this paperboy understands');
  });

  it('a feature this build does not know at all (added by a newer one) does not stop it opening', async () => {
    const { dir, file } = await builtDatabase();
    setMeta(file, 'schema.someday', '3');
    const app = await createApp({ config: { dataDir: dir, timeZone: 'America/New_York' }, logger: silentLogger, clock, commands });
    expect(app.store.count()).toBe(0);
    await app.close();
  });
});
