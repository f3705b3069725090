// A follow alert's Slack DM attempt that runs out of time starts no platform call afterwards: the real Slack adapter against the fake.
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { createSlackAdapter } from '../../adapters/slack/index.js';
import { createApp } from '../../src/app.js';
import { AlertDelivery, retryDelayMs } from '../../src/follows/delivery.js';
import type { Logger } from '../../src/logger.js';
import { silentLogger } from '../../src/logger.js';
import { recordingLogger } from '../adapters/discord/harness.js';
import { FakeSlack } from '../fakes/slack.js';
import { FakeClock } from '../support/core.js';
import { gate } from '../support/gate.js';
import { ManualTicker, paper } from './support.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const KV_NEW = paper('2512.00001', 'Evicting Tokens from the KV Cache Under Memory Pressure', 'We evict tokens when memory runs short.', 5);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

describe('follow alerts under an attempt deadline', () => {
  it('Slack: a DM whose conversations.open answers after the deadline is not posted by that attempt; the retry sends it once', async () => {
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paperboy-deadline-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const app = await createApp({ config: { dataDir: dir, timeZone: 'America/New_York' }, logger: silentLogger, clock, commands });
    cleanups.push(() => app.close());
    if (!app.follows) throw new Error('no follow store');
    await app.dispatcher.runText('follow kv cache', { platform: 'slack', user: 'U0ADA', channel: 'C0GENERAL' });
    const fake = await new FakeSlack().listen();
    cleanups.push(() => fake.close());
    const log = recordingLogger();
    const adapter = createSlackAdapter({
      config: { botToken: 'xoxb-test-token', appToken: 'xapp-test-token', port: 0, apiUrl: fake.apiUrl },
      dispatcher: app.dispatcher,
      logger: log as Logger,
      postOnly: true,
    });
    await adapter.start();
    cleanups.push(() => adapter.stop());
    const ticker = new ManualTicker();
    const delivery = new AlertDelivery({ follows: app.follows, clock, logger: silentLogger, ticker, sendTimeoutMs: 300 });
    cleanups.push(() => delivery.stop());
    const slow = gate();
    slow.hold();
    fake.openWait = slow.wait;
    delivery.start([adapter]);
    clock.advance(1_000);
    await app.library.ingest([KV_NEW]);
    ticker.fire();
    await delivery.idle();
    expect(await app.follows.outbox()).toMatchObject([{ status: 'pending', attempts: 1, failure: 'transient' }]);
    // conversations.open answers now, after the attempt's deadline: that attempt must not go on to post.
    slow.release();
    await until(() => fake.directMessages().length > 0 || log.entries.some((e) => e.msg === 'direct message to a Slack user failed'));
    expect(fake.directMessages()).toEqual([]);
    clock.advance(retryDelayMs(1));
    ticker.fire();
    await delivery.idle();
    expect(fake.directMessages().map((d) => d.user)).toEqual(['U0ADA']);
    expect(await app.follows.outbox()).toMatchObject([{ status: 'delivered', attempts: 2 }]);
  });
});
