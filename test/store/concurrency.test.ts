// Processes writing one database: concurrent ingests both finish with every paper; kill -9 or a full disk mid-ingest leaves whole batches and a sound file.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { writeSeedPages } from '../support/seedPages.js';

const BIN = path.join(PROJECT_ROOT, 'bin/paperboy.js');
/** Papers in the embedded corpus, which every first start ingests too. */
/** Papers in each of the two concurrent ingests: 40 transactions of 500 each. */
const N = 20_000;

/**
 * Each test runs one or two 20,000-paper ingests as separate processes: a few seconds on an idle
 * machine, but two writers taking turns on a busy 2-core one have taken over 40 s.
 */
const PROCESS_TEST_MS = 120_000;

const tmp: string[] = [];
const tmpDir = (prefix: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmp.push(d);
  return d;
};
/** Ingests still running when a test ends (it failed or timed out): killed so they cannot slow the tests after it. */
const running = new Map<Promise<Run>, () => void>();
afterEach(async () => {
  for (const kill of running.values()) kill();
  await Promise.allSettled([...running.keys()]);
  for (const d of tmp.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Starts `paperboy <args>` as its own process on `dataDir`. With `fileSizeLimit` (in 512-byte
 * blocks) it runs under `ulimit -f`, which makes writes past that size fail as on a full disk.
 */
function paperboy(args: string[], dataDir: string, fileSizeLimit?: number): { done: Promise<Run>; kill: () => void } {
  const t0 = performance.now();
  const [cmd, argv] =
    fileSizeLimit === undefined
      ? [process.execPath, [BIN, ...args]]
      : // NOTE: XFSZ is ignored so that the write fails (EFBIG) instead of the signal killing the process.
        ['/bin/sh', ['-c', `trap '' XFSZ; ulimit -f ${fileSizeLimit}; exec "$0" "$@"`, process.execPath, BIN, ...args]];
  const child = spawn(cmd, argv, {
    env: { PATH: process.env.PATH ?? '', PAPERBOY_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Math.round(performance.now() - t0) }));
  });
  const kill = () => child.kill('SIGKILL');
  running.set(done, kill);
  const settled = () => running.delete(done);
  done.then(settled, settled);
  return { done, kill };
}

/** Papers whose title is LIKE `pattern`, read by this process while others write (0 before the database exists). */
function count(dataDir: string, pattern: string): number {
  const file = path.join(dataDir, 'paperboy.db');
  if (!fs.existsSync(file)) return 0;
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    return (db.prepare('SELECT count(*) AS n FROM papers WHERE title LIKE ?').get(pattern) as { n: number }).n;
  } catch {
    return 0; // not created yet, or mid-migration
  } finally {
    db?.close();
  }
}

/** Resolves once `check` holds, polling every few milliseconds (for at most 60 s: a busy machine starts processes slowly). */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function storedTitles(dataDir: string): Set<string> {
  const db = new Database(path.join(dataDir, 'paperboy.db'), { readonly: true });
  try {
    return new Set(
      db
        .prepare<[], { title: string }>('SELECT title FROM papers')
        .all()
        .map((r) => r.title),
    );
  } finally {
    db.close();
  }
}

