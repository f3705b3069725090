// A spawned `paperboy serve` with its live ingest on a worker thread: the day is stored by the thread and found by the serve's own search; SIGTERM during a hung fetch ends cleanly.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dateInZone } from '../../src/ports.js';
import { addDays } from '../../src/trending/period.js';
import { FakeHf, renumbered, type HfItem } from '../fakes/hf.js';
import { FakeSlack, FAKE_TEAM } from '../fakes/slack.js';
import { spawnPaperboy, until } from '../support/spawned.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const TITLE = 'Quokkaformer: Marsupial Attention for Tabular Forecasting';

/** The fake HF with one paper no seed has on today's list (and the days either side, should the date turn during the test). */
async function hfWithNewPaper(): Promise<FakeHf> {
  const hf = await new FakeHf().listen();
  cleanups.push(() => hf.close());
  const [base] = renumbered(1, 92) as [HfItem];
  const today = dateInZone(new Date(), 'America/New_York');
  for (const d of [addDays(today, -1), today, addDays(today, 1)]) hf.days.set(d, [{ ...base, paper: { ...base.paper, title: TITLE } }]);
  return hf;
}

async function serveSlack(env: Record<string, string>) {
  const slack = await new FakeSlack().listen();
  cleanups.push(() => slack.close());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-serve-thread-'));
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const { child, out, exited } = spawnPaperboy(
    ['serve'],
    {
      PAPERBOY_DATA_DIR: dataDir,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_APP_TOKEN: 'xapp-test-token',
      SLACK_API_URL: slack.apiUrl,
      ...env,
    },
    cleanups,
  );
  return { slack, child, out, exited };
}

describe('serve with the live ingest on its own thread', () => {
  it("ingests today's list on the ingest thread; a search in the same serve finds the new paper and /healthz reports the ingest", async () => {
    const hf = await hfWithNewPaper();
    const port = await freePort();
    const { slack, child, out, exited } = await serveSlack({ HF_API_URL: hf.apiUrl, PAPERBOY_HEALTH_PORT: String(port) });
    await until(() => /adapter started/.test(out.stderr) && /daily list ingested/.test(out.stderr));
    // Ingested by the thread: its log lines go through serve's logger, naming the thread.
    expect(out.stderr).toMatch(/"thread":"ingest".*"inserted":1.*daily list ingested/);

    await slack.sendEnvelope('slash_commands', {
      command: '/papers',
      text: 'search quokkaformer marsupial',
      user_id: 'U0ADA',
      channel_id: 'C0PAPERS',
      team_id: FAKE_TEAM,
      response_url: slack.responseUrl(),
      trigger_id: 't1',
    });
    await until(() => slack.responses.length > 0);
    expect(JSON.stringify(slack.responses[0]?.body)).toContain('Quokkaformer');

    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { lastIngest: string | null; liveIngest: unknown };
    expect(health.lastIngest).not.toBeNull();
    expect(health.liveIngest).toEqual({ running: true, lastError: null });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('SIGTERM while the thread waits on a hung Hugging Face answer stops serve cleanly', async () => {
    const hf = await hfWithNewPaper();
    hf.fail('daily_papers', { kind: 'hang' });
    const { child, out, exited } = await serveSlack({ HF_API_URL: hf.apiUrl, HF_TIMEOUT_MS: '120000' });
    await until(() => /adapter started/.test(out.stderr) && hf.dailyRequests().length > 0);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out.stderr).not.toMatch(/did not stop in time|crashed/);
    expect(out.stderr).not.toMatch(/daily list ingested/);
  });
});
