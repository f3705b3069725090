// `paperboy serve` with the live ingest, in-process on the console chat: today's list is ingested at start and answered; with no network, a warning and the seeds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../adapters/cli/index.js';
import { manualStopSignal } from '../../src/serve.js';
import { FakeHf, fakeSleep, recordedList } from '../fakes/hf.js';
import { FakeClock } from '../support/core.js';
import { FakeTimers } from '../support/timers.js';
import { sink } from '../support/streams.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

/** Starts `serve` on a terminal-like stdin (the console chat); returns its streams and a way to type. */
function serveConsole(env: Record<string, string>, opts: { ttyStderr?: boolean } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-serve-live-'));
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  const stdout = sink();
  const stderr = sink(opts.ttyStderr ?? false);
  // 15:00 UTC is 11:00 in New York: today's list is the 12th's.
  const clock = new FakeClock(new Date('2026-06-12T15:00:00Z'));
  const timers = new FakeTimers(clock);
  const stop = manualStopSignal();
  const exited = main(
    ['serve'],
    { stdin, stdout, stderr, env: { PAPERBOY_DATA_DIR: dataDir, ...env } },
    { clock, timers, sleep: fakeSleep(clock), stopSignal: () => stop },
  );
  cleanups.push(async () => {
    stdin.end();
    await exited;
  });
  return { stdin, stdout, stderr, exited, timers };
}

describe('serve with the live ingest', () => {
  it("ingests today's list at start, answers from it, and schedules the next run", async () => {
    const hf = await new FakeHf().listen();
    cleanups.push(() => hf.close());
    hf.days.set('2026-06-12', recordedList());
    const { stdin, stdout, exited, timers } = serveConsole({ HF_API_URL: hf.apiUrl });
    await until(() => timers.count === 1);
    expect(hf.dailyRequests().map((r) => r.query.date)).toEqual(['2026-06-12']);
    const top = [...recordedList()].sort((a, b) => b.paper.upvotes - a.paper.upvotes)[0];
    stdin.write('trending today\n');
    await until(() => stdout.text().includes(top?.paper.title.slice(0, 30) ?? '?'));
    stdin.end();
    expect(await exited).toBe(0);
  });

  it('with no network, start does not hang: a warning, and the seed corpus still answers', async () => {
    const hf = await new FakeHf().listen();
    const url = hf.apiUrl;
    await hf.close();
    const { stdin, stdout, stderr, exited, timers } = serveConsole({ HF_API_URL: url });
    stdin.write('search checkpointing\n');
    await until(() => /checkpointing/i.test(stdout.text()) && timers.count === 1);
    expect(stderr.text()).toMatch(/live ingest failed: serving the papers already stored/);
    expect(stderr.text()).toMatch(/ECONNREFUSED/);
    stdin.end();
    expect(await exited).toBe(0);
  });

  it('with no network, on a terminal, the warning is one sentence above the prompt, never a JSON log line', async () => {
    const hf = await new FakeHf().listen();
    const url = hf.apiUrl;
    await hf.close();
    const { stdin, stdout, stderr, exited, timers } = serveConsole({ HF_API_URL: url }, { ttyStderr: true });
    await until(() => timers.count === 1);
    // eslint-disable-next-line no-control-regex
    const shown = () => stdout.text().replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
    await until(() => /live ingest failed/.test(shown() + stderr.text()));
    // One sentence (wrapped at the terminal width), then the prompt drawn again under it.
    const note = shown().slice(shown().indexOf('Warning:'));
    expect(note).toMatch(/\npaperboy> $/);
    expect(note.replace(/\s+/g, ' ')).toMatch(
      /^Warning: live ingest failed: serving the papers already stored; trying again in \d+ min \(PAPERBOY_LIVE=off turns it off for offline use\)\. Cause: .*ECONNREFUSED.*\. paperboy> $/,
    );
    expect(stdout.text()).not.toMatch(/"level"/);
    expect(stderr.text()).not.toMatch(/"level"/);
    stdin.write('search checkpointing\n');
    await until(() => /checkpointing/i.test(shown().slice(shown().indexOf('Cause:'))));
    stdin.end();
    expect(await exited).toBe(0);
  });

  it('PAPERBOY_LIVE=off makes no request at all', async () => {
    const hf = await new FakeHf().listen();
    cleanups.push(() => hf.close());
    const { stdin, stdout, exited, timers } = serveConsole({ HF_API_URL: hf.apiUrl, PAPERBOY_LIVE: 'off' });
    stdin.write('search checkpointing\n');
    await until(() => /checkpointing/i.test(stdout.text()));
    stdin.end();
    expect(await exited).toBe(0);
    expect(hf.requests).toEqual([]);
    expect(timers.count).toBe(0);
  });
});
