// GET /healthz: 200 with adapters, last ingest and next post when every adapter is connected, 503 when one is down.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDatabase, healthReport, healthServer, type HealthServer, type HealthSources } from '../src/health.js';
import { silentLogger } from '../src/logger.js';
import { openDatabase } from '../src/store/database.js';
import { DatabaseUnavailable } from '../src/store/postgresSql.js';
import { recordingLogger } from './adapters/discord/harness.js';
import type { ChatAdapter } from '../src/ports.js';

const servers: HealthServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

function adapter(platform: string, up: () => boolean): ChatAdapter {
  return { platform, start: async () => undefined, stop: async () => undefined, post: async () => undefined, connected: up };
}

async function start(adapters: ChatAdapter[], extra: HealthSources = {}): Promise<string> {
  const s = healthServer(
    0,
    {
      lastIngest: () => '2025-11-27T14:45:00.000Z',
      nextPost: () => ({ at: new Date('2025-11-28T14:00:00Z'), platform: 'slack', channel: 'C1' }),
      ...extra,
    },
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
      database: null,
      leader: null,
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

  it('answers 503 naming the database while it does not answer (PostgreSQL gone: DatabaseUnavailable), and 200 again once it does', async () => {
    let problem: string | null = null;
    const where = 'postgres://paperboy:***@db.internal:5432/paperboy';
    const logger = recordingLogger();
    const s = healthServer(
      0,
      {
        database: {
          where,
          check: async () => {
            if (problem) throw new DatabaseUnavailable(new Error(problem));
            return null;
          },
        },
      },
      logger,
      '127.0.0.1',
    );
    servers.push(s);
    s.start([adapter('slack', () => true)]);
    await s.ready;
    const url = `http://127.0.0.1:${s.port() ?? 0}/healthz`;
    const up = await fetch(url);
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ status: 'ok', database: { where, reachable: true, problem: null } });
    problem = 'connect ECONNREFUSED 10.0.0.5:5432';
    const down = await fetch(url);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({
      status: 'down',
      database: { where, reachable: false, problem: 'the PostgreSQL server (DATABASE_URL) is unreachable: connect ECONNREFUSED 10.0.0.5:5432' },
    });
    await fetch(url);
    problem = null;
    expect((await fetch(url)).status).toBe(200);
    const said = logger.entries.map((l) => l.msg ?? '');
    expect(said.filter((m) => /does not answer/.test(m))).toHaveLength(1);
    expect(said.filter((m) => /answers again/.test(m))).toHaveLength(1);
  });

  it('a database check that hangs is a 503 saying it did not answer in time, not a hung probe', async () => {
    const report = await checkDatabase({ where: '/data/paperboy.db', check: () => new Promise<null>(() => undefined) }, 50);
    expect(report).toEqual({ where: '/data/paperboy.db', reachable: false, problem: 'it did not answer within 0.05 s' });
  });

  it('the SQLite database checks as answering, and as gone once its file is removed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-health-'));
    const file = path.join(dir, 'paperboy.db');
    const db = await openDatabase({ file });
    try {
      expect(await db.check()).toBeNull();
      fs.rmSync(file);
      expect(await db.check()).toBe(`the database file ${file} is gone`);
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('other paths are 404', async () => {
    const base = await start([]);
    expect((await fetch(`${base}/`)).status).toBe(404);
  });
});
