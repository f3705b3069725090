// GET /healthz: 200 with adapters, last ingest and next post when every adapter is connected, 503 when one is down.
import { afterEach, describe, expect, it } from 'vitest';
import { healthReport, healthServer, type HealthServer } from '../src/health.js';
import { silentLogger } from '../src/logger.js';
import type { ChatAdapter } from '../src/ports.js';

const servers: HealthServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

function adapter(platform: string, up: () => boolean): ChatAdapter {
  return { platform, start: async () => undefined, stop: async () => undefined, post: async () => undefined, connected: up };
}

async function start(adapters: ChatAdapter[]): Promise<string> {
  const s = healthServer(
    0,
    { lastIngest: () => '2025-11-27T14:45:00.000Z', nextPost: () => ({ at: new Date('2025-11-28T14:00:00Z'), platform: 'slack', channel: 'C1' }) },
    silentLogger,
    '127.0.0.1',
  );
  servers.push(s);
  s.start(adapters);
  await s.ready;
  return `http://127.0.0.1:${s.port() ?? 0}`;
}

describe('healthz', () => {
  it('answers 200 with the adapters, the last ingest and the next scheduled post when all are connected', async () => {
    const base = await start([adapter('slack', () => true), adapter('discord', () => true)]);
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      adapters: [
        { platform: 'slack', connected: true },
        { platform: 'discord', connected: true },
      ],
      lastIngest: '2025-11-27T14:45:00.000Z',
      nextPost: { at: '2025-11-28T14:00:00.000Z', platform: 'slack', channel: 'C1' },
      liveIngest: null,
    });
  });

  it('answers 503 while an adapter is down, and 200 again once it reconnects', async () => {
    let discordUp = false;
    const base = await start([adapter('slack', () => true), adapter('discord', () => discordUp)]);
    const down = await fetch(`${base}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'down', adapters: [{ connected: true }, { platform: 'discord', connected: false }] });
    discordUp = true;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('reports a live ingest that stopped restarting its crashed thread, and stays ok: serving goes on with the papers stored', () => {
    const problem = 'the live ingest thread crashed 5 times in a row; live ingest is off until serve restarts';
    const report = healthReport([adapter('slack', () => true)], { liveIngest: () => ({ running: false, lastError: problem }) });
    expect(report).toMatchObject({ status: 'ok', liveIngest: { running: false, lastError: problem } });
  });

  it('other paths are 404', async () => {
    const base = await start([]);
    expect((await fetch(`${base}/`)).status).toBe(404);
  });
});
