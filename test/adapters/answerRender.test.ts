// The answer reply on every renderer: numbered citations that link only to safe URLs, escaped text, platform limits kept.
import { describe, expect, it } from 'vitest';
import { replyJson } from '../../adapters/cli/json.js';
import { renderText } from '../../adapters/console/render.js';
import { embedLength, LIMITS as DISCORD, renderReply as renderDiscord } from '../../adapters/discord/render.js';
import { LIMITS as SLACK, renderReply as renderSlack } from '../../adapters/slack/render.js';
import { MemoryCursors } from '../../src/pager.js';
import type { Reply } from '../../src/reply.js';
import { testCard } from '../fakes/papers.js';
import { HOSTILE_TITLE } from '../support/papers.js';
import { textObjects } from './slack/support.js';

type Answer = Extract<Reply, { kind: 'answer' }>;

function answerReply(over: Partial<Answer> = {}): Answer {
  return {
    kind: 'answer',
    title: 'how is the kv cache quantized?',
    sentences: [
      { text: 'Keys are quantized per channel.', cites: [1] },
      { text: 'A sign-bit transform removes the overhead.', cites: [2, 1] },
    ],
    cards: [testCard(1), testCard(2)],
    visibility: 'ephemeral',
    shareable: true,
    ...over,
  };
}

const mrkdwn = (r: Reply) =>
  textObjects(renderSlack(r).blocks)
    .filter((t) => t.type === 'mrkdwn')
    .map((t) => t.text)
    .join('\n');
const discordText = (r: Reply) => {
  const m = renderDiscord(r, { cursors: new MemoryCursors() });
  return [m.content ?? '', ...m.embeds.flatMap((e) => [e.title ?? '', e.description ?? ''])].join('\n');
};

describe('answer rendering', () => {
  it('every platform shows each sentence with its numbers, the number linking to that card’s page', () => {
    const r = answerReply();
    expect(mrkdwn(r)).toContain('Keys are quantized per channel. <https://huggingface.co/papers/2509.00001|[1]>');
    expect(mrkdwn(r)).toContain('<https://huggingface.co/papers/2509.00002|[2]><https://huggingface.co/papers/2509.00001|[1]>');
    expect(discordText(r)).toContain('Keys are quantized per channel. [\\[1\\]](https://huggingface.co/papers/2509.00001)');
    const text = renderText(r);
    expect(text).toContain('Keys are quantized per channel. [1] A sign-bit transform removes the overhead. [2][1]');
    expect(text).toMatch(/^\[1\] Paper 1$/m);
    expect(replyJson(r, () => undefined)).toEqual({
      answer: 'Keys are quantized per channel. [1] A sign-bit transform removes the overhead. [2][1]',
      citations: [
        { n: 1, id: '2509.00001', title: 'Paper 1' },
        { n: 2, id: '2509.00002', title: 'Paper 2' },
      ],
    });
  });

  it('a citation whose paper URL is unsafe is shown unlinked', () => {
    const r = answerReply({ cards: [testCard(1, { url: 'javascript:alert(1)' }), testCard(2)] });
    expect(mrkdwn(r)).not.toContain('javascript:');
    expect(discordText(r)).not.toContain('javascript:');
    expect(mrkdwn(r)).toContain('Keys are quantized per channel. [1]');
  });

  it('hostile sentence text is escaped: no ping, no link, no markup', () => {
    const r = answerReply({ sentences: [{ text: HOSTILE_TITLE, cites: [1] }], cards: [testCard(1)] });
    const slack = mrkdwn(r);
    expect(slack).not.toMatch(/<!channel>|<@U123>|<https:\/\/evil/);
    const discord = discordText(r);
    expect(discord).not.toMatch(/(?<!\\)@(everyone|here)|(?<!\\)\[click\]\(https:\/\/evil/);
    expect(renderDiscord(r, { cursors: new MemoryCursors() }).allowedMentions.parse).toEqual([]);
  });

  it('a long answer with many cards stays within Slack’s and Discord’s limits, the answer text first', () => {
    const long = 'word '.repeat(300).trim();
    const r = answerReply({
      sentences: [1, 2, 3, 4, 5].map((n) => ({ text: `${long} ${n}.`, cites: [n] })),
      cards: [1, 2, 3, 4, 5].map((i) => testCard(i, { abstract: long, snippet: [{ text: long }] })),
      related: [6, 7, 8].map((i) => testCard(i, { snippet: [{ text: long }] })),
    });
    const s = renderSlack(r);
    expect(s.blocks.length).toBeLessThanOrEqual(SLACK.blocks);
    for (const t of textObjects(s.blocks)) expect(t.text.length).toBeLessThanOrEqual(SLACK.sectionText);
    const d = renderDiscord(r, { cursors: new MemoryCursors() });
    expect(d.embeds.length).toBeLessThanOrEqual(DISCORD.embeds);
    expect(d.embeds.reduce((n, e) => n + embedLength(e), 0)).toBeLessThanOrEqual(DISCORD.embedTotal);
    expect(d.embeds[0]?.description).toContain('[\\[1\\]]');
  });

  it('an answer with no sentence shows its notice and the closest papers', () => {
    const r = answerReply({ sentences: [], cards: [], notice: 'I found no papers on "x"; the closest are below.', related: [testCard(3)] });
    expect(renderText(r)).toMatch(/Closest papers:[\s\S]*Paper 3/);
    expect(mrkdwn(r)).toContain('Paper 3');
    expect(discordText(r)).toContain('I found no papers on "x"');
    expect(replyJson(r, () => undefined)).toEqual({
      answer: 'I found no papers on "x"; the closest are below.',
      citations: [],
      related: [{ id: '2509.00003', title: 'Paper 3' }],
    });
  });
});
