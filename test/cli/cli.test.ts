// The CLI as a user runs it, in-process through main(argv, io): JSON on stdout alone, clear errors, nothing overwritten.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../adapters/cli/index.js';
import { GUIDE } from '../../commands/ask.js';
import { PROJECT_ROOT } from '../../src/config.js';
import type { Clock } from '../../src/ports.js';
import { sink } from '../support/streams.js';

let dataDir: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `paperboy <args>` in this process with its own streams and environment (no spawn, no SDK import). */
async function run(args: string[], opts: { input?: string; env?: Record<string, string>; tty?: boolean; clock?: Clock } = {}): Promise<Run> {
  const stdout = sink();
  const stderr = sink();
  const stdin = Object.assign(Readable.from(opts.input === undefined || opts.input === '' ? [] : [opts.input]), { isTTY: opts.tty ?? false });
  const code = await main(
    args,
    { stdin, stdout, stderr, env: { PAPERBOY_DATA_DIR: dataDir, LOG_LEVEL: 'info', ...opts.env } },
    opts.clock ? { clock: opts.clock } : {},
  );
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-cli-'));
});
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('paperboy CLI', () => {
  it('papers --json prints every stored paper as one JSON array on stdout, logs on stderr', async () => {
    const r = await run(['papers', '--json']);
    expect(r.code).toBe(0);
    const papers = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(papers).toHaveLength(242);
    for (const p of papers) {
      expect(Object.keys(p)).toEqual(expect.arrayContaining(['id', 'title', 'abstract', 'authors', 'authorCount', 'org', 'publishedAt', 'upvotes']));
      expect(p.publishedAt === null || /^\d{4}-\d{2}-\d{2}$/.test(String(p.publishedAt))).toBe(true);
    }
    expect(r.stderr).toMatch(/seed corpus ingested/);
  });

  it('search --json returns ranked hits with score and snippet', async () => {
    const r = await run(['search', 'kv cache quantization', '--limit', '3', '--json']);
    expect(r.code).toBe(0);
    const hits = JSON.parse(r.stdout) as Array<{ rank: number; score: number; title: string; snippet: string }>;
    expect(hits.map((h) => h.rank)).toEqual([1, 2, 3]);
    expect(hits.every((h) => h.score > 0 && h.snippet.length > 0)).toBe(true);
    expect(hits.some((h) => /KV Cache/i.test(h.title))).toBe(true);
  });

  it('search with queries on stdin prints one JSON array per line, in order', async () => {
    const r = await run(['search', '--json', '--limit', '2'], { input: 'checkpointing\n\nqqqzzzxx\nbrain tumour segmentation\n' });
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Array<{ title: string }>);
    expect(lines).toHaveLength(4);
    expect(lines[0]?.[0]?.title).toMatch(/Checkpoint/i);
    expect(lines[1]).toEqual([]);
    expect(lines[2]).toEqual([]);
    expect(lines[3]?.length).toBe(2);
  });

  it('a bad line in batch search prints an error object, keeps the order, and fails the exit code', async () => {
    const r = await run(['search', '--json', '--limit', '1'], { input: 'checkpointing\nsince:2025-13 memory\nqqqzzzxx\n' });
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatchObject({ error: expect.stringMatching(/since:YYYY/) });
    expect(lines[2]).toEqual([]);
  });

  it('-word in a query excludes it instead of being read as an option, and --offset pages', async () => {
    const all = JSON.parse((await run(['search', 'checkpointing', '--limit', '50', '--json'])).stdout) as Array<{ title: string; abstract: string }>;
    const r = await run(['search', 'checkpointing', '-distributed', '--limit', '50', '--json']);
    expect(r.code).toBe(0);
    const some = JSON.parse(r.stdout) as Array<{ title: string; abstract: string }>;
    expect(some.length).toBeGreaterThan(0);
    expect(some.length).toBeLessThan(all.length);
    expect(some.every((p) => !/distributed/i.test(`${p.title} ${p.abstract}`))).toBe(true);
    const page2 = JSON.parse((await run(['search', 'checkpointing', '--limit', '2', '--offset', '2', '--json'])).stdout) as Array<{
      rank: number;
      title: string;
    }>;
    expect(page2.map((p) => p.rank)).toEqual([3, 4]);
    expect(page2.map((p) => p.title)).toEqual(all.slice(2, 4).map((p) => p.title));
    const human = await run(['search', 'checkpointing', '--limit', '2']);
    expect(human.stdout).toMatch(/Add --offset 2 for more\./);
  });

  it('trending takes a bare period and the relative words the help names', async () => {
    const bare = await run(['trending', '2025-W40', '--json']);
    expect(bare.code).toBe(0);
    expect((JSON.parse(bare.stdout) as { papers: unknown[] }).papers.length).toBeGreaterThan(0);
    for (const args of [
      ['--date', 'today'],
      ['--date', 'yesterday'],
      ['--week', 'week'],
      ['--month', 'month'],
    ]) {
      const r = await run(['trending', ...args, '--json']);
      expect(r.code).toBe(0);
    }
  });

  it('an unknown --option is refused instead of being searched for; --help explains search', async () => {
    const r = await run(['search', 'kv', 'cache', '--jsn']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Unknown option --jsn/);
    const help = await run(['search', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: paperboy search/);
  });

  it('a query that matches nothing is [] in JSON with exit 0, single or batch', async () => {
    const one = await run(['search', 'qqqzzzxx', '--json']);
    expect(one).toMatchObject({ code: 0, stdout: '[]\n' });
    const batch = await run(['search', '--json', '--limit', '1', '--offset', '1'], { input: 'qqqzzzxx\ncheckpointing\n' });
    expect(batch.code).toBe(0);
    const [none, second] = batch.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Array<{ rank: number }>);
    expect(none).toEqual([]);
    expect(second?.map((h) => h.rank)).toEqual([2]);
  });

  it('paper accepts an arXiv or Hugging Face URL as an id, and says plainly when no such id is stored', async () => {
    const r = await run(['paper', 'https://arxiv.org/abs/2402.02750v2']);
    expect(r.code).toBe(1);
    // Errors go to stderr, so stdout only ever holds answers.
    expect(r.stderr).toMatch(/No paper with arXiv id 2402.02750 is stored/);
    expect(r.stdout).toBe('');
  });

  it('ingest from a folder with no page dumps says so and fails', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-empty-'));
    const r = await run(['ingest', '--seeds', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no page dumps/);
    fs.rmSync(empty, { recursive: true, force: true });
  });

  it('trending --week lists that ISO week by upvotes', async () => {
    const r = await run(['trending', '--week', '2025-W40', '--json']);
    expect(r.code).toBe(0);
    const hits = (JSON.parse(r.stdout) as { papers: Array<{ publishedAt: string; upvotes: number }> }).papers;
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.publishedAt >= '2025-09-29' && h.publishedAt <= '2025-10-05')).toBe(true);
    const votes = hits.map((h) => h.upvotes ?? 0);
    expect([...votes].sort((a, b) => b - a)).toEqual(votes);
  });

  it('a bad date is refused with the expected format named', async () => {
    const r = await run(['trending', '--date', '27-11-2025']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/YYYY-MM-DD/);
    expect(r.stdout).toBe('');
  });

  it('paper prints details as JSON', async () => {
    const r = await run(['paper', 'Informer: Beyond Efficient Transformer', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ title: expect.stringMatching(/^Informer/) });
  });

  it('human output wraps at the terminal width', async () => {
    const r = await run(['search', 'checkpointing', '--limit', '2'], { env: { COLUMNS: '60' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Search: checkpointing/);
    const long = r.stdout.split('\n').filter((l) => !l.trim().startsWith('https://') && l.length > 60);
    expect(long).toEqual([]);
  });

  it('serve without a terminal and without a platform says what to configure and exits non-zero', async () => {
    const r = await run(['serve']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SLACK_BOT_TOKEN/);
    expect(r.stderr).toMatch(/DISCORD_TOKEN/);
  });

  it('half-set Slack variables stop start-up naming what is missing, never echoing the token', async () => {
    const r = await run(['papers', '--json'], { env: { SLACK_BOT_TOKEN: 'xoxb-very-secret-token' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SLACK_APP_TOKEN/);
    expect(r.stderr).not.toMatch(/very-secret/);
  });

  it('an unreadable seeds folder is a clear error naming the path', async () => {
    const r = await run(['ingest', '--seeds', '/nonexistent/seeds-folder']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\/nonexistent\/seeds-folder/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('ingest is idempotent', async () => {
    const r = await run(['ingest', '--seeds', path.join(PROJECT_ROOT, 'seeds')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/371 entries, 242 papers \(0 new, 0 updated, 242 unchanged\)/);
  });

  it('a corrupt database file is reported by path and left untouched', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-corrupt-'));
    const db = path.join(dir, 'paperboy.db');
    fs.writeFileSync(db, 'garbage, not a database '.repeat(100));
    const before = fs.readFileSync(db);
    const r = await run(['papers', '--json'], { env: { PAPERBOY_DATA_DIR: dir } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(db);
    expect(fs.readFileSync(db).equals(before)).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--offset past the end says there is nothing there and how many there are', async () => {
    const r = await run(['search', 'checkpointing', '--offset', '900']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nothing at offset 900: "checkpointing" has \d+ results/);
    expect(r.stderr).toMatch(/the last page starts at offset \d+/);
    expect(r.stdout).not.toMatch(/Showing 901/);
    const trending = await run(['trending', '2025-W40', '--offset', '500']);
    expect(trending.code).toBe(1);
    expect(trending.stderr).toMatch(/nothing at offset 500/);
  });

  it('trending --json says which period was asked for, which is shown, and the total', async () => {
    const clock: Clock = { now: () => new Date('2026-12-02T15:00:00Z') };
    const r = await run(['trending', 'today', '--json'], { clock });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      asked: { label: string };
      shown: { label: string; kind: string };
      total: number;
      offset: number;
      notice: string;
      papers: Array<{ publishedAt: string; rank: number }>;
    };
    expect(out.asked.label).toBe('2026-12-02');
    expect(out.shown.kind).toBe('day');
    expect(out.shown.label < '2026-12-02').toBe(true);
    expect(out.notice).toMatch(/No papers on 2026-12-02/);
    expect(out.total).toBeGreaterThanOrEqual(out.papers.length);
    expect(out.papers.length).toBeGreaterThan(0);
    expect(out.papers.every((p) => p.publishedAt === out.shown.label)).toBe(true);
    expect(out.offset).toBe(0);
  });

  it('a bad flag value is a sentence naming the flag and its range, not zod text', async () => {
    for (const [args, want] of [
      [['search', 'kv cache', '--limit', '0'], /^--limit must be a whole number from 1 to 50 \(you gave 0\)\./],
      [['search', 'kv cache', '--limit', 'ten'], /^--limit must be a whole number from 1 to 50 \(you gave ten\)\./],
      [['trending', '--limit', '99'], /^--limit must be a whole number from 1 to 25/],
      [['topic', 'kv cache', '--offset', '-1'], /^--offset must be a whole number from 0 to 1000/],
      [['trending', '--week', '2025-11-27'], /^--week 2025-11-27 is not a week: use YYYY-Www/],
      [['trending', '--date', '2025-11-27', '--month', '2025-11'], /^Give one period/],
    ] as const) {
      const r = await run([...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(want);
      expect(r.stderr).not.toMatch(/Too small|Too big|Invalid input|expected number|NaN/);
    }
  });

  it('a bad environment variable is a sentence naming it and what it must be; LOG_LEVEL takes any case', async () => {
    const port = await run(['papers', '--json'], { env: { SLACK_PORT: 'abc' } });
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/SLACK_PORT must be a whole number from 1 to 65535\./);
    expect(port.stderr).not.toMatch(/NaN|received|expected/);
    const level = await run(['papers', '--json'], { env: { LOG_LEVEL: 'DEBUG' } });
    expect(level.code).toBe(0);
    const bad = await run(['papers', '--json'], { env: { LOG_LEVEL: 'loud' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/);
  });

  it('every subcommand treats --help, unknown flags and stray words the same way', async () => {
    for (const sub of ['search', 'trending', 'paper', 'topic', 'papers', 'ingest', 'serve', 'register']) {
      const help = await run([sub, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: paperboy ${sub}`));
      const bad = await run([sub, '--frobnicate']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(new RegExp(`^Unknown option --frobnicate for ${sub}\\.`));
      expect(bad.stderr).not.toMatch(/ERR_PARSE_ARGS|TypeError/);
    }
    // topic --help is help, not the topic list.
    expect((await run(['topic', '--help'])).stdout).not.toMatch(/Known topics/);
    const words = await run(['papers', 'everything']);
    expect(words.code).toBe(1);
    expect(words.stderr).toMatch(/papers takes no words/);
  });

  it('-n is --limit, while an unknown one-letter flag is refused rather than searched for', async () => {
    const r = await run(['search', 'kv', 'cache', '-n', '3', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(3);
    const x = await run(['search', 'kv', 'cache', '-x', '3']);
    expect(x.code).toBe(1);
    expect(x.stderr).toMatch(/Unknown option -x for search/);
  });

  it('--version prints the package version; help lists every subcommand', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect((await run(['--version'])).stdout).toBe(`paperboy ${pkg.version}\n`);
    const help = await run(['help']);
    expect(help.code).toBe(0);
    for (const sub of ['search', 'trending', 'paper', 'topic', 'papers', 'ingest', 'serve', 'register'])
      expect(help.stdout).toMatch(new RegExp(`^  ${sub}\\b`, 'm'));
    expect((await run(['help', 'trending'])).stdout).toMatch(/--week YYYY-WWW|--week WEEK/);
  });

  it('search with no words on a terminal shows how to search instead of waiting for stdin (a mistake in what was asked: exit 1)', async () => {
    const r = await run(['search'], { tty: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Give some words to search for/);
    expect(r.stderr).toMatch(/Usage: search/);
    expect(r.stderr).toMatch(/Examples/);
  });

  it('exit codes for empty input follow one rule: text with no words to look up exits 1 with a sentence, for search, ask, paper and topic alike', async () => {
    for (const [sub, text] of [
      ['search', '🚀'],
      ['ask', '🚀🚀🚀'],
      ['paper', '🚀'],
      ['topic', '🚀'],
      ['ask', '???'],
      ['paper', '!!'],
    ] as const) {
      const r = await run([sub, text]);
      expect({ sub, text, code: r.code }).toEqual({ sub, text, code: 1 });
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/has no words I can/);
      expect(r.stderr).not.toMatch(/"level"|at .*\.js/);
      const j = await run([sub, text, '--json']);
      expect(j.code).toBe(1);
      expect(JSON.parse(j.stdout)).toEqual({ error: expect.stringMatching(/has no words I can/), hints: expect.any(Array) });
    }
  });

  it('exit codes for empty input: no words where the subcommand needs some exits 1 with its usage; topic alone lists topics; batch mode is unchanged', async () => {
    for (const sub of ['search', 'ask', 'paper']) {
      for (const args of [
        [sub, ''],
        [sub, '   '],
      ]) {
        const r = await run(args, { tty: true });
        expect({ args, code: r.code }).toEqual({ args, code: 1 });
        expect(r.stderr).toMatch(new RegExp(`Usage: ${sub}`));
      }
    }
    const bare = await run(['ask'], { tty: true });
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/^Give a question/);
    const topics = await run(['topic']);
    expect(topics.code).toBe(0);
    expect(topics.stdout).toMatch(/Known topics/);
    // Batch: no words and stdin not a terminal reads queries from stdin; none is no answer, exit 0.
    expect((await run(['search'])).code).toBe(0);
    expect((await run(['ask', '--json'], { input: '\n' })).code).toBe(0);
  });

  it('a question with words is still an answer (exit 0), even when nothing matches', async () => {
    expect((await run(['ask', 'brain tumour segmentation in zebrafish?'])).code).toBe(0);
    expect((await run(['search', 'zebrafish'])).code).toBe(0);
    expect((await run(['paper', 'Informer'])).code).toBe(0);
  });

  it('ingest and register do not need the seed corpus: a broken PAPERBOY_SEEDS_DIR does not stop an ingest of another folder', async () => {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-noseed-'));
    const r = await run(['ingest', '--seeds', path.join(PROJECT_ROOT, 'seeds')], {
      env: { PAPERBOY_DATA_DIR: fresh, PAPERBOY_SEEDS_DIR: '/nonexistent/seeds' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/242 papers \(242 new/);
    fs.rmSync(fresh, { recursive: true, force: true });
  });
});

describe('paperboy help and unknown subcommands', () => {
  it('a mistyped subcommand suggests the one meant (serach → search), still exit 1 with the list', async () => {
    const r = await run(['serach', 'kv', 'cache']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Unknown subcommand "serach" — did you mean "search"\?\n\nUsage: paperboy <subcommand>/);
    const h = await run(['help', 'trendign']);
    expect(h.stderr).toMatch(/^Unknown subcommand "trendign" — did you mean "trending"\?/);
  });

  it('an unknown subcommand is a mistake in what was asked (exit 1) and lists the subcommands; help --help is the usage', async () => {
    const r = await run(['bogus']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Unknown subcommand "bogus"\.\n\nUsage: paperboy <subcommand>/);
    const h = await run(['help', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^Usage: paperboy <subcommand>/);
  });
});

describe('paperboy ask', () => {
  it('ask --json prints the answer with its citations in the order of their numbers', async () => {
    const r = await run(['ask', 'how can I compress the KV cache?', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { answer: string; citations: Array<{ n: number; id: string; title: string }> };
    expect(out.citations.length).toBeGreaterThan(0);
    expect(out.citations.map((c) => c.n)).toEqual(out.citations.map((_c, i) => i + 1));
    // Every number in the answer names a citation, first uses in order.
    const used = [...new Set([...out.answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])))];
    expect(used).toEqual(out.citations.map((c) => c.n));
    expect(out.citations.some((c) => /KV Cache/i.test(c.title))).toBe(true);
  });

  it('ask prints the answer as text with numbered cards', async () => {
    const r = await run(['ask', 'how is the kv cache quantized?']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[1\]/);
    expect(r.stdout).toMatch(/^\[1\] /m);
  });

  it('ask with questions on stdin prints one JSON object per line, in order', async () => {
    const r = await run(['ask', '--json'], { input: 'kv cache quantization\n\n¿qué hay de nuevo?\ncheckpointing\n' });
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { answer: string; citations: unknown[] });
    expect(lines).toHaveLength(4);
    expect(lines[0]?.citations.length).toBeGreaterThan(0);
    expect(lines[1]).toEqual({ answer: '', citations: [] });
    expect(lines[2]?.citations).toEqual([]);
    expect(lines[2]?.answer).toMatch(/I couldn't find/);
    expect(lines[3]?.citations.length).toBeGreaterThan(0);
  });

  it('ask --json has one shape whatever the question is routed to: a count, trending or a paper are an answer with numbered citations', async () => {
    for (const q of ['how many papers on kv cache since 2024?', "what's trending this week?", 'tell me about Informer']) {
      const r = await run(['ask', q, '--json']);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { answer: string; citations: Array<{ n: number; id: string; title: string }> };
      expect(out.answer).not.toBe('');
      expect(out.citations.length).toBeGreaterThan(0);
      expect(out.citations.map((c) => c.n)).toEqual(out.citations.map((_c, i) => i + 1));
    }
  });

  it("ask --json for a paper's details has the paper's JSON as result, as `paper --json` prints it", async () => {
    const r = await run(['ask', 'tell me about Informer', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { answer: string; citations: Array<{ id: string }>; result?: unknown };
    const paper = JSON.parse((await run(['paper', 'Informer', '--json'])).stdout) as { id: string; abstract: string };
    expect(out.citations.map((c) => c.id)).toEqual([paper.id]);
    expect(out.result).toEqual(paper);
  });

  it('every question the ask guide (and README) suggests gets an answer with papers on the seed corpus', async () => {
    const questions = GUIDE.kind === 'text' ? GUIDE.lines.filter((l) => !/^In a thread/.test(l)).map((l) => l.replace(/ \(.*\)$/, '')) : [];
    expect(questions.length).toBeGreaterThan(3);
    for (const q of questions) {
      const r = await run(['ask', q, '--json']);
      const out = JSON.parse(r.stdout) as { answer: string; citations: unknown[] };
      expect({ q, code: r.code, cited: out.citations.length > 0, zero: /^0 papers/.test(out.answer) }).toEqual({ q, code: 0, cited: true, zero: false });
    }
  });

  it("a count's next page is the same question with --offset, which ask takes", async () => {
    const r = await run(['ask', 'how many papers on the model?']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Add --offset 5 for more\./);
    const next = await run(['ask', 'how many papers on the model?', '--offset', '5']);
    expect(next.code).toBe(0);
    expect(next.stdout).toMatch(/^6\. /m);
  });
});
