// Slack's retries of an Events API event (x-slack-retry-num) are answered by no replica: two Bolt apps on one PostgreSQL database, the real adapter against the fake Slack.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackAdapter, type SlackAdapter } from '../../../adapters/slack/index.js';
import { eventClaimsFor, type App } from '../../../src/app.js';
import { silentLogger } from '../../../src/logger.js';
import { systemClock } from '../../../src/ports.js';
import { FAKE_BOT_USER, FAKE_TEAM, FakeSlack } from '../../fakes/slack.js';
import { freshDatabase, type FreshDatabase } from '../../support/postgres.js';
import { replicaOn } from '../../support/replicas.js';
import { BOT_TOKEN, CHANNEL, SIGNING_SECRET, signature, USER } from './support.js';

let fake: FakeSlack;
let db: FreshDatabase;
const replicas: Array<{ core: App; adapter: SlackAdapter }> = [];

/** A replica: its own core and Bolt app (HTTP mode) on the shared database, talking to the one fake Slack. */
async function replica(): Promise<{ core: App; adapter: SlackAdapter }> {
  const core = await replicaOn(db.url, systemClock);
  const adapter = createSlackAdapter({
    config: { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, port: 0, apiUrl: fake.apiUrl },
    dispatcher: core.dispatcher,
    logger: silentLogger,
    host: '127.0.0.1',
    events: eventClaimsFor(core),
  });
  await adapter.start();
  const r = { core, adapter };
  replicas.push(r);
  return r;
}

/** An app_mention event callback with this event id. */
function mentionBody(eventId: string, text: string): string {
  const ts = `${Math.floor(Date.now() / 1000)}.000200`;
  return JSON.stringify({
    token: 'verification-token-unused',
    team_id: FAKE_TEAM,
    api_app_id: 'A0FAKE',
    event: { type: 'app_mention', user: USER, text: `<@${FAKE_BOT_USER}> ${text}`, ts, channel: CHANNEL, event_ts: ts },
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: FAKE_TEAM, user_id: FAKE_BOT_USER, is_bot: true }],
  });
}

/** Delivers `body` to a replica as Slack does (signed; a retry with its headers), and waits until it has answered. */
async function deliver(to: { adapter: SlackAdapter }, body: string, retry?: { num: number; reason: string }): Promise<void> {
  const ts = String(Math.floor(Date.now() / 1000));
  const res = await fetch(`http://127.0.0.1:${to.adapter.port ?? 0}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': signature(SIGNING_SECRET, ts, body),
      ...(retry ? { 'x-slack-retry-num': String(retry.num), 'x-slack-retry-reason': retry.reason } : {}),
    },
    body,
  });
  expect(res.status).toBe(200);
  await to.adapter.idle();
}

beforeAll(async () => {
  fake = await new FakeSlack().listen();
  db = await freshDatabase();
});

afterAll(async () => {
  for (const r of replicas.splice(0)) {
    await r.adapter.stop();
    await r.core.close();
  }
  await fake.close();
  await db.drop();
});

describe('slack: an Events API event retried by Slack', () => {
  it('a retry with the same event_id to a second Bolt app on the same database posts nothing; a new event is answered', async () => {
    const a = await replica();
    const b = await replica();
    const body = mentionBody('Ev0RETRY01', 'help');
    await deliver(a, body);
    expect(fake.postsIn(CHANNEL)).toHaveLength(1);

    // Slack got no 200 within 3 s and re-sends; the load balancer hands the retry to the other replica.
    await deliver(b, body, { num: 1, reason: 'http_timeout' });
    await deliver(a, body, { num: 2, reason: 'http_timeout' });
    expect(fake.postsIn(CHANNEL)).toHaveLength(1);

    await deliver(b, mentionBody('Ev0RETRY02', 'help'));
    expect(fake.postsIn(CHANNEL)).toHaveLength(2);
  }, 30_000);
});
