// Start-up seeding and ingest through the CLI in-process: seeding retried until it works once, bad entries and non-pages skipped, warnings capped, faults named.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../adapters/cli/index.js';
import { databaseFile, LOGGED_WARNINGS } from '../src/app.js';
import { PROJECT_ROOT } from '../src/config.js';
import { loadSeedDir } from '../src/papers/seeds.js';
import { openStore } from '../src/store/sqlite.js';
import { pageEntry, pageHeader } from './support/seedPages.js';
import { sink } from './support/streams.js';

const SEEDS = path.join(PROJECT_ROOT, 'seeds');

const tmp: string[] = [];
const tmpDir = (prefix = 'pb-app-') => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmp.push(d);
  return d;
};
afterEach(() => {
  for (const d of tmp.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Lines of stderr that are not JSON log lines: what an operator reads. */
  message: string[];
  /** The JSON log lines at warn level. */
  warnings: Array<{ msg: string; where?: string }>;
}

async function run(args: string[], env: Record<string, string>): Promise<Run> {
  const stdout = sink();
  const stderr = sink();
  const stdin = Object.assign(Readable.from([]), { isTTY: false });
  const code = await main(args, { stdin, stdout, stderr, env: { LOG_LEVEL: 'info', ...env } });
  const lines = stderr.text().split('\n').filter(Boolean);
  return {
    code,
    stdout: stdout.text(),
    stderr: stderr.text(),
    message: lines.filter((l) => !l.startsWith('{')),
    warnings: lines
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; where?: string })
      .filter((l) => l.level === 40),
  };
}

describe('first start: seeding', () => {
  it('an empty PAPERBOY_SEEDS_DIR is an OperatorError, nothing is recorded, and the next start with the real seeds ingests them', async () => {
    const data = tmpDir();
    const empty = tmpDir('pb-empty-seeds-');
    const first = await run(['papers', '--json'], { PAPERBOY_DATA_DIR: data, PAPERBOY_SEEDS_DIR: empty });
    expect(first.code).toBe(2);
    expect(first.stdout).toBe('');
    expect(first.message).toEqual([
      `The seeds folder ${empty} (PAPERBOY_SEEDS_DIR) has no page dumps (no *.txt files); nothing was ingested.`,
      expect.stringMatching(/^Point PAPERBOY_SEEDS_DIR \(or ingest --seeds\) at a folder of Hugging Face Daily Papers page dumps/),
    ]);
    // Not marked as seeded: the next start tries again, and fails again while the folder is empty.
    expect((await run(['papers', '--json'], { PAPERBOY_DATA_DIR: data, PAPERBOY_SEEDS_DIR: empty })).code).toBe(2);
    const fixed = await run(['papers', '--json'], { PAPERBOY_DATA_DIR: data, PAPERBOY_SEEDS_DIR: SEEDS });
    expect(fixed.code).toBe(0);
    expect((JSON.parse(fixed.stdout) as unknown[]).length).toBe(242);
    expect(fixed.stderr).toMatch(/seed corpus ingested/);
    // Seeded once is enough: a later start does not need the folder.
    expect((await run(['papers', '--json'], { PAPERBOY_DATA_DIR: data, PAPERBOY_SEEDS_DIR: empty })).code).toBe(0);
  });

  it('a seeds folder of files that are not page dumps is refused the same way, naming them', async () => {
    const data = tmpDir();
    const seeds = tmpDir('pb-seeds-');
    fs.copyFileSync(path.join(PROJECT_ROOT, 'README.md'), path.join(seeds, 'README.txt'));
    const r = await run(['search', 'memory'], { PAPERBOY_DATA_DIR: data, PAPERBOY_SEEDS_DIR: seeds });
    expect(r.code).toBe(2);
    expect(r.message[0]).toBe(
      `The seeds folder ${seeds} (PAPERBOY_SEEDS_DIR) has no page dumps (1 .txt file, none of them a Daily Papers page: README.txt); nothing was ingested.`,
    );
  });

  it('a seed page with an upvote count too large to store: that entry is skipped with a warning naming file and line, every other paper is stored', async () => {
    const data = tmpDir();
    const seeds = tmpDir('pb-seeds-');
    for (const f of fs.readdirSync(SEEDS)) fs.copyFileSync(path.join(SEEDS, f), path.join(seeds, f));
    fs.writeFileSync(
      path.join(seeds, 'zz_bad.txt'),
      pageHeader() + pageEntry('Overflowing Paper', 'Too many votes.', '  • 2 authors\n·\nNov 20 99999999999999999999') + pageEntry('Fine Paper', 'Normal.'),
    );
    const r = await run(['papers', '--json'], { PAPERBOY_DATA_DIR: data, PAPERBOY_SEEDS_DIR: seeds });
    expect(r.code).toBe(0);
    const titles = (JSON.parse(r.stdout) as Array<{ title: string }>).map((p) => p.title);
    expect(titles).toHaveLength(243);
    expect(titles).toContain('Fine Paper');
    expect(titles).not.toContain('Overflowing Paper');
    expect(r.warnings).toEqual([
      expect.objectContaining({
        where: 'zz_bad.txt:13',
        msg: 'seed page: skipped an entry paperboy cannot store: upvotes (100000000000000000000) is larger than paperboy can store',
      }),
    ]);
    expect(r.stderr).not.toMatch(/ZodError|"code":\s*"too_big"/);
  });

  it('a failed seeding when papers are already stored is a warning: the papers are served, and seeding is tried again next start', async () => {
    const data = tmpDir();
    const store = await openStore(databaseFile(data));
    await store.upsert(loadSeedDir(SEEDS).papers.slice(0, 10));
    store.close();
    const empty = tmpDir('pb-empty-seeds-');
    const r = await run(['papers', '--json'], { PAPERBOY_DATA_DIR: data, PAPERBOY_SEEDS_DIR: empty });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(10);
    expect(r.warnings.map((w) => w.msg)).toEqual(['seed corpus not ingested; serving the papers already stored, and trying again next start']);
    const later = await run(['papers', '--json'], { PAPERBOY_DATA_DIR: data, PAPERBOY_SEEDS_DIR: SEEDS });
    expect((JSON.parse(later.stdout) as unknown[]).length).toBe(242);
  });
});

