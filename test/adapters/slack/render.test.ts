// Block Kit rendering: escaping of outside text and Slack's size limits, on replies built to break them.
import { describe, expect, it } from 'vitest';
import { escapeClipped, escapeMrkdwn, LIMITS, renderReply, unescapeMrkdwn } from '../../../adapters/slack/render.js';
import type { PaperCard, Reply } from '../../../src/reply.js';
import { papersReply, testCard } from '../../fakes/papers.js';
import { HOSTILE_TITLE } from '../../support/papers.js';
import { buttons, seenOf, textObjects } from './support.js';

function papers(cards: PaperCard[], over: Partial<Extract<Reply, { kind: 'papers' }>> = {}): Reply {
  return papersReply(cards, { total: cards.length + 10, ...over });
}

const moreValue = (c: unknown) => JSON.stringify({ c });

describe('slack render', () => {
  it('escapes &, < and > and round-trips them', () => {
    expect(escapeMrkdwn('a & <b> <!channel>')).toBe('a &amp; &lt;b&gt; &lt;!channel&gt;');
    expect(unescapeMrkdwn(escapeMrkdwn(HOSTILE_TITLE))).toBe(HOSTILE_TITLE);
  });

  it('a > opening a line of outside text does not become a block quote, and round-trips', () => {
    const text = 'first line\n> quoted?\n>> twice';
    const escaped = escapeMrkdwn(text);
    expect(escaped.split('\n').some((l) => l.startsWith('&gt;'))).toBe(false);
    expect(unescapeMrkdwn(escaped)).toBe(text);
  });

  it('neutralises *, _, ~ and backticks in outside text, so a hostile abstract changes no formatting', () => {
    const title = 'A *starred* _title_ with ~x~';
    const abstract = 'Intro ```\nrm -rf /\n``` then *bold* and _it_ and ~x~ and `tick`.';
    const msg = renderReply({ kind: 'paper', card: testCard(1, { title, abstract }), visibility: 'ephemeral', shareable: false });
    const mrkdwn = [
      msg.text,
      ...textObjects(msg.blocks)
        .filter((t) => t.type === 'mrkdwn')
        .map((t) => t.text),
    ].join('\n');
    expect(mrkdwn).not.toMatch(/```|\*bold\*|_it_|~x~|`tick`|\*starred\*|_title_/);
    // Every formatting character from outside sits between zero-width spaces; the only live ones are our own bold title.
    expect(mrkdwn).not.toMatch(/(?<!\u200B)[_~`]|[_~`](?!\u200B)/);
    expect(mrkdwn.match(/(?<!\u200B)\*(?!\u200B)/g)).toHaveLength(2);
    const seen = seenOf(msg, true);
    expect(seen.titles).toEqual([title]);
    expect(seen.text).toContain(abstract);
    expect(unescapeMrkdwn(escapeMrkdwn(abstract))).toBe(abstract);
  });

  it('keeps matched terms bold next to neutralised outside markup', () => {
    const snippet = [{ text: 'uses _under_ and `ticks` with ' }, { text: 'kv*', match: true }, { text: ' caches ~here~.' }];
    const { blocks } = renderReply(papers([testCard(1, { snippet })]));
    const body = textObjects(blocks).find((t) => t.text.includes('Paper 1'))!.text;
    expect(body).toContain(' *kv* ');
    expect(body).not.toMatch(/_under_|`ticks`|~here~/);
    expect(seenOf({ blocks }, true).text).toContain('uses _under_ and `ticks` with *kv* caches ~here~.');
  });

  it('clips on raw text, so an entity is never cut in half', () => {
    const out = escapeClipped('&&&&&&&&&&', 12);
    expect(out).toBe('&amp;&amp;…');
    expect(escapeClipped('short', 12)).toBe('short');
  });

  it('shows matched snippet terms in bold and the meta line', () => {
    const { blocks } = renderReply(papers([testCard(1, { org: 'Rice University' })]));
    const first = textObjects(blocks).find((t) => t.text.includes('Paper 1'))!;
    expect(first.text).toContain('*attention*');
    expect(first.text).toContain('2025-11-27 · ▲ 1 · Rice University');
  });

  it('a hostile card can form no mention, broadcast or link, in any field', () => {
    const hostile = testCard(1, {
      title: HOSTILE_TITLE,
      org: '<!here> @everyone',
      snippet: [{ text: '<@U1> ' }, { text: '<!channel>', match: true }],
      url: 'https://x.example/a|b>c',
    });
    const msg = renderReply(papers([hostile]), { moreValue, shareValue: '{"command":"search","text":"<!channel>"}' });
    const seen = seenOf(msg, true);
    expect(seen.pings).toBe(false);
    expect(seen.titles).toEqual([HOSTILE_TITLE]);
    const mrkdwn = [
      msg.text,
      ...textObjects(msg.blocks)
        .filter((t) => t.type === 'mrkdwn')
        .map((t) => t.text),
    ].join('\n');
    expect(mrkdwn).not.toMatch(/<!|<@|<https:\/\/evil/);
    // The URL cannot close its link early.
    expect(mrkdwn).toContain('<https://x.example/a%7Cb&gt;c|');
  });

  it('never links a non-http URL', () => {
    const msg = renderReply(papers([testCard(1, { url: 'javascript:alert(1)', pdfUrl: 'slack://open' })]));
    expect(JSON.stringify(msg)).not.toContain('javascript:');
    expect(buttons(msg.blocks).filter((b) => b.url)).toHaveLength(0);
  });

  it('fits 50 cards into 50 blocks and moves the More cursor to the first card left out', () => {
    const cards = Array.from({ length: 50 }, (_, i) => testCard(i + 1));
    const reply = papers(cards, { total: 80, next: { command: 'search', input: { query: 'kv' }, offset: 50 } });
    const msg = renderReply(reply, { moreValue, shareValue: '{}' });
    expect(msg.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    const shown = seenOf(msg, true).titles.length;
    expect(shown).toBeGreaterThan(10);
    const more = buttons(msg.blocks).find((b) => b.label === 'More')!;
    expect(JSON.parse(more.value!)).toEqual({ c: { command: 'search', input: { query: 'kv' }, offset: shown } });
    expect(seenOf(msg, true).text).toContain(`Showing 1–${shown} of 80`);
  });

  it('keeps every section under 3000 characters, even for a huge abstract or title', () => {
    const big = testCard(1, { title: '<'.repeat(5000), abstract: '&'.repeat(10_000) });
    const msg = renderReply({ kind: 'paper', card: big, visibility: 'ephemeral', shareable: true });
    for (const t of textObjects(msg.blocks)) expect(t.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    expect(msg.text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} ${'x'.repeat(100)}`);
    const text = renderReply({ kind: 'text', title: 'Help', lines, visibility: 'ephemeral' });
    for (const t of textObjects(text.blocks)) expect(t.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    expect(text.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
  });

  it('clips button labels to 75 characters and leaves out buttons whose value would not fit', () => {
    const choices: Reply = {
      kind: 'choices',
      title: 'Which one?',
      choices: [
        { label: 'A'.repeat(200), command: 'paper 1', input: { id: '1' } },
        { label: 'too big', command: 'paper 2', input: { id: 'x'.repeat(3000) } },
      ],
      visibility: 'ephemeral',
    };
    const b = buttons(renderReply(choices).blocks);
    expect(b).toHaveLength(1);
    expect(b[0]!.label.length).toBeLessThanOrEqual(LIMITS.buttonLabel);
    expect(JSON.parse(b[0]!.value!)).toEqual({ command: 'paper', input: { id: '1' } });
    const noShare = renderReply(papers([testCard(1)]), { shareValue: 'x'.repeat(2001) });
    expect(buttons(noShare.blocks).some((x) => x.label === 'Share in channel')).toBe(false);
  });

  it('renders an error with its hints and no buttons', () => {
    const msg = renderReply({ kind: 'error', message: 'No paper matches "<x>".', hints: ['Try `search`.'], visibility: 'ephemeral' });
    const seen = seenOf(msg, true);
    expect(seen.text).toContain('No paper matches "<x>".');
    expect(seen.text).toContain('Try `search`.');
    expect(buttons(msg.blocks)).toHaveLength(0);
  });
});
