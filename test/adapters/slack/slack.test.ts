// End to end: the real Bolt app against the fake Slack, every command, buttons, mentions, DMs, posting and failures, in both transports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPIRED_MESSAGE } from '../../../adapters/slack/index.js';
import { ACTIONS } from '../../../adapters/slack/render.js';
import { APOLOGY } from '../../../src/dispatch.js';
import { MemoryCursors } from '../../../src/pager.js';
import type { Paper } from '../../../src/papers/model.js';
import type { Reply } from '../../../src/reply.js';
import { paperRun } from '../../fakes/papers.js';
import { HOSTILE_TITLE, testPapers } from '../../support/papers.js';
import { BOT_TOKEN, buttons, CHANNEL, SlackDriver, textObjects, type Mode } from './support.js';

/** Eight papers on one topic, enough for a second page of search results (five a page). */
const sparsePapers = paperRun('sparse attention', 8);
/** Twenty-five papers on one day: three pages of trending (ten a page). */
const crowdedDay = paperRun('lantern trends', 25, { ids: '2510', date: () => '2025-10-15' });
/** An abstract that tries to change formatting: a code fence, bold, italics, strikethrough, inline code. */
const FENCED_ABSTRACT = 'Before ```\nrm -rf /\n``` after, *bold* and _it_ and ~x~ and `tick` in an ocelot study.';
const fencedPaper: Paper = { ...paperRun('ocelot', 1, { ids: '2511' })[0]!, title: 'Ocelots *really* _do_ ~not~ `run`', abstract: FENCED_ABSTRACT };

const HOUR = 60 * 60 * 1000;

function pageReply(next: boolean): Reply {
  return {
    kind: 'papers',
    title: 'Search: sparse attention',
    cards: [],
    start: 1,
    total: 8,
    ...(next ? { next: { command: 'search', input: { query: 'sparse attention', limit: 5 }, offset: 5 } } : {}),
    visibility: 'public',
    shareable: false,
  };
}