describe('ingest --seeds', () => {
  it('skips a README copied in as .txt, says so in the summary, and stores no paper from it', async () => {
    const data = tmpDir();
    const dir = tmpDir('pb-seeds-');
    fs.copyFileSync(path.join(PROJECT_ROOT, 'README.md'), path.join(dir, 'README.txt'));
    fs.writeFileSync(path.join(dir, 'page.txt'), pageHeader() + pageEntry('One Real Paper', 'Its abstract.'));
    const r = await run(['ingest', '--seeds', dir], { PAPERBOY_DATA_DIR: data });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `Ingested 1 files from ${dir}: 1 entries, 1 papers (1 new, 0 updated, 0 unchanged), 1 file skipped (not a Daily Papers page), 1 warning (see log).\n`,
    );
    expect(r.warnings).toEqual([expect.objectContaining({ where: 'README.txt:1', msg: expect.stringMatching(/not a Daily Papers page dump/) })]);
    const titles = (JSON.parse((await run(['papers', '--json'], { PAPERBOY_DATA_DIR: data })).stdout) as Array<{ title: string }>).map((p) => p.title);
    expect(titles).toContain('One Real Paper');
    expect(titles.filter((t) => /Invite the bot|^#/.test(t))).toEqual([]);
  });

  it(`50,000 malformed blocks are counted, not logged one by one: ${LOGGED_WARNINGS} warnings, then one line with the count`, async () => {
    const data = tmpDir();
    const dir = tmpDir('pb-seeds-');
    const bad = 'broken line one\nbroken line two\n\n'.repeat(50_000);
    fs.writeFileSync(path.join(dir, 'page.txt'), pageHeader() + pageEntry('Survivor', 'Still stored.') + bad);
    const r = await run(['ingest', '--seeds', dir], { PAPERBOY_DATA_DIR: data });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 entries, 1 papers \(1 new.*50000 warnings \(see log\)\.$/m);
    expect(r.warnings).toHaveLength(LOGGED_WARNINGS + 1);
    expect(r.warnings[0]).toMatchObject({ where: 'page.txt:21' });
    expect(r.warnings.at(-1)?.msg).toBe(`${50_000 - LOGGED_WARNINGS} more warnings like these were not logged (50000 in all)`);
  });
});

describe('data folder and database faults, through the CLI', () => {
  it('a data dir that is a file prints what is wrong and what to do, exits 2 (the environment does not allow it), and shows no stack', async () => {
    const file = path.join(tmpDir(), 'data');
    fs.writeFileSync(file, '');
    const r = await run(['papers', '--json'], { PAPERBOY_DATA_DIR: file });
    expect(r.code).toBe(2);
    expect(r.message).toEqual([
      `PAPERBOY_DATA_DIR is ${file}, but that is a file, not a folder.`,
      `Point PAPERBOY_DATA_DIR at a folder (paperboy creates it when it is missing), or move the file ${file} away.`,
    ]);
    expect(r.stderr).not.toMatch(/paperboy failed|EEXIST|"stack"/);
  });

  it('a damaged database is refused by path before any command runs, and left byte-identical', async () => {
    const data = tmpDir();
    expect((await run(['papers', '--json'], { PAPERBOY_DATA_DIR: data })).code).toBe(0);
    const db = databaseFile(data);
    const pages = fs.statSync(db).size / 4096;
    const fd = fs.openSync(db, 'r+');
    fs.writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, Math.floor(pages / 2) * 4096);
    fs.closeSync(fd);
    const before = fs.readFileSync(db);
    const r = await run(['search', 'memory'], { PAPERBOY_DATA_DIR: data });
    expect(r.code).toBe(2);
    expect(r.message[0]).toMatch(new RegExp(`^The paper database ${db} is damaged \\(PRAGMA quick_check: `));
    expect(r.stdout).not.toMatch(/sorry|apolog/i);
    expect(fs.readFileSync(db).equals(before)).toBe(true);
  });
});
