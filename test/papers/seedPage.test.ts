// Seed page parser: counts, tricky entries, year inference, merging, recognising a page by its header, and robustness on arbitrary text.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSeedDir } from '../../src/papers/seeds.js';
import { parseSeedPage, seedPageToPapers } from '../../src/papers/seedPage.js';
import { PROJECT_ROOT } from '../../src/config.js';

const SEEDS = path.join(PROJECT_ROOT, 'seeds');
const load = loadSeedDir(SEEDS);
const byTitle = (t: string) => load.papers.find((p) => p.title === t);

const page = (entries: string) =>
  `new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\nbyAK and the research community\n\nNov 27\n\n${entries}`;

describe('seed parser on the shipped corpus', () => {
  it('reads 371 entries in five files, merged into 242 distinct papers, with no warnings', () => {
    expect(load.files).toHaveLength(5);
    expect(load.entries).toBe(371);
    expect(load.papers).toHaveLength(242);
    expect(load.warnings).toEqual([]);
  });

  it('keeps look-alike titles apart (two MemOS, two Task Memory Engine, MemoryBank vs Memory Bank Compression)', () => {
    expect(load.papers.filter((p) => p.title.startsWith('MemOS:'))).toHaveLength(2);
    expect(load.papers.filter((p) => p.title.startsWith('Task Memory Engine'))).toHaveLength(2);
    expect(byTitle('MemoryBank: Enhancing Large Language Models with Long-Term Memory')).toBeDefined();
    expect(byTitle('Memory Bank Compression for Continual Adaptation of Large Language Models')).toBeDefined();
  });

  it('keeps LaTeX leftovers verbatim as the source text search indexes, and shows them cleaned', () => {
    const h2o = load.papers.find((p) => p.rawText?.title?.startsWith('H$_2$O: Heavy-Hitter Oracle'));
    expect(h2o?.title).toMatch(/^H₂O: Heavy-Hitter Oracle/);
    expect(load.papers.some((p) => p.rawText?.abstract?.includes('\\url{'))).toBe(true);
    expect(load.papers.some((p) => p.abstract.includes('\\url{'))).toBe(false);
  });

  it('reads org lines as the display name and author lines as a count', () => {
    const memtrack = load.papers.find((p) => p.title.startsWith('MEMTRACK'));
    expect(memtrack?.org).toBe('Patronus AI');
    const kube = load.papers.find((p) => p.title.startsWith('KubeIntellect'));
    expect(kube?.authorCount).toBe(2);
    expect(kube?.org).toBeNull();
  });

  it('takes metadata from whichever copy of a paper has it', () => {
    // The Jul 28 page (002) has no metadata at all; papers also listed elsewhere still get dates.
    const onlyMeta = load.papers.filter((p) => p.sources.some((s) => s.name.includes('002_')) && p.sources.length > 1);
    expect(onlyMeta.length).toBeGreaterThan(0);
    expect(onlyMeta.some((p) => p.publishedAt !== null)).toBe(true);
  });

  it('gives papers that only appear on the year-less page no date', () => {
    const only002 = load.papers.filter((p) => p.sources.every((s) => s.name.includes('002_')));
    expect(only002.length).toBeGreaterThan(0);
    expect(only002.every((p) => p.publishedAt === null && p.upvotes === null)).toBe(true);
  });
});

