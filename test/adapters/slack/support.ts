// Drives the real Slack adapter over HTTP or Socket Mode against the fake Slack, and reads what users saw.
import { createHmac } from 'node:crypto';
import { createSlackAdapter, type SlackAdapter } from '../../../adapters/slack/index.js';
import { unescapeMrkdwn } from '../../../adapters/slack/render.js';
import type { App as Core } from '../../../src/app.js';
import type { SlackConfig } from '../../../src/config.js';
import { silentLogger, type Logger } from '../../../src/logger.js';
import type { MemoryCursors } from '../../../src/pager.js';
import type { Paper } from '../../../src/papers/model.js';
import type { Inbound } from '../../../src/ports.js';
import { FAKE_BOT_ID, FAKE_BOT_USER, FAKE_TEAM, FakeSlack } from '../../fakes/slack.js';
import type { Range, Seen } from '../contract.js';
import { createTestCore } from '../../support/core.js';

export type Mode = 'http' | 'socket';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-test-bot-token-abcdef';
export const APP_TOKEN = 'xapp-test-app-token-abcdef';
export const USER = 'U0ALICE';
export const CHANNEL = 'C0GENERAL';

/** What one message as Slack received it looks like: form args of chat.postMessage, or a respond() body. */
export interface Outgoing {
  text?: unknown;
  blocks?: unknown;
  response_type?: unknown;
  replace_original?: unknown;
  thread_ts?: unknown;
  channel?: unknown;
  [k: string]: unknown;
}

interface TextObject {
  type: string;
  text: string;
}

/** Every text object in a message's blocks, in order. */
export function textObjects(blocks: unknown): TextObject[] {
  const out: TextObject[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') out.push({ type: o.type, text: o.text });
      else for (const x of Object.values(o)) walk(x);
    }
  };
  walk(blocks);
  return out;
}

/** Buttons in a message: action id, label, value or url. */
export function buttons(blocks: unknown): Array<{ action_id: string; label: string; value?: string; url?: string }> {
  const out: Array<{ action_id: string; label: string; value?: string; url?: string }> = [];
  for (const b of Array.isArray(blocks) ? (blocks as Array<Record<string, unknown>>) : []) {
    if (b.type !== 'actions') continue;
    for (const e of b.elements as Array<Record<string, unknown>>) {
      const label = (e.text as { text: string }).text;
      out.push({
        action_id: String(e.action_id),
        label,
        ...(typeof e.value === 'string' ? { value: e.value } : {}),
        ...(typeof e.url === 'string' ? { url: e.url } : {}),
      });
    }
  }
  return out;
}

const PING = /<!(channel|here|everyone)\b|<!subteam\^|<@[UW]/;

/** A message reduced to what the user reads (escaping undone) and whether Slack would notify anyone. */
export function seenOf(msg: { text?: unknown; blocks?: unknown }, ephemeral: boolean): Seen {
  const objects = textObjects(msg.blocks);
  const titles: string[] = [];
  for (const b of Array.isArray(msg.blocks) ? (msg.blocks as Array<Record<string, unknown>>) : []) {
    if (typeof b.block_id !== 'string' || !b.block_id.startsWith('card_')) continue;
    const text = (b.text as TextObject).text;
    const m = /^\*(?:\d+\. |\[\d+\] )?(?:<[^|>]*\|([^>]*)>|([^\n]*))\*/.exec(text);
    const t = m?.[1] ?? m?.[2];
    if (t !== undefined) titles.push(unescapeMrkdwn(t));
  }
  const readable = (o: TextObject) => (o.type === 'mrkdwn' ? unescapeMrkdwn(o.text.replace(/<[^|>]*\|([^>]*)>/g, '$1')) : o.text);
  const text = [typeof msg.text === 'string' ? unescapeMrkdwn(msg.text) : '', ...objects.map(readable)].join('\n');
  // Slack parses mentions in mrkdwn and in the top-level text, never in plain_text.
  const parsed = [typeof msg.text === 'string' ? msg.text : '', ...objects.filter((o) => o.type === 'mrkdwn').map((o) => o.text)];
  const labels = buttons(msg.blocks).map((b) => b.label);
  const links = objects
    .filter((o) => o.type === 'mrkdwn')
    .flatMap((o) => [...o.text.matchAll(/<(https?:[^|>]*)\|([^>]*)>/g)].map((m) => ({ label: unescapeMrkdwn(m[2] ?? ''), url: unescapeMrkdwn(m[1] ?? '') })));
  return {
    ephemeral,
    titles,
    links,
    text,
    pings: parsed.some((t) => PING.test(t)),
    range: rangeOf(msg.blocks),
    hasMore: labels.includes('More'),
    hasShare: labels.includes('Share in channel'),
  };
}

