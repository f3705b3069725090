// The HTTP receiver over real HTTP on loopback: requests nothing handles are answered at once, and slow or truncated requests lose their socket.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HTTP_TIMEOUTS, InFlight, SignedHttpReceiver } from '../../../adapters/slack/receiver.js';
import { silentLogger } from '../../../src/logger.js';
import { SIGNING_SECRET, SlackDriver } from './support.js';

const FORM = 'application/x-www-form-urlencoded';

/** Resolves with `p`, or with 'late' once `ms` pass first: Bolt's own answer to an unhandled request came after 3 s. */
function before<T>(p: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

function actionPayload(actionId: string): string {
  const payload = {
    type: 'block_actions',
    user: { id: 'U0ALICE' },
    api_app_id: 'A0FAKE',
    team: { id: 'T0FAKE' },
    channel: { id: 'C0GENERAL' },
    container: { type: 'message', is_ephemeral: true },
    trigger_id: 't.1',
    response_url: 'http://127.0.0.1:9/unused',
    actions: [{ type: 'button', action_id: actionId, block_id: 'b', value: 'x', action_ts: '1764000001.000000' }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

describe('slack HTTP receiver: requests nothing handles', () => {
  let d: SlackDriver;
  beforeAll(async () => {
    d = await SlackDriver.start('http');
  });
  afterAll(async () => {
    await d?.close();
  });

  it('a signed click on an unknown action id is acknowledged with an empty 200 at once, and nothing is sent', async () => {
    const before0 = d.fake.outgoing();
    const res = await before(d.postRaw(actionPayload('someone_elses_button'), FORM), 1_000);
    expect(res).not.toBe('late');
    if (res === 'late') return;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    await d.adapter.idle();
    expect(d.fake.outgoing()).toBe(before0);
  });

  it('a signed shortcut nothing listens for is acknowledged at once too', async () => {
    const body = new URLSearchParams({
      payload: JSON.stringify({ type: 'shortcut', callback_id: 'unknown', trigger_id: 't.2', team: { id: 'T0FAKE' }, user: { id: 'U0ALICE' } }),
    });
    const res = await before(d.postRaw(body.toString(), FORM), 1_000);
    expect(res === 'late' ? res : res.status).toBe(200);
  });

  it('a signed body of no kind Slack sends (no command, no type) is answered 404 at once', async () => {
    const res = await before(d.postRaw(JSON.stringify({ hello: 'world' }), 'application/json'), 1_000);
    expect(res === 'late' ? res : res.status).toBe(404);
  });

  it('a signed body that is not JSON or a form is answered 400 at once', async () => {
    const res = await before(d.postRaw('{not json', 'application/json'), 1_000);
    expect(res === 'late' ? res : res.status).toBe(400);
  });

  it("a signed url_verification is answered with its challenge, as Slack's Event Subscriptions check expects", async () => {
    const res = await d.postRaw(JSON.stringify({ type: 'url_verification', token: 't', challenge: 'c-123' }), 'application/json');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'c-123' });
  });

  it('an ssl_check is answered 200 without a signature', async () => {
    const res = await d.postRaw('ssl_check=1&token=x', FORM, {});
    expect(res.status).toBe(200);
  });

  it('a streamed body over the limit (no content-length) is refused with 413', async () => {
    const big = `${'x'.repeat(1024)}`.repeat(1100);
    const res = await fetch(d.eventsUrl, {
      method: 'POST',
      headers: { 'content-type': FORM, 'x-slack-request-timestamp': '1', 'x-slack-signature': 'v0=00' },
      body: new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode(big));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });
});

describe('slack HTTP receiver: server timeouts', () => {
  it("sets request, header and keep-alive timeouts of seconds, not Node's 300 s", async () => {
    const r = new SignedHttpReceiver({ signingSecret: SIGNING_SECRET, port: 0, host: '127.0.0.1', logger: silentLogger, inFlight: new InFlight() });
    const server = await r.start();
    try {
      expect(DEFAULT_HTTP_TIMEOUTS).toEqual({ requestMs: 10_000, headersMs: 5_000, keepAliveMs: 5_000 });
      expect(server.requestTimeout).toBe(10_000);
      expect(server.headersTimeout).toBe(5_000);
      expect(server.keepAliveTimeout).toBe(5_000);
    } finally {
      await r.stop();
    }
  });

  it('a request that declares more body than it sends is answered 408 and its socket closed by the server', async () => {
    const r = new SignedHttpReceiver({
      signingSecret: SIGNING_SECRET,
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger,
      inFlight: new InFlight(),
      timeouts: { requestMs: 400, headersMs: 400 },
    });
    await r.start();
    try {
      const sock = net.connect(r.port ?? 0, '127.0.0.1');
      const t0 = Date.now();
      let answer = '';
      sock.on('data', (b: Buffer) => {
        answer += b.toString('utf8');
      });
      const closed = new Promise<number>((resolve) => sock.on('close', () => resolve(Date.now() - t0)));
      sock.write('POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"truncated":');
      const ms = await before(closed, 2_000);
      sock.destroy();
      expect(ms).not.toBe('late');
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await r.stop();
    }
  });

  it('a client that sends only part of its headers is cut off too', async () => {
    const r = new SignedHttpReceiver({
      signingSecret: SIGNING_SECRET,
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger,
      inFlight: new InFlight(),
      timeouts: { requestMs: 400, headersMs: 300 },
    });
    await r.start();
    try {
      const sock = net.connect(r.port ?? 0, '127.0.0.1');
      const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
      sock.on('data', () => undefined);
      sock.write('POST /slack/events HTTP/1.1\r\nHost: x\r\n');
      const done = await before(closed, 2_000);
      sock.destroy();
      expect(done).not.toBe('late');
    } finally {
      await r.stop();
    }
  });
});