describe('seed parser on crafted pages', () => {
  it('reads upvotes after the date, explicit years, and infers the page year from the largest explicit year', () => {
    const p = parseSeedPage(
      page('A Title\n\nAn abstract.\n\n  • 1 authors\n·\nNov 5 3\n\nB Title\n\nB abstract.\n\nOrg-X Org X Lab\n·\nJul 30, 2024 2\n\nC Title\n\nC abstract.\n'),
      'crafted.txt',
    );
    expect(p.warnings).toEqual([]);
    expect(p.pageDate).toEqual({ month: 11, day: 27, year: 2025 });
    const papers = seedPageToPapers(p);
    expect(papers.map((x) => [x.title, x.publishedAt, x.upvotes, x.authorCount, x.org])).toEqual([
      ['A Title', '2025-11-05', 3, 1, null],
      ['B Title', '2024-07-30', 2, null, 'Org X Lab'],
      ['C Title', null, null, null, null],
    ]);
  });

  it('puts a year-less date that would fall after the page date into the previous year', () => {
    const p = parseSeedPage(page('A\n\nabs\n\n  • 2 authors\n·\nDec 30\n\nB\n\nabs\n\n  • 2 authors\n·\nJan 2, 2024\n'), 'x.txt');
    expect(seedPageToPapers(p)[0]?.publishedAt).toBe('2024-12-30');
  });

  it('leaves dates null on a page with no explicit year', () => {
    const p = parseSeedPage(page('A\n\nabs\n\n  • 2 authors\n·\nNov 2 4\n'), 'x.txt');
    expect(p.pageDate?.year).toBeNull();
    expect(seedPageToPapers(p)[0]?.publishedAt).toBeNull();
    expect(seedPageToPapers(p)[0]?.upvotes).toBe(4);
  });

  it('skips a malformed block with a warning naming file and line, and keeps the rest', () => {
    const p = parseSeedPage(page('Good\n\nabs\n\nbroken line one\nbroken line two\n\nAlso good\n\nabs two\n'), 'bad.txt');
    expect(p.entries.map((e) => e.title)).toEqual(['Good', 'Also good']);
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toMatchObject({ file: 'bad.txt', line: 17 });
  });

  it('never throws on arbitrary text, with or without a page header, and every entry it returns has a title and abstract', () => {
    const line = fc.oneof(
      fc.string(),
      fc.constantFrom('', '·', '  • 3 authors', 'Nov 5 3', 'Jul 30, 2024 2', 'Org Org Name', 'Title', 'Daily Papers', 'Nov 27'),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.array(line, { maxLength: 60 }), (header, lines) => {
        const p = parseSeedPage(`${header ? page('') : ''}${lines.join('\n')}`, 'fuzz.txt');
        const papers = seedPageToPapers(p);
        return papers.every((x) => x.title !== '' && x.abstract !== '' && (x.publishedAt === null || /^\d{4}-\d{2}-\d{2}$/.test(x.publishedAt)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('seed parser: what counts as a page dump', () => {
  it('reads each of the five shipped dumps as a page with its date', () => {
    for (const f of load.files) {
      const p = parseSeedPage(fs.readFileSync(path.join(SEEDS, f), 'utf8'), f);
      expect([f, p.isPage, p.pageDate?.month !== undefined]).toEqual([f, true, true]);
    }
  });

  it('finds the header without the badge and newsletter lines, with CRLF, a BOM, indentation, extra blank lines or "by AK"', () => {
    const entries = 'A Title\n\nAn abstract.\n\n  • 2 authors\n·\nNov 5 3\n';
    const variants = [
      `Daily Papers\n\nbyAK and the research community\n\nNov 27\n\n${entries}`,
      `\uFEFF${page(entries)}`.replace(/\n/g, '\r\n'),
      `new\n\n\n\nSubscribe\n\n   Daily Papers  \n\n\n\nby AK and the research community\n\n\nNov 27\n\n\n${entries}`,
      `Daily Papers\nNov 27\n\n${entries}`,
    ];
    for (const text of variants) {
      const p = parseSeedPage(text, 'v.txt');
      expect(p.isPage).toBe(true);
      expect(p.warnings).toEqual([]);
      expect(p.pageDate).toMatchObject({ month: 11, day: 27 });
      expect(p.entries.map((e) => [e.title, e.upvotes])).toEqual([['A Title', 3]]);
    }
  });

  it('a page with the header but no page date is still read, with a warning', () => {
    const p = parseSeedPage('Daily Papers\n\nbyAK and the research community\n\nA Title\n\nAn abstract.\n', 'nodate.txt');
    expect(p.isPage).toBe(true);
    expect(p.entries.map((e) => e.title)).toEqual(['A Title']);
    expect(p.warnings).toEqual([{ file: 'nodate.txt', line: 1, message: expect.stringMatching(/no page date/) }]);
  });

  it('a README copied in as .txt is not a page: no entries, one warning naming the file', () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const p = parseSeedPage(readme, 'README.txt');
    expect(p.isPage).toBe(false);
    expect(p.entries).toEqual([]);
    expect(p.warnings).toEqual([{ file: 'README.txt', line: 1, message: expect.stringMatching(/^not a Daily Papers page dump .*the file was skipped$/) }]);
  });

  it('"Daily Papers" deep inside a text, past the header lines, does not make it a page', () => {
    const text = `${Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n')}\nDaily Papers\nNov 27\n\nA\n\nabs\n`;
    expect(parseSeedPage(text, 'late.txt').isPage).toBe(false);
  });
});
