// Reading a seeds folder: entries whose values cannot be stored are skipped by file and line, files that are not pages are skipped, empty folders refused.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { OperatorError } from '../../src/errors.js';
import { paperSchema } from '../../src/papers/model.js';
import { loadSeedDir, seedSource } from '../../src/papers/seeds.js';
import { pageEntry, pageHeader } from '../support/seedPages.js';

const tmp: string[] = [];
const tmpDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-seeds-'));
  tmp.push(d);
  return d;
};
afterEach(() => {
  for (const d of tmp.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('seed folder', () => {
  it('an upvote count or author count too large to store skips that entry with a warning naming file and line, and keeps the rest', () => {
    const dir = tmpDir();
    const text =
      pageHeader() +
      pageEntry('Good One', 'Kept.', '  • 2 authors\n·\nNov 20 7') +
      pageEntry('Huge Upvotes', 'Dropped.', '  • 2 authors\n·\nNov 20 99999999999999999999') +
      pageEntry('Huge Authors', 'Dropped too.', '  • 99999999999999999999 authors\n·\nNov 20, 2024 1') +
      pageEntry('Good Two', 'Kept too.', 'Org-X Org X Lab\n·\nNov 21 3');
    fs.writeFileSync(path.join(dir, 'page.txt'), text);
    const load = loadSeedDir(dir);
    expect(load.papers.map((p) => p.title)).toEqual(['Good One', 'Good Two']);
    expect(load.papers.every((p) => paperSchema.safeParse(p).success)).toBe(true);
    expect({ entries: load.entries, rejected: load.rejected }).toEqual({ entries: 2, rejected: 2 });
    expect(load.warnings).toEqual([
      {
        file: 'page.txt',
        line: 21,
        message: expect.stringMatching(/^skipped an entry paperboy cannot store: upvotes \(100000000000000000000\) is larger than paperboy can store$/),
      },
      {
        file: 'page.txt',
        line: 29,
        message: expect.stringMatching(/^skipped an entry paperboy cannot store: authorCount \(100000000000000000000\) is larger than paperboy can store$/),
      },
    ]);
  });

  it('a bad copy of a paper on one page does not spoil the good copy from another page', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'a.txt'), pageHeader() + pageEntry('Same Title', 'Abstract.', '  • 2 authors\n·\nNov 20, 2024 99999999999999999999'));
    fs.writeFileSync(path.join(dir, 'b.txt'), pageHeader() + pageEntry('Same Title', 'Abstract.', '  • 2 authors\n·\nNov 20, 2024 5'));
    const load = loadSeedDir(dir);
    expect(load.papers.map((p) => [p.title, p.upvotes])).toEqual([['Same Title', 5]]);
    expect(load.warnings.map((w) => w.file)).toEqual(['a.txt']);
  });

  it('a .txt file without the Daily Papers header is skipped, named and counted, and gives no papers', () => {
    const dir = tmpDir();
    fs.copyFileSync(path.join(PROJECT_ROOT, 'README.md'), path.join(dir, 'README.txt'));
    fs.copyFileSync(path.join(PROJECT_ROOT, 'seeds', '000_9b85d3675956baf2.txt'), path.join(dir, '000.txt'));
    const load = loadSeedDir(dir);
    expect(load.files).toEqual(['000.txt']);
    expect(load.skipped).toEqual(['README.txt']);
    expect(load.warnings).toEqual([{ file: 'README.txt', line: 1, message: expect.stringMatching(/^not a Daily Papers page dump/) }]);
    expect(load.papers.some((p) => /Invite the bot|^#/.test(p.title))).toBe(false);
  });

  it('a folder with no page dump is an OperatorError naming the folder and where it was given', async () => {
    const empty = tmpDir();
    await expect(seedSource(empty).read()).rejects.toThrow(
      `The seeds folder ${empty} (PAPERBOY_SEEDS_DIR) has no page dumps (no *.txt files); nothing was ingested.`,
    );
    const readmeOnly = tmpDir();
    fs.writeFileSync(path.join(readmeOnly, 'notes.txt'), '# Notes\n\nNothing here.\n');
    const e = await seedSource(readmeOnly, '--seeds')
      .read()
      .catch((x: unknown) => x as OperatorError);
    expect(e).toBeInstanceOf(OperatorError);
    expect((e as OperatorError).message).toBe(
      `The seeds folder ${readmeOnly} (--seeds) has no page dumps (1 .txt file, none of them a Daily Papers page: notes.txt); nothing was ingested.`,
    );
    expect((e as OperatorError).hints[0]).toMatch(/^Point PAPERBOY_SEEDS_DIR \(or ingest --seeds\) at a folder/);
  });
});
