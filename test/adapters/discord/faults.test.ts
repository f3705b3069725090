// Discord start-up and REST faults against the fake Discord: gateways that refuse, hang or close, stopping mid-connect, 429s and forged custom ids.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDiscordAdapter, type DiscordAdapter, type DiscordAdapterOptions } from '../../../adapters/discord/index.js';
import type { App as Core } from '../../../src/app.js';
import { FakeDiscord, seenFrom, type CallbackBody } from '../../fakes/discord.js';
import { createTestCore } from '../../support/core.js';
import { GUILD, recordingLogger, startDiscord, testConfig } from './harness.js';

type Recorded = ReturnType<typeof recordingLogger>;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fakeDiscord(): Promise<FakeDiscord> {
  const fake = await new FakeDiscord([GUILD]).listen();
  cleanups.push(() => fake.close());
  return fake;
}

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function adapterFor(fake: FakeDiscord, extra: Partial<DiscordAdapterOptions> = {}): Promise<{ adapter: DiscordAdapter; logger: Recorded; core: Core }> {
  const logger = recordingLogger();
  const core = await createTestCore();
  const adapter = createDiscordAdapter({ config: testConfig(fake), dispatcher: core.dispatcher, logger, rest: { retries: 0 }, ...extra });
  cleanups.push(async () => {
    await adapter.stop();
    await core.close();
  });
  return { adapter, logger, core };
}

function unhandled(): unknown[] {
  const seen: unknown[] = [];
  const onRejection = (e: unknown) => seen.push(e);
  const onException = (e: unknown) => seen.push(e);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtExceptionMonitor', onException);
  cleanups.push(() => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtExceptionMonitor', onException);
  });
  return seen;
}

async function timed<T>(p: Promise<T>): Promise<{ ms: number; value?: T; error?: Error }> {
  const t0 = Date.now();
  try {
    return { ms: Date.now() - t0, value: await p };
  } catch (e) {
    return { ms: Date.now() - t0, error: e as Error };
  }
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await tick(10);
  }
}

function loud(logger: Recorded) {
  return logger.entries.filter((e) => e.level === 'warn' || e.level === 'error');
}

function expectNoEmptyMessages(logger: Recorded): void {
  for (const e of loud(logger)) {
    expect(e.msg ?? '').toMatch(/\S/);
    expect(e.msg ?? '').not.toMatch(/:\s*$/);
  }
}

