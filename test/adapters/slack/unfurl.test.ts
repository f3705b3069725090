// Slack link cards: a signed link_shared through the real Bolt receiver gets one chat.unfurl, with papers fetched from a fake Hugging Face and stored.
import { afterEach, describe, expect, it } from 'vitest';
import { unfurlBlocks } from '../../../adapters/slack/unfurl.js';
import { FakeHf, recordedList } from '../../fakes/hf.js';
import { testCard } from '../../fakes/papers.js';
import { createTestCore } from '../../support/core.js';
import { CHANNEL, SlackDriver, USER, textObjects } from './support.js';

const KNOWN_ARXIV = 'https://arxiv.org/abs/2608.09888v2';
const KNOWN_HF = 'https://hf.co/papers/2606.13681';
const UNKNOWN = 'https://arxiv.org/abs/2601.99999';

let driver: SlackDriver | undefined;
let hf: FakeHf | undefined;

afterEach(async () => {
  await driver?.close();
  await hf?.close();
  driver = undefined;
  hf = undefined;
});

async function start(): Promise<{ driver: SlackDriver; hf: FakeHf }> {
  hf = await new FakeHf().listen();
  hf.days.set('2026-06-12', recordedList());
  const core = await createTestCore({ hf: { apiUrl: hf.apiUrl, timeoutMs: 5_000 } });
  driver = await SlackDriver.start('http', { core });
  return { driver, hf };
}

let seq = 0;
function linkShared(urls: readonly string[]): Record<string, unknown> {
  const ts = `${1_764_000_100 + ++seq}.000100`;
  return {
    type: 'link_shared',
    channel: CHANNEL,
    is_bot_user_member: true,
    user: USER,
    message_ts: ts,
    unfurl_id: `${CHANNEL}.${ts}.abc`,
    source: 'conversations_history',
    event_ts: ts,
    links: urls.map((url) => ({ domain: new URL(url).hostname, url })),
  };
}

function paperRequests(fake: FakeHf, id: string): number {
  return fake.requests.filter((r) => r.path === `/api/papers/${id}`).length;
}

describe('Slack link cards', () => {
  it('a signed link_shared with two known links and one unknown gets one chat.unfurl keyed by both known URLs', async () => {
    const { driver: d, hf: fake } = await start();
    await d.event(linkShared([KNOWN_ARXIV, KNOWN_HF, UNKNOWN]));
    expect(d.fake.unfurls).toHaveLength(1);
    const call = d.fake.unfurls[0];
    expect(Object.keys(call?.unfurls ?? {}).sort()).toEqual([KNOWN_ARXIV, KNOWN_HF].sort());
    const text = (url: string) =>
      textObjects(call?.unfurls[url])
        .map((o) => o.text)
        .join('\n');
    expect(text(KNOWN_ARXIV)).toContain('BDH-CQ: In-Context Learning with Recurrent Latent Reasoning');
    expect(text(KNOWN_ARXIV)).toContain('Pathway');
    expect(text(KNOWN_ARXIV)).toContain('Code (★ 11184)');
    expect(text(KNOWN_ARXIV)).toContain('Project page');
    expect(text(KNOWN_HF)).toContain('EvoArena');
    expect(text(KNOWN_HF)).toContain('Massachusetts Institute of Technology');
    expect(call).toMatchObject({ channel: CHANNEL });
    // Nothing else was said in the channel, and the unknown paper was asked for once.
    expect(d.fake.callsTo('chat.postMessage')).toHaveLength(0);
    expect(d.fake.responses).toHaveLength(0);
    expect(paperRequests(fake, '2601.99999')).toBe(1);
  });

  it('an unknown arXiv id gets no unfurl and nothing posted', async () => {
    const { driver: d } = await start();
    await d.event(linkShared([UNKNOWN]));
    expect(d.fake.callsTo('chat.unfurl')).toHaveLength(0);
    expect(d.fake.outgoing()).toBe(0);
  });

  it('a failing Hugging Face gets no unfurl and nothing posted', async () => {
    const { driver: d, hf: fake } = await start();
    fake.fail('papers', { kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    await d.event(linkShared([KNOWN_ARXIV]));
    expect(d.fake.callsTo('chat.unfurl')).toHaveLength(0);
    expect(d.fake.outgoing()).toBe(0);
  });

  it('`/papers paper <id>` finds a paper after its link was unfurled', async () => {
    const { driver: d } = await start();
    const before = await d.slash('paper 2608.09888');
    expect(d.seenAt(before.responseUrl).text).toMatch(/No paper with arXiv id 2608\.09888/);
    await d.event(linkShared([KNOWN_ARXIV]));
    const after = await d.slash('paper 2608.09888');
    expect(d.seenAt(after.responseUrl).titles).toEqual(['BDH-CQ: In-Context Learning with Recurrent Latent Reasoning']);
  });

  it('the same links in the same channel within a minute are fetched once', async () => {
    const { driver: d, hf: fake } = await start();
    await d.event(linkShared([UNKNOWN, KNOWN_ARXIV]));
    await d.event(linkShared([UNKNOWN, KNOWN_ARXIV]));
    expect(paperRequests(fake, '2601.99999')).toBe(1);
    expect(paperRequests(fake, '2608.09888')).toBe(1);
    expect(d.fake.unfurls).toHaveLength(2);
  });

  it('outside text in a card is escaped: no pings, no injected formatting or links', () => {
    const card = testCard(1, {
      title: '<!channel> *Big* news <https://evil.example|click>',
      org: '<@U123> & co',
      snippet: [{ text: '_We_ ~beat~ `everyone` <!here>' }],
      codeUrl: 'https://github.com/org/repo',
      codeStars: 5,
    });
    const texts = textObjects(unfurlBlocks(card)).map((o) => o.text);
    const all = texts.join('\n');
    expect(all).not.toMatch(/<!(channel|here)|<@U|<https:\/\/evil/);
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('\u200B*\u200BBig\u200B*\u200B');
    expect(all).toContain('<https://github.com/org/repo|Code (★ 5)>');
  });
});