/** The "Showing 1–5 of 22." context line under a list, parsed. */
function rangeOf(blocks: unknown): Range | null {
  for (const b of Array.isArray(blocks) ? (blocks as Array<Record<string, unknown>>) : []) {
    if (b.type !== 'context') continue;
    for (const o of textObjects(b)) {
      const m = /^Showing (\d+)–(\d+) of (\d+)\.$/.exec(unescapeMrkdwn(o.text));
      if (m) return { first: Number(m[1]), last: Number(m[2]), total: Number(m[3]) };
    }
  }
  return null;
}

export function signature(secret: string, ts: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
}

export interface DriverOptions {
  papers?: Paper[];
  logger?: Logger;
  bodyLimit?: number;
  signingSecret?: string;
  /** Where the adapter keeps cursors too long for a button value (tests pass one on a fake clock). */
  cursors?: MemoryCursors;
  /** Extra Slack settings (e.g. `managers`, from SLACK_MANAGERS). */
  config?: Partial<SlackConfig>;
  /** The core to drive instead of a fresh test core. */
  core?: Core;
  /** Wraps the core's dispatcher (e.g. to hold an answer back). */
  dispatcher?: (core: Core) => Inbound;
  /** How long a mention's answer may take before "thinking…" is posted (milliseconds). */
  thinkingAfterMs?: number;
  /** How long one reply may take before the adapter gives it up (milliseconds; the adapter's default otherwise). */
  replyTimeoutMs?: number;
}

/** The adapter under test, its fake Slack, and ways to act as a Slack user in either transport. */
export class SlackDriver {
  /** The adapter's clock for signature checks (HTTP mode); tests move it. */
  nowMs = Date.UTC(2025, 10, 27, 15, 0, 0);
  private seq = 0;

  private constructor(
    readonly mode: Mode,
    readonly fake: FakeSlack,
    readonly core: Core,
    readonly adapter: SlackAdapter,
  ) {}