describe('discord start-up: connecting to the gateway is bounded and every retry is logged with its reason', () => {
  it('a gateway URL on a closed port fails start() within the connect timeout: "connection refused", each retry logged', async () => {
    const fake = await fakeDiscord();
    const port = await closedPort();
    fake.gatewayUrl = `ws://127.0.0.1:${port}`;
    const { adapter, logger } = await adapterFor(fake, { connectTimeoutMs: 1_300 });
    const r = await timed(adapter.start());
    expect(r.error?.message).toMatch(
      new RegExp(
        `^Could not connect to the Discord gateway at 127\\.0\\.0\\.1:${port} within 1\\.3 s \\(\\d+ attempts\\): connection refused \\(ECONNREFUSED\\)\\.$`,
      ),
    );
    expect(r.ms).toBeLessThan(1_800);
    const retries = loud(logger).filter((e) => e.msg === 'Discord gateway connection failed (shard 0): connection refused (ECONNREFUSED); retrying');
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expectNoEmptyMessages(logger);
  });

  it('a gateway that accepts the upgrade but never answers times out, saying so, and its socket is closed', async () => {
    const seen = unhandled();
    const fake = await fakeDiscord();
    fake.gatewayFault = { kind: 'hang' };
    const { adapter } = await adapterFor(fake, { connectTimeoutMs: 800 });
    const r = await timed(adapter.start());
    expect(r.error?.message).toMatch(
      /^Could not connect to the Discord gateway at 127\.0\.0\.1:\d+ within 800 ms \(1 attempt\): no answer to the websocket handshake \(timed out\)\.$/,
    );
    expect(r.ms).toBeLessThan(1_300);
    // @discordjs/ws would leave this half-open socket to fail 30 s later as an uncaught exception.
    await until(() => fake.heldSockets === 0, 1_000);
    expect(seen).toEqual([]);
  });

  it('a gateway that closes with a code before hello is reported with that code, and nothing reconnects after start() gives up', async () => {
    const fake = await fakeDiscord();
    fake.gatewayFault = { kind: 'close', code: 4000, reason: 'nope' };
    const { adapter, logger } = await adapterFor(fake, { connectTimeoutMs: 1_200 });
    const r = await timed(adapter.start());
    expect(r.error?.message).toMatch(
      /^Could not connect to the Discord gateway at 127\.0\.0\.1:\d+ within 1\.2 s \(\d+ attempts\): closed with code 4000 \(UnknownError\)\.$/,
    );
    expect(loud(logger).some((e) => e.msg === 'Discord gateway connection failed (shard 0): closed with code 4000 (UnknownError); retrying')).toBe(true);
    const upgrades = fake.upgrades;
    await tick(1_200);
    expect(fake.upgrades).toBe(upgrades);
  });

  it('a gateway that refuses the token (4004) fails start() at once naming DISCORD_TOKEN, and nothing reconnects', async () => {
    const fake = await fakeDiscord();
    fake.gatewayFault = { kind: 'close', code: 4004, reason: 'Authentication failed.', afterIdentify: true };
    const { adapter } = await adapterFor(fake, { connectTimeoutMs: 5_000 });
    const r = await timed(adapter.start());
    expect(r.error?.message).toBe(
      'Discord did not accept DISCORD_TOKEN (the gateway closed with 4004, AuthenticationFailed). Check the bot token ("Bot" page).',
    );
    expect(r.ms).toBeLessThan(1_000);
    await tick(700);
    expect(fake.upgrades).toBe(1);
  });

  it('a token the REST API refuses (401 on GET /gateway/bot) names DISCORD_TOKEN', async () => {
    const fake = await fakeDiscord();
    fake.failNext((q) => q.path === '/api/v10/gateway/bot', 401);
    const { adapter } = await adapterFor(fake);
    await expect(adapter.start()).rejects.toThrow(/^Discord did not accept DISCORD_TOKEN \(HTTP 401 to GET \/gateway\/bot\)/);
  });

  it('an unreachable DISCORD_API_URL is reported as a network failure naming its host', async () => {
    const fake = await fakeDiscord();
    const port = await closedPort();
    const logger = recordingLogger();
    const core = await createTestCore();
    const adapter = createDiscordAdapter({
      config: { ...testConfig(fake), apiUrl: `http://127.0.0.1:${port}/api` },
      dispatcher: core.dispatcher,
      logger,
      rest: { retries: 0 },
    });
    cleanups.push(async () => {
      await adapter.stop();
      await core.close();
    });
    await expect(adapter.start()).rejects.toThrow(
      `Could not reach the Discord API at 127.0.0.1:${port} (DISCORD_API_URL) to give the gateway address: connection refused (ECONNREFUSED).`,
    );
  });

  it('stop() while start() is connecting settles start() at once, and the shard stops reconnecting', async () => {
    const seen = unhandled();
    const fake = await fakeDiscord();
    fake.gatewayFault = { kind: 'close', code: 4000 };
    const { adapter } = await adapterFor(fake, { connectTimeoutMs: 20_000 });
    const starting = timed(adapter.start());
    await until(() => fake.upgrades >= 2);
    const stopped = await timed(adapter.stop());
    const start = await starting;
    expect(stopped.ms).toBeLessThan(1_000);
    expect(start.error?.message).toBe('Discord start-up was stopped before the gateway connected.');
    const upgrades = fake.upgrades;
    await tick(1_200);
    expect(fake.upgrades).toBe(upgrades);
    expect(seen).toEqual([]);
  });

  it('stop() during a gateway handshake that never completes closes its socket at once', async () => {
    const seen = unhandled();
    const fake = await fakeDiscord();
    fake.gatewayFault = { kind: 'hang' };
    const { adapter } = await adapterFor(fake, { connectTimeoutMs: 20_000 });
    const starting = timed(adapter.start());
    await until(() => fake.heldSockets === 1);
    await adapter.stop();
    expect((await starting).ms).toBeLessThan(1_500);
    await until(() => fake.heldSockets === 0, 1_000);
    expect(seen).toEqual([]);
  });

  it('a gateway connection that drops after start-up is logged with its code and resumed', async () => {
    const logger = recordingLogger();
    const run = await startDiscord({ logger });
    cleanups.push(() => run.close());
    const upgrades = run.fake.upgrades;
    run.fake.dropGateway(4000);
    await until(() => run.fake.upgrades > upgrades);
    await until(() => logger.entries.some((e) => e.msg === 'Discord gateway connection lost (shard 0): closed with code 4000 (UnknownError); reconnecting'));
  });
});

describe('discord REST faults', () => {
  it('a 429 on an interaction reply is waited out and the answer arrives, with no apology', async () => {
    const run = await startDiscord();
    cleanups.push(() => run.close());
    run.fake.failNext((r) => r.path.endsWith('/callback'), 429);
    const { token } = run.fake.command('help', {});
    await run.fake.waitFor(() => run.fake.requests.filter((q) => q.path.includes(`/${token}/callback`)).length >= 2);
    const [first, second] = run.fake.requests.filter((q) => q.path.includes(`/${token}/callback`));
    expect((first?.body as CallbackBody).data?.content).toBe((second?.body as CallbackBody).data?.content);
    expect(seenFrom((second?.body as CallbackBody).data ?? {}).text).toMatch(/search/);
  });

  it('forged custom ids (another prefix, an unknown action, an oversized key) run nothing and post nothing public', async () => {
    const run = await startDiscord();
    cleanups.push(() => run.close());
    for (const id of ['xx:more:abc', 'pb:drop:abc', `pb:more:${'k'.repeat(90)}`, 'pb:more:']) {
      const { token } = run.fake.button(id);
      const marker = run.fake.command('help', {});
      await run.fake.answer(marker.token);
      const answers = run.fake.requests.filter((q) => q.path.includes(`/${token}/`));
      for (const a of answers) expect(seenFrom((a.body as CallbackBody).data ?? {}).ephemeral).toBe(true);
    }
  });
});
