// Stopping an adapter that is still connecting leaves nothing behind: a child process running only that adapter exits by itself right after stop().
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/discord.js';
import { FakeSlack } from '../fakes/slack.js';
import { GUILD } from './discord/harness.js';

const CHILD = fileURLToPath(new URL('./stop-child.mjs', import.meta.url));

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await tick(10);
  }
}

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * Runs the child, waits until `connecting()` says the adapter is mid-connect, stops it, and reports how the
 * child ended: what start() settled with, and how long the process lived on after stop() returned.
 */
async function stopWhileConnecting(platform: 'slack' | 'discord', apiUrl: string, connecting: () => boolean) {
  const child = spawn(process.execPath, [CHILD, platform, apiUrl], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: Date.now() })));
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await until(() => out.includes('ready\n') && connecting());
  child.stdin.end('stop\n');
  await until(() => out.split('\n').some((l) => l.startsWith('{')));
  const stoppedAt = Date.now();
  const report = JSON.parse(out.split('\n').find((l) => l.startsWith('{')) ?? '{}') as { start: string; stopMs: number };
  const end = await Promise.race([exited, tick(3_000).then(() => null)]);
  return { report, exitCode: end?.code ?? null, livedOnMs: end ? end.at - stoppedAt : Infinity, stderr: err };
}

describe('stop() while connecting releases every socket and timer', () => {
  it('Slack Socket Mode, mid-handshake with a websocket that never answers', async () => {
    const fake = await new FakeSlack().listen();
    cleanups.push(() => fake.close());
    fake.socketFault = { kind: 'hang' };
    const r = await stopWhileConnecting('slack', fake.apiUrl, () => fake.upgrades === 1);
    expect(r.report.start).toMatch(/stopped/);
    expect(r.report.stopMs).toBeLessThan(1_000);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.livedOnMs).toBeLessThan(1_500);
  });

  it('Slack Socket Mode, waiting to retry a refused websocket', async () => {
    const fake = await new FakeSlack().listen();
    cleanups.push(() => fake.close());
    fake.socketUrl = `ws://127.0.0.1:${await closedPort()}/socket`;
    const r = await stopWhileConnecting('slack', fake.apiUrl, () => fake.callsTo('apps.connections.open').length === 1);
    expect(r.report.start).toMatch(/stopped/);
    expect(r.exitCode).toBe(0);
    expect(r.livedOnMs).toBeLessThan(1_500);
  });

  it('Discord, mid-handshake with a gateway that never answers', async () => {
    const fake = await new FakeDiscord([GUILD]).listen();
    cleanups.push(() => fake.close());
    fake.gatewayFault = { kind: 'hang' };
    const r = await stopWhileConnecting('discord', fake.apiUrl, () => fake.upgrades === 1);
    expect(r.report.start).toBe('Discord start-up was stopped before the gateway connected.');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.livedOnMs).toBeLessThan(1_500);
  });

  it('Discord, while the gateway keeps closing the connection and the shard keeps retrying', async () => {
    const fake = await new FakeDiscord([GUILD]).listen();
    cleanups.push(() => fake.close());
    fake.gatewayFault = { kind: 'close', code: 4000 };
    const r = await stopWhileConnecting('discord', fake.apiUrl, () => fake.upgrades >= 2);
    expect(r.report.start).toBe('Discord start-up was stopped before the gateway connected.');
    expect(r.exitCode).toBe(0);
    expect(r.livedOnMs).toBeLessThan(1_500);
  });
});