  static async start(mode: Mode, opts: DriverOptions = {}): Promise<SlackDriver> {
    const fake = await new FakeSlack().listen();
    const core = opts.core ?? (await createTestCore(opts.papers ? { papers: opts.papers } : {}));
    const ref: { driver?: SlackDriver } = {};
    const adapter = createSlackAdapter({
      config: {
        botToken: BOT_TOKEN,
        port: 0,
        apiUrl: fake.apiUrl,
        ...(mode === 'socket' ? { appToken: APP_TOKEN } : { signingSecret: opts.signingSecret ?? SIGNING_SECRET }),
        ...opts.config,
      },
      dispatcher: opts.dispatcher ? opts.dispatcher(core) : core.dispatcher,
      logger: opts.logger ?? silentLogger,
      ...(opts.thinkingAfterMs !== undefined ? { thinkingAfterMs: opts.thinkingAfterMs } : {}),
      ...(opts.replyTimeoutMs !== undefined ? { replyTimeoutMs: opts.replyTimeoutMs } : {}),
      host: '127.0.0.1',
      now: () => ref.driver?.nowMs ?? Date.now(),
      ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}),
      ...(opts.cursors ? { cursors: opts.cursors } : {}),
    });
    const driver = new SlackDriver(mode, fake, core, adapter);
    ref.driver = driver;
    await adapter.start();
    return driver;
  }

  get eventsUrl(): string {
    return `http://127.0.0.1:${this.adapter.port ?? 0}/slack/events`;
  }

  /** POSTs a body to the adapter, signed unless headers are given. */
  async postRaw(body: string, contentType: string, headers?: Record<string, string>): Promise<Response> {
    const ts = String(Math.floor(this.nowMs / 1000));
    const h = headers ?? { 'x-slack-request-timestamp': ts, 'x-slack-signature': signature(SIGNING_SECRET, ts, body) };
    return fetch(this.eventsUrl, { method: 'POST', headers: { 'content-type': contentType, ...h }, body });
  }

  /** Runs a slash command as a user; resolves with the ack once every reply has been sent. */
  async slash(text: string, command = '/papers'): Promise<{ ack: unknown; responseUrl: string }> {
    const responseUrl = this.fake.responseUrl();
    const payload = {
      token: 'verification-token-unused',
      team_id: FAKE_TEAM,
      team_domain: 'fake',
      channel_id: CHANNEL,
      channel_name: 'general',
      user_id: USER,
      user_name: 'alice',
      command,
      text,
      api_app_id: 'A0FAKE',
      response_url: responseUrl,
      trigger_id: `trigger.${++this.seq}`,
    };
    let ack: unknown;
    if (this.mode === 'socket') {
      ack = await this.fake.sendEnvelope('slash_commands', payload);
    } else {
      const res = await this.postRaw(new URLSearchParams(payload).toString(), 'application/x-www-form-urlencoded');
      if (res.status !== 200) throw new Error(`slash command answered ${res.status}`);
      const body = await res.text();
      ack = body === '' ? undefined : (JSON.parse(body) as unknown);
    }
    await this.adapter.idle();
    return { ack, responseUrl };
  }

  /** Delivers an Events API event (app_mention, message). */
  async event(event: Record<string, unknown>): Promise<void> {
    const body = {
      token: 'verification-token-unused',
      team_id: FAKE_TEAM,
      api_app_id: 'A0FAKE',
      event,
      type: 'event_callback',
      event_id: `Ev${++this.seq}`,
      event_time: Math.floor(this.nowMs / 1000),
      authorizations: [{ team_id: FAKE_TEAM, user_id: FAKE_BOT_USER, is_bot: true }],
    };
    if (this.mode === 'socket') await this.fake.sendEnvelope('events_api', body);
    else {
      const res = await this.postRaw(JSON.stringify(body), 'application/json');
      if (res.status !== 200) throw new Error(`event answered ${res.status}`);
    }
    await this.adapter.idle();
  }

  mention(text: string, extra: Record<string, unknown> = {}): Promise<void> {
    const ts = `${1_764_000_000 + ++this.seq}.000200`;
    return this.event({ type: 'app_mention', user: USER, text: `<@${FAKE_BOT_USER}> ${text}`.trimEnd(), ts, channel: CHANNEL, event_ts: ts, ...extra });
  }

  dm(text: string, extra: Record<string, unknown> = {}): Promise<void> {
    const ts = `${1_764_000_000 + ++this.seq}.000300`;
    return this.event({ type: 'message', channel_type: 'im', user: USER, text, ts, channel: 'D0ALICE', event_ts: ts, ...extra });
  }

  /** Clicks a button on a message the bot sent. */
  async click(button: { action_id: string; value?: string }, where: { ephemeral: boolean; messageTs?: string; threadTs?: string }): Promise<string> {
    const responseUrl = this.fake.responseUrl();
    const messageTs = where.messageTs ?? '1764000000.000100';
    const payload = {
      type: 'block_actions',
      user: { id: USER, username: 'alice', team_id: FAKE_TEAM },
      api_app_id: 'A0FAKE',
      token: 'verification-token-unused',
      container: { type: 'message', message_ts: messageTs, channel_id: CHANNEL, is_ephemeral: where.ephemeral },
      trigger_id: `trigger.${++this.seq}`,
      team: { id: FAKE_TEAM, domain: 'fake' },
      channel: { id: CHANNEL, name: 'general' },
      ...(where.ephemeral
        ? {}
        : { message: { type: 'message', ts: messageTs, ...(where.threadTs ? { thread_ts: where.threadTs } : {}), text: '', user: FAKE_BOT_USER } }),
      response_url: responseUrl,
      actions: [
        {
          type: 'button',
          action_id: button.action_id,
          block_id: 'pager',
          ...(button.value !== undefined ? { value: button.value } : {}),
          action_ts: '1764000001.000000',
        },
      ],
    };
    if (this.mode === 'socket') await this.fake.sendEnvelope('interactive', payload);
    else {
      const res = await this.postRaw(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
      if (res.status !== 200) throw new Error(`action answered ${res.status}`);
    }
    await this.adapter.idle();
    return responseUrl;
  }

  /** The respond() posts made to one response_url. */
  responsesTo(url: string): Outgoing[] {
    const id = url.slice(url.lastIndexOf('/') + 1);
    return this.fake.responses.filter((r) => r.id === id).map((r) => r.body as Outgoing);
  }

  /** The single respond() post made to `url`, as the user saw it. */
  seenAt(url: string): Seen & { raw: Outgoing } {
    const all = this.responsesTo(url);
    const last = all[all.length - 1];
    if (!last) throw new Error('no response was posted');
    return { ...seenOf(last, last.response_type !== 'in_channel'), raw: last };
  }

  lastPost(): Seen & { raw: Outgoing } {
    const posts = this.fake.callsTo('chat.postMessage');
    const last = posts[posts.length - 1];
    if (!last) throw new Error('nothing was posted');
    return { ...seenOf(last.args, false), raw: last.args };
  }

  async close(): Promise<void> {
    await this.adapter.stop();
    if (this.mode === 'socket') await this.fake.socketClosed;
    await this.fake.close();
    await this.core.close();
  }
}

export { FAKE_BOT_ID, FAKE_BOT_USER };