describe('store: processes writing one database', { timeout: PROCESS_TEST_MS }, () => {
  it('two 20,000-paper ingests started together into one new database both exit 0, and every paper of both is stored', async () => {
    const dataDir = tmpDir('pb-conc-');
    const dirA = tmpDir('pb-seeds-a-');
    const dirB = tmpDir('pb-seeds-b-');
    const a = writeSeedPages(dirA, 'Alpha', N);
    const b = writeSeedPages(dirB, 'Beta', N);
    const t0 = performance.now();
    const [ra, rb] = await Promise.all([paperboy(['ingest', '--seeds', dirA], dataDir).done, paperboy(['ingest', '--seeds', dirB], dataDir).done]);
    const wall = Math.round(performance.now() - t0);
    console.log(`two concurrent ${N}-paper ingests: ${ra.ms} ms and ${rb.ms} ms (${wall} ms wall)`);
    expect([ra.code, ra.stderr]).toEqual([0, '']);
    expect([rb.code, rb.stderr]).toEqual([0, '']);
    expect(ra.stdout).toContain(`${N} papers (${N} new`);
    expect(rb.stdout).toContain(`${N} papers (${N} new`);
    const stored = storedTitles(dataDir);
    // NOTE: `ingest --seeds DIR` stores DIR's papers only (first-start seeding is for the other subcommands).
    expect(stored.size).toBe(2 * N);
    expect([...a, ...b].filter((t) => !stored.has(t))).toEqual([]);
  });

  it('a one-paper ingest started while a 20,000-paper ingest is writing waits between its batches, and both keep every paper', async () => {
    const dataDir = tmpDir('pb-conc-');
    const big = tmpDir('pb-seeds-big-');
    const small = tmpDir('pb-seeds-small-');
    const titles = writeSeedPages(big, 'Gamma', N);
    const [one] = writeSeedPages(small, 'Delta', 1);
    const bigRun = paperboy(['ingest', '--seeds', big], dataDir);
    await until(() => count(dataDir, 'Gamma%') > 0);
    const smallRun = await paperboy(['ingest', '--seeds', small], dataDir).done;
    const bigDone = await bigRun.done;
    console.log(`a one-paper ingest beside a ${N}-paper one: ${smallRun.ms} ms (the large one: ${bigDone.ms} ms)`);
    expect([smallRun.code, smallRun.stderr]).toEqual([0, '']);
    expect([bigDone.code, bigDone.stderr]).toEqual([0, '']);
    const stored = storedTitles(dataDir);
    expect([...titles, one].filter((t) => t !== undefined && !stored.has(t))).toEqual([]);
  });

  it('kill -9 in the middle of an ingest leaves whole batches and a sound file, and a re-run completes', async () => {
    const dataDir = tmpDir('pb-kill-');
    const dir = tmpDir('pb-seeds-kill-');
    const titles = writeSeedPages(dir, 'Epsilon', N);
    const run = paperboy(['ingest', '--seeds', dir], dataDir);
    await until(() => count(dataDir, 'Epsilon%') > 0);
    run.kill();
    const killed = await run.done;
    const db = new Database(path.join(dataDir, 'paperboy.db'), { readonly: true });
    const sound = db.pragma('quick_check', { simple: true });
    db.close();
    expect(sound).toBe('ok');
    const partial = count(dataDir, 'Epsilon%');
    console.log(`kill -9 after ${killed.ms} ms (${killed.signal ?? `exit ${killed.code}`}): ${partial} of ${N} papers stored`);
    // Each batch of 500 is one transaction: a kill leaves whole batches, never part of one.
    expect(partial % 500).toBe(0);
    const again = await paperboy(['ingest', '--seeds', dir], dataDir).done;
    expect([again.code, again.stderr]).toEqual([0, '']);
    expect(again.stdout).toContain(`${N - partial} new`);
    const stored = storedTitles(dataDir);
    expect(titles.filter((t) => !stored.has(t))).toEqual([]);
  });

  it.skipIf(process.platform === 'win32')('a disk that fills up mid-ingest rolls back the batch it hit, names the file, and a re-run completes', async () => {
    const dataDir = tmpDir('pb-full-');
    const dir = tmpDir('pb-seeds-full-');
    const titles = writeSeedPages(dir, 'Zeta', N);
    // About 6 MB per file: the seeds fit, the 20,000 papers do not.
    const full = await paperboy(['ingest', '--seeds', dir], dataDir, 12_000).done;
    expect(full.code).toBe(2);
    expect(full.stderr).toMatch(
      /^(Writing the paper database \S+ failed \(.+\)|The disk holding the paper database \S+ is full); that batch was rolled back, and \d+ of 20000 papers were stored before it\.$/m,
    );
    expect(full.stderr).toContain(path.join(dataDir, 'paperboy.db'));
    expect(full.stderr).not.toMatch(/paperboy failed/);
    const partial = count(dataDir, 'Zeta%');
    console.log(`a full disk after ${partial} of ${N} papers: ${full.stderr.split('\n').find((l) => !l.startsWith('{'))}`);
    expect(partial % 500).toBe(0);
    expect(partial).toBeLessThan(N);
    const again = await paperboy(['ingest', '--seeds', dir], dataDir).done;
    expect([again.code, again.stderr]).toEqual([0, '']);
    const db = new Database(path.join(dataDir, 'paperboy.db'), { readonly: true });
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
    db.close();
    const stored = storedTitles(dataDir);
    expect(titles.filter((t) => !stored.has(t))).toEqual([]);
  });
});
