// SIGTERM in every start-up state: a spawned `paperboy serve` stops cleanly and promptly, also while a platform is still connecting.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { BOT_ID } from '../fakes/discord.js';

const BIN = path.join(PROJECT_ROOT, 'bin/paperboy.js');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A TCP server that accepts connections and never answers: a websocket endpoint that hangs mid-handshake. */
async function blackHole(): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

/** A tiny HTTP API: `routes[path suffix]` is the JSON answer, anything else 404. */
async function api(routes: Record<string, unknown>): Promise<string> {
  const server = http.createServer((req, res) => {
    const hit = Object.entries(routes).find(([suffix]) => (req.url ?? '').split('?')[0]?.endsWith(suffix));
    req.resume();
    res.writeHead(hit ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(hit ? hit[1] : { ok: false, error: 'unknown_method' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

/** Starts `paperboy serve`, waits until `ready` shows in its log, sends SIGTERM, and reports how it ended. */
async function stopDuring(env: Record<string, string>, ready: RegExp, settleMs = 500): Promise<{ code: number | null; ms: number; stderr: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-stop-'));
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '', PAPERBOY_DATA_DIR: dataDir, LOG_LEVEL: 'debug', PAPERBOY_LIVE: 'off', ...env },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  while (!ready.test(stderr) && child.exitCode === null) await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, settleMs));
  const sent = Date.now();
  child.kill('SIGTERM');
  const code = await closed;
  const ms = Date.now() - sent;
  console.log(`SIGTERM → exit: ${ms} ms (${Object.keys(env).find((k) => k.endsWith('_TOKEN')) ?? 'no platform'}, after /${ready.source}/)`);
  return { code, ms, stderr };
}

describe('serve stops on SIGTERM in every start-up state', () => {
  it('while it is still opening the database and reading the seeds (first start)', async () => {
    const hole = await blackHole();
    const apiUrl = await api({
      '/gateway/bot': { url: `ws://127.0.0.1:${hole}`, shards: 1, session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 } },
    });
    const r = await stopDuring({ DISCORD_TOKEN: 'test-token.not-a-secret', DISCORD_APP_ID: BOT_ID, DISCORD_API_URL: `${apiUrl}/api` }, /"msg":"starting"/, 0);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/stop requested during start-up/);
    expect(r.stderr).not.toMatch(/adapter started|did not stop in time/);
  });

  it('while Discord is still connecting to a gateway that never answers', async () => {
    const hole = await blackHole();
    const apiUrl = await api({
      '/gateway/bot': { url: `ws://127.0.0.1:${hole}`, shards: 1, session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 } },
    });
    const r = await stopDuring(
      { DISCORD_TOKEN: 'test-token.not-a-secret', DISCORD_APP_ID: BOT_ID, DISCORD_API_URL: `${apiUrl}/api` },
      /seed corpus ingested/,
      1000,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/stop requested during start-up/);
    expect(r.stderr).not.toMatch(/did not stop in time/);
  });

  it('while Slack Socket Mode is still connecting to a websocket that never answers', async () => {
    const hole = await blackHole();
    const apiUrl = await api({
      'auth.test': { ok: true, user_id: 'U0BOT', bot_id: 'B0BOT', team_id: 'T0TEAM', url: 'https://fake.slack.com/' },
      'apps.connections.open': { ok: true, url: `ws://127.0.0.1:${hole}/link` },
    });
    const r = await stopDuring(
      { SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_APP_TOKEN: 'xapp-test-token', SLACK_API_URL: `${apiUrl}/api/` },
      /seed corpus ingested/,
      1000,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/stop requested during start-up/);
    expect(r.stderr).not.toMatch(/did not stop in time/);
    expect(r.stderr).not.toMatch(/xoxb-test-token|xapp-test-token/);
  });
});