describe.each<Mode>(['http', 'socket'])('slack adapter over %s', (mode) => {
  let d: SlackDriver;
  let clock = 0;
  const cursors = new MemoryCursors(HOUR, 100, () => clock);
  beforeAll(async () => {
    d = await SlackDriver.start(mode, { papers: [...testPapers, ...sparsePapers, ...crowdedDay, fencedPaper], cursors });
  });
  afterAll(async () => {
    await d?.close();
  });

  it('start: checks the bot token with auth.test, sending it as a bearer token', () => {
    const call = d.fake.callsTo('auth.test')[0];
    expect(call?.token).toBe(BOT_TOKEN);
  });

  it('a bare /papers shows help listing every command', async () => {
    const { ack, responseUrl } = await d.slash('');
    // Acknowledged at once with no content; the answer comes through response_url.
    expect(JSON.stringify(ack ?? {})).toBe('{}');
    const seen = d.seenAt(responseUrl);
    expect(seen.ephemeral).toBe(true);
    for (const name of ['search', 'trending', 'paper', 'topic', 'help']) expect(seen.text).toContain(name);
  });

  it('/papers search answers privately with cards, link buttons and Share', async () => {
    const { responseUrl } = await d.slash('search kv cache quantization');
    const seen = d.seenAt(responseUrl);
    expect(seen.ephemeral).toBe(true);
    expect(seen.titles[0]).toMatch(/KIVI|QJL/);
    const b = buttons(seen.raw.blocks);
    expect(b.find((x) => x.label === 'Paper page')?.url).toMatch(/^https:\/\/huggingface\.co\/papers\//);
    expect(b.find((x) => x.label === 'PDF')?.url).toMatch(/^https:\/\/arxiv\.org\/pdf\//);
    expect(b.some((x) => x.label === 'Share in channel')).toBe(true);
    expect(seen.text).toMatch(/Showing 1–\d+ of \d+/);
  });

  it('/papers with an unknown first word searches the whole text', async () => {
    const { responseUrl } = await d.slash('which paper quantizes the kv cache');
    const seen = d.seenAt(responseUrl);
    expect(seen.titles.some((t) => t.startsWith('KIVI'))).toBe(true);
  });

  it('/papers paper shows one paper with its abstract', async () => {
    const { responseUrl } = await d.slash('paper 2012.07436');
    const seen = d.seenAt(responseUrl);
    expect(seen.titles).toEqual(['Informer: Beyond Efficient Transformer for Long Sequence Time-Series Forecasting']);
    expect(seen.text).toContain('ProbSparse self-attention');
  });

  it('/papers topic answers with papers or the topic list', async () => {
    const { responseUrl } = await d.slash('topic');
    const seen = d.seenAt(responseUrl);
    expect(seen.text.length).toBeGreaterThan(0);
    expect(seen.text).not.toContain(APOLOGY);
  });

  it('/papers help search explains one command', async () => {
    const { responseUrl } = await d.slash('help search');
    expect(d.seenAt(responseUrl).text).toMatch(/Usage: search/);
  });

  it('More answers with response_type ephemeral; it turns a private page in place (replace_original) and never replaces a channel list', async () => {
    const more = (blocks: unknown) => buttons(blocks).find((b) => b.label === 'More');
    const search = d.seenAt((await d.slash('search sparse attention')).responseUrl);
    const own = d.seenAt(await d.click(more(search.raw.blocks)!, { ephemeral: true }));
    expect(own.raw.response_type).toBe('ephemeral');
    expect(own.raw.replace_original).toBe(true);

    const trending = d.seenAt((await d.slash('trending 2025-10-15')).responseUrl);
    expect(trending.raw.response_type).toBe('in_channel');
    let page2 = trending;
    for (let i = 0; i < 2; i += 1) {
      page2 = d.seenAt(await d.click(more(trending.raw.blocks)!, { ephemeral: false, messageTs: '1764000050.000100' }));
      expect(page2.raw.response_type).toBe('ephemeral');
      expect(page2.raw.replace_original).toBe(false);
    }
    const page3 = d.seenAt(await d.click(more(page2.raw.blocks)!, { ephemeral: true }));
    expect(page3.raw.response_type).toBe('ephemeral');
    expect(page3.raw.replace_original).toBe(true);

    await d.adapter.post({ channel: CHANNEL }, pageReply(true));
    const next = d.seenAt(await d.click(more(d.lastPost().raw.blocks)!, { ephemeral: false }));
    expect(next.raw.response_type).toBe('ephemeral');
    expect(next.raw.replace_original).toBe(false);
  });

  it('More with an unknown or tampered cursor gets a friendly "expired" message', async () => {
    for (const value of ['{"k":"no-such-key"}', '{"c":{"command":"search","input":{},"offset":-5}}', 'not json']) {
      const url = await d.click({ action_id: 'paperboy_more', value }, { ephemeral: true });
      expect(d.seenAt(url).text).toContain(EXPIRED_MESSAGE);
    }
  });

  it('More with a stored cursor pages until the cursor expires, then gets the "expired" message', async () => {
    // NOTE: Slack inlines cursors that fit a button value (2000 characters) and stores only longer
    // ones, so this button carries a stored key directly, as the adapter writes it.
    const value = JSON.stringify({ k: cursors.put({ command: 'search', input: { query: 'sparse attention' }, offset: 5 }) });
    clock += HOUR - 1;
    const live = d.seenAt(await d.click({ action_id: ACTIONS.more, value }, { ephemeral: true }));
    expect(live.text).toMatch(/Showing 6–/);
    clock += 2;
    const expired = d.seenAt(await d.click({ action_id: ACTIONS.more, value }, { ephemeral: true }));
    expect(expired.text).toContain(EXPIRED_MESSAGE);
    expect(expired.ephemeral).toBe(true);
  });

  it('a pick button runs the picked command', async () => {
    const value = JSON.stringify({ command: 'paper', input: { id: '2402.02750' } });
    const url = await d.click({ action_id: 'paperboy_pick_0', value }, { ephemeral: true });
    const seen = d.seenAt(url);
    expect(seen.titles).toEqual(['KIVI: A Tuning-Free Asymmetric 2bit Quantization for KV Cache']);
    expect(seen.raw.replace_original).toBe(true);
  });

  it('a link button click is acknowledged and answered with nothing', async () => {
    const before = d.fake.outgoing();
    await d.click({ action_id: 'paperboy_link_0_page' }, { ephemeral: true });
    expect(d.fake.outgoing()).toBe(before);
  });

  it('a mention is answered in a thread, with mention parsing off', async () => {
    await d.mention('kv cache quantization');
    const post = d.lastPost();
    expect(post.raw.channel).toBe(CHANNEL);
    expect(typeof post.raw.thread_ts).toBe('string');
    expect(post.raw.parse).toBe('none');
    expect(post.raw.link_names).toBe('false');
    expect(post.titles.some((t) => t.startsWith('KIVI'))).toBe(true);
  });

  it('a mention inside a thread is answered in that thread', async () => {
    await d.mention('trending 2025-11-27', { thread_ts: '1764000000.999999' });
    expect(d.lastPost().raw.thread_ts).toBe('1764000000.999999');
  });

  it('a DM is answered in a thread of the DM', async () => {
    await d.dm('memory os for agents');
    const post = d.lastPost();
    expect(post.raw.channel).toBe('D0ALICE');
    expect(typeof post.raw.thread_ts).toBe('string');
    expect(post.titles.some((t) => t.startsWith('MemOS'))).toBe(true);
  });

  it('ordinary channel messages, edits and other bots are ignored', async () => {
    const before = d.fake.outgoing();
    await d.event({ type: 'message', channel_type: 'channel', user: 'U0BOB', text: 'kv cache', ts: '1764000200.000100', channel: CHANNEL });
    await d.dm('kv cache', { subtype: 'message_changed' });
    await d.dm('kv cache', { bot_id: 'B0OTHER' });
    expect(d.fake.outgoing()).toBe(before);
  });

  it('the hostile paper is escaped everywhere and can form no mention or link', async () => {
    const { responseUrl } = await d.slash('search zebrafish');
    const seen = d.seenAt(responseUrl);
    expect(seen.titles).toContain(HOSTILE_TITLE);
    expect(seen.pings).toBe(false);
    const raw = JSON.stringify(seen.raw);
    expect(raw).toContain('&lt;!channel&gt;');
    expect(raw).not.toMatch(/<!channel>|<!here>|<@U123>|<https:\/\/evil/);
    await d.mention('zebrafish');
    const post = d.lastPost();
    expect(post.pings).toBe(false);
    expect(JSON.stringify(post.raw)).not.toMatch(/<!channel>|<!here>|<@U123>|<https:\/\/evil/);
  });

  it('formatting characters in a title or abstract render literally: no code fence, bold, italics or strikethrough', async () => {
    const { responseUrl } = await d.slash('paper 2511.00001');
    const seen = d.seenAt(responseUrl);
    expect(seen.titles).toEqual([fencedPaper.title]);
    expect(seen.text).toContain(FENCED_ABSTRACT);
    const mrkdwn = textObjects(seen.raw.blocks)
      .filter((t) => t.type === 'mrkdwn')
      .map((t) => t.text)
      .join('\n');
    expect(mrkdwn).not.toMatch(/```|\*bold\*|_it_|~x~|`tick`|\*really\*|_do_|~not~|`run`/);
    await d.mention('ocelot');
    const post = d.lastPost();
    expect(post.titles).toEqual([fencedPaper.title]);
    expect(JSON.stringify(post.raw.blocks)).not.toMatch(/```|\*really\*|_do_|~not~|`run`/);
  });

  it('post() sends the rendered reply to the channel with chat.postMessage', async () => {
    await d.adapter.post({ channel: 'C0DIGEST' }, pageReply(false));
    const call = d.fake.callsTo('chat.postMessage').at(-1)!;
    expect(call.token).toBe(BOT_TOKEN);
    expect(call.args.channel).toBe('C0DIGEST');
    expect(Array.isArray(call.args.blocks)).toBe(true);
    expect(d.lastPost().text).toContain('Search: sparse attention');
  });

  it('post() rejects with a clear error when Slack refuses, without leaking the token', async () => {
    d.fake.failNext('okFalse');
    const err = await d.adapter.post({ channel: 'C0DIGEST' }, pageReply(false)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('C0DIGEST');
    expect((err as Error).message).not.toContain(BOT_TOKEN);
  });

  it('a failing chat.postMessage on a mention gets an apology in the thread, and the bot keeps serving', async () => {
    d.fake.failNext('okFalse');
    await d.mention('kv cache');
    const apology = d.lastPost();
    expect(apology.text).toContain(APOLOGY);
    expect(typeof apology.raw.thread_ts).toBe('string');
    await d.mention('kv cache');
    expect(d.lastPost().titles.length).toBeGreaterThan(0);
  });

  it('a slash command this app does not own is answered in the ack, without calling Slack', async () => {
    const before = d.fake.outgoing();
    const { ack } = await d.slash('anything', '/other');
    expect(JSON.stringify(ack)).toContain('/papers');
    expect(d.fake.outgoing()).toBe(before);
  });
});
