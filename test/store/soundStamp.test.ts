// The integrity check's memory: an unchanged file that passed is not read in full again; any change, or damage found, brings the check back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { checkIntegrity, damagedError } from '../../src/store/sqliteFaults.js';
import { knownSound } from '../../src/store/soundStamp.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function database(): { file: string; db: Database.Database; checks: () => number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-sound-'));
  dirs.push(dir);
  const file = path.join(dir, 'paperboy.db');
  const db = new Database(file);
  db.exec('CREATE TABLE t (x TEXT); INSERT INTO t VALUES (1)');
  let checks = 0;
  const pragma = db.pragma.bind(db);
  // NOTE: counts the full-file scans; the real pragma still runs.
  db.pragma = ((source: string, options?: Database.PragmaOptions) => {
    if (source.startsWith('quick_check')) checks += 1;
    return pragma(source, options);
  }) as typeof db.pragma;
  return { file, db, checks: () => checks };
}

describe('integrity check memory', () => {
  it('an unchanged file that passed the check is not scanned again', () => {
    const { file, db, checks } = database();
    checkIntegrity(db, file);
    checkIntegrity(db, file);
    checkIntegrity(db, file);
    expect(checks()).toBe(1);
    expect(knownSound(file)).toBe(true);
    db.close();
  });

  it('a file written since it passed is scanned again', () => {
    const { file, db, checks } = database();
    checkIntegrity(db, file);
    db.exec(`INSERT INTO t VALUES ('${'x'.repeat(5000)}')`);
    expect(knownSound(file)).toBe(false);
    checkIntegrity(db, file);
    expect(checks()).toBe(2);
    db.close();
  });

  it('a file found damaged loses its mark, so every start scans it until it is sound again', () => {
    const { file, db, checks } = database();
    checkIntegrity(db, file);
    expect(knownSound(file)).toBe(true);
    expect(damagedError(file, 'database disk image is malformed').message).toMatch(/is damaged/);
    expect(knownSound(file)).toBe(false);
    checkIntegrity(db, file);
    expect(checks()).toBe(2);
    db.close();
  });
});
