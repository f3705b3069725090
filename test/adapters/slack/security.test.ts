// HTTP-mode request security: signatures, timestamp skew both ways, body size, Slack's worked example, and no secrets in logs.
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { verifySlackSignature } from '../../../adapters/slack/receiver.js';
import { createLogger } from '../../../src/logger.js';
import { APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, signature, SlackDriver, type Mode } from './support.js';

const example = z
  .object({ signing_secret: z.string(), x_slack_request_timestamp: z.string(), body: z.string(), x_slack_signature: z.string() })
  .parse(JSON.parse(readFileSync(new URL('../../fixtures/slack/signature-example.json', import.meta.url), 'utf8')));

const FORM = 'application/x-www-form-urlencoded';

function slashBody(d: SlackDriver, text: string): string {
  return new URLSearchParams({
    command: '/papers',
    text,
    user_id: 'U0ALICE',
    channel_id: 'C0GENERAL',
    team_id: 'T0FAKE',
    response_url: d.fake.responseUrl(),
    trigger_id: 't.1',
  }).toString();
}

describe("signature verification against Slack's worked example", () => {
  const at = Number(example.x_slack_request_timestamp) * 1000;
  const base = {
    signingSecret: example.signing_secret,
    body: example.body,
    timestamp: example.x_slack_request_timestamp,
    signature: example.x_slack_signature,
  };

  it('accepts the example at its own timestamp', () => {
    expect(verifySlackSignature({ ...base, nowMs: at })).toEqual({ ok: true });
  });

  it('accepts it within five minutes either way and refuses it beyond', () => {
    expect(verifySlackSignature({ ...base, nowMs: at + 300_000 }).ok).toBe(true);
    expect(verifySlackSignature({ ...base, nowMs: at - 300_000 }).ok).toBe(true);
    expect(verifySlackSignature({ ...base, nowMs: at + 301_000 })).toEqual({ ok: false, reason: 'timestamp skew' });
    expect(verifySlackSignature({ ...base, nowMs: at - 301_000 })).toEqual({ ok: false, reason: 'timestamp skew' });
  });

  it('refuses a changed body, a wrong secret and a missing signature', () => {
    expect(verifySlackSignature({ ...base, body: `${example.body}&x=1`, nowMs: at })).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifySlackSignature({ ...base, signingSecret: 'another-secret', nowMs: at })).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifySlackSignature({ ...base, signature: undefined, nowMs: at })).toEqual({ ok: false, reason: 'missing headers' });
  });
});

describe('slack adapter over HTTP: request security', () => {
  let d: SlackDriver;
  beforeAll(async () => {
    d = await SlackDriver.start('http', { bodyLimit: 8 * 1024 });
  });
  afterAll(async () => {
    await d?.close();
  });

  const post = (body: string, tsOffsetSec: number, sig?: string) => {
    const ts = String(Math.floor(d.nowMs / 1000) + tsOffsetSec);
    return d.postRaw(body, FORM, { 'x-slack-request-timestamp': ts, 'x-slack-signature': sig ?? signature(SIGNING_SECRET, ts, body) });
  };

  it('answers a correctly signed, current request', async () => {
    const res = await post(slashBody(d, 'help'), 0);
    expect(res.status).toBe(200);
    await d.adapter.idle();
  });

  it('refuses a correctly signed request dated more than five minutes ahead, and runs nothing', async () => {
    const before = d.fake.outgoing();
    const res = await post(slashBody(d, 'search kv cache'), 6 * 60);
    expect(res.status).toBe(401);
    await d.adapter.idle();
    expect(d.fake.outgoing()).toBe(before);
  });

  it('refuses a correctly signed request dated more than five minutes ago', async () => {
    expect((await post(slashBody(d, 'help'), -6 * 60)).status).toBe(401);
  });

  it('accepts a request four minutes off in either direction', async () => {
    expect((await post(slashBody(d, 'help'), 4 * 60)).status).toBe(200);
    expect((await post(slashBody(d, 'help'), -4 * 60)).status).toBe(200);
    await d.adapter.idle();
  });

  it('answers 401 to a bad signature, a missing signature and a malformed timestamp', async () => {
    const body = slashBody(d, 'help');
    expect((await post(body, 0, 'v0=deadbeef')).status).toBe(401);
    expect((await post(body, 0, signature('wrong-secret', String(Math.floor(d.nowMs / 1000)), body))).status).toBe(401);
    expect((await d.postRaw(body, FORM, {})).status).toBe(401);
    expect((await d.postRaw(body, FORM, { 'x-slack-request-timestamp': 'soon', 'x-slack-signature': 'v0=00' })).status).toBe(401);
  });

  it('refuses an oversized body with 413 before checking anything else', async () => {
    const body = `${slashBody(d, 'help')}&pad=${'x'.repeat(9 * 1024)}`;
    const res = await post(body, 0);
    expect(res.status).toBe(413);
  });

  it('answers 404 off the events path and to other methods', async () => {
    expect((await fetch(d.eventsUrl.replace('/slack/events', '/other'), { method: 'POST', body: 'x' })).status).toBe(404);
    expect((await fetch(d.eventsUrl)).status).toBe(404);
  });

  it("verifies Slack's worked example over HTTP with the clock pinned to its timestamp", async () => {
    const ex = await SlackDriver.start('http', { signingSecret: example.signing_secret });
    try {
      ex.nowMs = Number(example.x_slack_request_timestamp) * 1000;
      const headers = { 'x-slack-request-timestamp': example.x_slack_request_timestamp, 'x-slack-signature': example.x_slack_signature };
      const ok = await ex.postRaw(example.body, FORM, headers);
      expect(ok.status).toBe(200);
      // The example's command (/webhook-collect) is not ours: it is answered in the ack, nothing is sent to its response_url.
      expect(await ok.text()).toContain('/papers');
      ex.nowMs += 10 * 60 * 1000;
      expect((await ex.postRaw(example.body, FORM, headers)).status).toBe(401);
    } finally {
      await ex.close();
    }
  });
});

describe.each<Mode>(['http', 'socket'])('slack adapter over %s: logs', (mode) => {
  it('never contain the bot token, app token or signing secret, even when Slack fails', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString('utf8'));
        cb();
      },
    });
    const d = await SlackDriver.start(mode, { logger: createLogger('trace', sink) });
    try {
      d.fake.failNext('http500');
      await d.slash('search kv cache');
      d.fake.failNext('okFalse');
      d.fake.failNext('okFalse');
      await d.mention('kv cache');
      d.fake.failNext('http500');
      await d.adapter.post({ channel: 'C0X' }, { kind: 'text', lines: ['hi'], visibility: 'public' }).catch(() => undefined);
      if (mode === 'http') await d.postRaw('x=1', FORM, { 'x-slack-request-timestamp': '1', 'x-slack-signature': 'v0=1' });
    } finally {
      await d.close();
    }
    const log = lines.join('');
    expect(log).toContain('responding to Slack failed');
    expect(log).toContain('sending the apology failed too');
    for (const secret of [BOT_TOKEN, APP_TOKEN, SIGNING_SECRET]) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/xox[bp]-|xapp-/);
    expect(log).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});
