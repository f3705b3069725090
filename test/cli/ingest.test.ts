// `paperboy ingest --date/--since/--until/--refresh` against the fake HF API: lines or a progress bar, resumable, clear flag errors, kill -9 mid-run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../adapters/cli/index.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { FakeHf, fakeSleep, recordedList, renumbered } from '../fakes/hf.js';
import { FakeClock } from '../support/core.js';
import { sink } from '../support/streams.js';

const BIN = path.join(PROJECT_ROOT, 'bin/paperboy.js');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-cli-hf-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function fakeHf(): Promise<FakeHf> {
  const hf = await new FakeHf().listen();
  cleanups.push(() => hf.close());
  return hf;
}

/** Five weekdays and a weekend of lists made of recorded items. */
const WEEK = ['2026-06-08', '2026-06-09', '2026-06-10', '2026-06-11', '2026-06-12', '2026-06-13', '2026-06-14'];
function serveWeek(hf: FakeHf): void {
  WEEK.slice(0, 5).forEach((d, i) => hf.days.set(d, renumbered(20, 20 + i)));
}

async function run(args: string[], env: Record<string, string>, opts: { ttyErr?: boolean } = {}) {
  const stdout = sink();
  const stderr = sink(opts.ttyErr);
  const stdin = Object.assign(Readable.from([]), { isTTY: false });
  const clock = new FakeClock(new Date('2026-06-20T15:00:00Z'));
  const code = await main(args, { stdin, stdout, stderr, env: { LOG_LEVEL: 'warn', ...env } }, { clock, sleep: fakeSleep(clock) });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('paperboy ingest from the HF API', () => {
  it("--date ingests one day's list and trending for that day then shows it", async () => {
    const hf = await fakeHf();
    hf.days.set('2026-06-12', recordedList());
    const env = { PAPERBOY_DATA_DIR: tmpDir(), HF_API_URL: hf.apiUrl };
    const r = await run(['ingest', '--date', '2026-06-12'], env);
    expect(r.code).toBe(0);
    const n = recordedList().length;
    expect(r.stdout).toContain(`2026-06-12: ${n} papers (${n} new, 0 updated, 0 unchanged)`);
    expect(r.stdout).toContain(`Ingested 1 of 1 day from ${hf.apiUrl}: ${n} papers (${n} new, 0 updated, 0 unchanged).`);
    const t = await run(['trending', '2026-06-12', '--json', '--limit', '25'], env);
    const out = JSON.parse(t.stdout) as { total: number; shown: { label: string }; papers: Array<{ id: string; upvotes: number }> };
    expect(out.shown.label).toBe('2026-06-12');
    expect(out.total).toBe(n);
    const top = Math.max(...recordedList().map((i) => i.paper.upvotes));
    expect(out.papers[0]?.upvotes).toBe(top);
    // papers --json carries what the API added.
    const withRepo = recordedList().find((i) => i.paper.githubRepo);
    const all = JSON.parse((await run(['papers', '--json'], env)).stdout) as Array<{ id: string; githubRepo?: string; aiKeywords?: string[] }>;
    expect(all.find((p) => p.id === withRepo?.paper.id)).toMatchObject({ githubRepo: withRepo?.paper.githubRepo, aiKeywords: withRepo?.paper.ai_keywords });
  });

  it('--since/--until prints one line per day without a terminal, and a re-run skips completed days; --refresh fetches again', async () => {
    const hf = await fakeHf();
    serveWeek(hf);
    const env = { PAPERBOY_DATA_DIR: tmpDir(), HF_API_URL: hf.apiUrl };
    const first = await run(['ingest', '--since', WEEK[0] as string, '--until', WEEK[6] as string], env);
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n').filter((l) => /^2026-06-\d\d: /.test(l))).toHaveLength(7);
    expect(first.stdout).toContain('2026-06-13: 0 papers (0 new, 0 updated, 0 unchanged)');
    expect(first.stdout).toMatch(/Ingested 7 of 7 days from .*: 100 papers \(100 new, 0 updated, 0 unchanged\)\./);
    const requests = hf.dailyRequests().length;
    const second = await run(['ingest', '--since', WEEK[0] as string, '--until', WEEK[6] as string], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/Ingested 0 of 7 days .*7 days already complete \(skipped; --refresh fetches again\)\./);
    expect(hf.dailyRequests()).toHaveLength(requests);
    const refreshed = await run(['ingest', '--since', WEEK[0] as string, '--until', WEEK[6] as string, '--refresh'], env);
    expect(refreshed.stdout).toMatch(/Ingested 7 of 7 days .*100 papers \(0 new, 0 updated, 100 unchanged\)\./);
    expect(hf.dailyRequests()).toHaveLength(requests * 2);
  });

  it('shows a progress bar on a terminal instead of the lines', async () => {
    const hf = await fakeHf();
    serveWeek(hf);
    const r = await run(
      ['ingest', '--since', WEEK[0] as string, '--until', WEEK[4] as string],
      { PAPERBOY_DATA_DIR: tmpDir(), HF_API_URL: hf.apiUrl },
      { ttyErr: true },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/ingest \[[=-]+\] \d\/5 days/);
    expect(r.stdout).not.toMatch(/^2026-06-08: /m);
    expect(r.stdout).toMatch(/Ingested 5 of 5 days/);
  });

  it('a day the source fails is reported, the others are stored, and the exit code is non-zero', async () => {
    const hf = await fakeHf();
    serveWeek(hf);
    hf.fail('daily_papers:2026-06-10', ...Array.from({ length: 5 }, () => ({ kind: 'status', status: 502 }) as const));
    const dir = tmpDir();
    const r = await run(['ingest', '--since', WEEK[0] as string, '--until', WEEK[4] as string], {
      PAPERBOY_DATA_DIR: dir,
      HF_API_URL: hf.apiUrl,
      HF_TOKEN: 'hf_do_not_print',
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^2026-06-10: failed: The Hugging Face API .* answered 502\.$/m);
    expect(r.stdout).toMatch(/Ingested 4 of 5 days .*80 papers .*1 failed \(2026-06-10\)\./);
    expect(r.stderr).toMatch(/Run the same command again to retry them/);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/hf_do_not_print/);
  });

  it('bad flags are one clear line each, with the exit code of every other bad flag', async () => {
    const env = { PAPERBOY_DATA_DIR: tmpDir(), HF_API_URL: 'http://127.0.0.1:1/api' };
    for (const [args, want] of [
      [['--date', '2026-13-01'], /^--date 2026-13-01 is not a date: use YYYY-MM-DD/],
      [['--date', '2026-06-21'], /^--date 2026-06-21 is in the future/],
      [['--since', '2026-06-10', '--until', '2026-06-01'], /^--until 2026-06-01 is before --since 2026-06-10\./],
      [['--since', '2025-01-01', '--until', '2026-06-01'], /more than 366 days/],
      [['--refresh'], /^--refresh goes with --date or --since/],
      [['--date', '2026-06-12', '--seeds', '/tmp'], /not both/],
    ] as const) {
      const r = await run(['ingest', ...args], env);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(want);
      expect(r.stdout).toBe('');
    }
  });

  it('kill -9 mid-run keeps the days committed before it, and a re-run fetches only the rest', async () => {
    const hf = await fakeHf();
    serveWeek(hf);
    // The third day's request is never answered: the process is killed while waiting for it.
    hf.fail('daily_papers:2026-06-10', { kind: 'hang' });
    const dir = tmpDir();
    const third = new Promise<void>((resolve) => {
      hf.onRequest = (r) => {
        if (r.query.date === '2026-06-10') resolve();
      };
    });
    const child = spawn(process.execPath, [BIN, 'ingest', '--since', '2026-06-08', '--until', '2026-06-12'], {
      env: { PATH: process.env.PATH ?? '', PAPERBOY_DATA_DIR: dir, HF_API_URL: hf.apiUrl, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await closed;
    });
    await third;
    child.kill('SIGKILL');
    expect(await closed).toBe('SIGKILL');
    hf.onRequest = null;
    const db = new Database(path.join(dir, 'paperboy.db'), { readonly: true });
    const days = db.prepare('SELECT list_date FROM daily_days ORDER BY list_date').all();
    const papers = db.prepare('SELECT count(*) AS n FROM papers').get();
    db.close();
    expect(days).toEqual([{ list_date: '2026-06-08' }, { list_date: '2026-06-09' }]);
    expect(papers).toEqual({ n: 40 });
    const again = await run(['ingest', '--since', '2026-06-08', '--until', '2026-06-12'], { PAPERBOY_DATA_DIR: dir, HF_API_URL: hf.apiUrl });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Ingested 3 of 5 days .*60 papers \(60 new, 0 updated, 0 unchanged\), 2 days already complete/);
  });
});
