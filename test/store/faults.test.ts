// Data folders and databases paperboy may not write, as a real process sees them: clear messages, and reads still served.
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { loadSeedDir } from '../../src/papers/seeds.js';
import { openStore } from '../../src/store/sqlite.js';

const BIN = path.join(PROJECT_ROOT, 'bin/paperboy.js');
const SEEDS = path.join(PROJECT_ROOT, 'seeds');

/**
 * Who the spawned paperboy runs as. NOTE: root ignores permission bits, so chmod cannot make a folder
 * unwritable for it; when the tests run as root, paperboy runs as `nobody` instead, which the bits do
 * stop. When even that is not allowed (no setuid), these tests are skipped.
 */
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const unprivileged: SpawnOptions = asRoot ? { uid: NOBODY, gid: NOBODY } : {};
const canDrop = !asRoot || spawnSync(process.execPath, ['-e', ''], unprivileged).status === 0;
const uid = asRoot ? NOBODY : process.getuid?.();

const tmp: string[] = [];
/** A folder the unprivileged user can enter and read. */
const tmpDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-faults-'));
  fs.chmodSync(d, 0o755);
  tmp.push(d);
  return d;
};
afterEach(() => {
  for (const d of tmp.splice(0)) {
    for (const p of [d, ...fs.readdirSync(d, { recursive: true }).map((f) => path.join(d, String(f)))]) fs.chmodSync(p, 0o755);
    fs.rmSync(d, { recursive: true, force: true });
  }
});

function run(args: string[], dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      ...unprivileged,
      env: { PATH: process.env.PATH ?? '', PAPERBOY_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** What the CLI printed for an OperatorError: the lines that are not JSON log lines. */
const messageLines = (stderr: string) => stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));

/** A database holding the seed corpus (242 papers), written by this process, then made read-only with its folder. */
async function readOnlyDatabase(opts: { seeded: boolean }): Promise<{ dir: string; file: string }> {
  const dir = tmpDir();
  const file = path.join(dir, 'paperboy.db');
  const store = await openStore(file);
  await store.upsert(loadSeedDir(SEEDS).papers);
  if (opts.seeded) await store.setMeta('seeds.ingested', '2025-11-27T00:00:00.000Z');
  store.close();
  fs.chmodSync(file, 0o444);
  fs.chmodSync(dir, 0o555);
  return { dir, file };
}

describe.skipIf(!canDrop)('data folder and database faults, as a process', () => {
  it('a data dir paperboy cannot write names PAPERBOY_DATA_DIR, the path, the uid and the Docker user', async () => {
    const dir = tmpDir();
    fs.chmodSync(dir, 0o555);
    const r = await run(['papers', '--json'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(messageLines(r.stderr)).toEqual([
      `PAPERBOY_DATA_DIR is ${dir}, but paperboy cannot write there (EACCES, permission denied), so it cannot create the paper database ${path.join(dir, 'paperboy.db')}.`,
      `Make ${dir} writable by the user paperboy runs as (uid ${uid}), or point PAPERBOY_DATA_DIR at a folder it can write.`,
      expect.stringMatching(/^In Docker the image runs as user node \(uid 1000\): a bind-mounted folder must be writable by it/),
    ]);
    expect(r.stderr).not.toMatch(/paperboy failed|"stack"|\n\s+at /);
  });

  it('a data dir that cannot be created in an unwritable parent says so and where', async () => {
    const parent = tmpDir();
    fs.chmodSync(parent, 0o555);
    const dir = path.join(parent, 'data');
    const r = await run(['papers', '--json'], dir);
    expect(r.code).toBe(2);
    expect(messageLines(r.stderr)[0]).toBe(`PAPERBOY_DATA_DIR is ${dir}, but it cannot be created (EACCES, permission denied in ${parent}).`);
    expect(r.stderr).not.toMatch(/paperboy failed|"stack"/);
  });

  it('a read-only database in a read-only folder still answers search, refuses an ingest clearly, and is left byte-identical', async () => {
    const { dir, file } = await readOnlyDatabase({ seeded: true });
    const before = fs.readFileSync(file);
    const listed = fs.readdirSync(dir);
    const search = await run(['search', 'kv cache quantization', '--json'], dir);
    expect(search.code).toBe(0);
    const hits = JSON.parse(search.stdout) as Array<{ title: string }>;
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.some((h) => /KV Cache/i.test(h.title))).toBe(true);
    expect(search.stderr).toMatch(/the paper database is read-only: answering from what it holds/);

    const ingest = await run(['ingest', '--seeds', SEEDS], dir);
    expect(ingest.code).toBe(2);
    expect(messageLines(ingest.stderr)).toEqual([
      `The paper database ${file} is read-only (the file is not writable: EACCES, permission denied); 242 papers were not stored.`,
      `To ingest, make ${file} and its folder (PAPERBOY_DATA_DIR) writable by the user paperboy runs as (uid ${uid}); searching works as it is.`,
      expect.stringMatching(/^In Docker the image runs as user node/),
    ]);
    expect(ingest.stderr).not.toMatch(/move it away|rebuild/i);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(listed);
    expect(listed.filter((f) => !f.endsWith('.sound'))).toEqual(['paperboy.db']);
  });

  it('a read-only database that holds papers but was never marked seeded skips seeding with a warning and answers', async () => {
    const { dir } = await readOnlyDatabase({ seeded: false });
    const r = await run(['papers', '--json'], dir);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(242);
    expect(r.stderr).toMatch(/seeding skipped, serving the papers it holds/);
  });
});
