// Numbers follow the screen: "2", "#2", "tell me more about 2" mean what the last numbered list of the conversation showed.
import { describe, expect, it } from 'vitest';
import { closeCommand } from '../src/dispatch.js';
import type { Caller } from '../src/ports.js';
import type { PaperCard, Reply } from '../src/reply.js';
import { referenceOf } from '../src/screen.js';
import { createTestCore } from './support/core.js';
import { manyPapers } from './support/manyPapers.js';

const thread = (t: string): Caller => ({ platform: 'slack', channel: 'C1', thread: t });

/** The one paper a reply shows in detail (an ask answer's first card, or a paper card). */
function detailOf(r: Reply): PaperCard | undefined {
  if (r.kind === 'answer') return r.cards[0];
  if (r.kind === 'paper') return r.card;
  return undefined;
}

function cardsOf(r: Reply): PaperCard[] {
  return r.kind === 'papers' ? r.cards : [];
}

describe('screen: references to what was shown', () => {
  it('reads the ways a number on screen is named, and nothing else', () => {
    for (const [text, n] of [
      ['2', 2],
      ['#2', 2],
      ['[2]', 2],
      ['tell me more about 3', 3],
      ['more about 2?', 2],
      ['open 3', 3],
      ['the second one', 2],
      ['details on 4', 4],
    ] as const) {
      expect(referenceOf(text)).toBe(n);
    }
    for (const text of ['more like [2]', 'kv cache', '2024', 'the end', 'what is 2 bit quantization?']) expect(referenceOf(text)).toBeNull();
  });

  it('after a search, a bare number is that search result, with its details', async () => {
    const core = await createTestCore();
    for (const text of ['2', '#2', 'open 2', 'the second one']) {
      // Each time after a fresh search: the details shown are themselves a numbered list (the paper and its related papers).
      const results = cardsOf(await core.dispatcher.runText('search kv cache', thread('T1')));
      expect(results.length).toBeGreaterThan(1);
      const r = await core.dispatcher.runText(text, thread('T1'));
      expect(detailOf(r)?.id).toBe(results[1]?.id);
      expect(detailOf(r)?.abstract).toBeDefined();
    }
  });

  it('"tell me more about 1" after a search is search result 1, even when an older answer exists in the same conversation', async () => {
    const core = await createTestCore();
    const answered = await core.dispatcher.runText('how is the kv cache quantized?', thread('T1'));
    expect(answered.kind === 'answer' && answered.cards.length).toBeGreaterThan(0);
    const results = cardsOf(await core.dispatcher.runText('search memory os', thread('T1')));
    expect(results[0]?.id).not.toBe(answered.kind === 'answer' ? answered.cards[0]?.id : undefined);
    const more = await core.dispatcher.runText('tell me more about 1', thread('T1'));
    expect(detailOf(more)?.id).toBe(results[0]?.id);
  });

  it('after More (page 2), "7" is the 7th result shown', async () => {
    const core = await createTestCore({ papers: manyPapers });
    const pages = async (t: string) => {
      const page1 = await core.dispatcher.runText('search sparse attention', thread(t));
      const next = page1.kind === 'papers' ? page1.next : undefined;
      expect(next).toBeDefined();
      const page2 = await core.dispatcher.run({ command: next?.command ?? '', input: { ...next?.input, offset: next?.offset } }, thread(t));
      expect(page2.kind === 'papers' && page2.start).toBe(6);
      return [cardsOf(page1), cardsOf(page2)] as const;
    };
    const [, second] = await pages('T1');
    expect(detailOf(await core.dispatcher.runText('7', thread('T1')))?.id).toBe(second[1]?.id);
    // The first page's numbers still mean what they showed.
    const [first] = await pages('T2');
    expect(detailOf(await core.dispatcher.runText('2', thread('T2')))?.id).toBe(first[1]?.id);
  });

  it('a number beyond the last list gets a friendly message naming the range', async () => {
    const core = await createTestCore();
    const results = cardsOf(await core.dispatcher.runText('search kv cache', thread('T1')));
    const r = await core.dispatcher.runText('9', thread('T1'));
    expect(r.kind === 'error' && r.message).toBe(`The last list here has no [9]; pick a number from 1 to ${results.length}.`);
  });

  it('a bare number where nothing was listed says so instead of answering a made-up question', async () => {
    const r = await (await createTestCore()).dispatcher.runText('2', thread('fresh'));
    expect(r.kind === 'error' && r.message).toBe('There is no numbered list here to pick from yet.');
  });

  it('an answer numbers its related papers after the cited ones, and "more like [n]" counts them the same way', async () => {
    const core = await createTestCore();
    const details = await core.dispatcher.runText('tell me about KIVI', thread('T1'));
    expect(details.kind === 'answer' && details.related?.length).toBeGreaterThan(0);
    const second = details.kind === 'answer' ? details.related?.[0] : undefined;
    const like = await core.dispatcher.runText('more like [2]', thread('T1'));
    expect(like.kind === 'papers' && like.title).toBe(`More like [2]: ${second?.title}`);
  });

  it('in a DM, a number typed as a new message picks from the list the DM showed last', async () => {
    const core = await createTestCore();
    const dm = (t: string): Caller => ({ platform: 'discord', channel: 'D1', thread: t, direct: true });
    const results = cardsOf(await core.dispatcher.runText('search kv cache', dm('m1')));
    expect(detailOf(await core.dispatcher.runText('2', dm('m2')))?.id).toBe(results[1]?.id);
  });
});

describe('screen: mistyped commands', () => {
  it('/serach suggests /search, in the console form and as a bare first word', async () => {
    const core = await createTestCore();
    for (const line of ['/serach kv', 'serach kv']) {
      const r = await core.dispatcher.runText(line, thread('T1'));
      expect(r.kind === 'error' && r.message).toBe('I don\'t know the command "serach" — did you mean "search"?');
    }
    const r = await core.dispatcher.run({ command: 'trendign' });
    expect(r.kind === 'error' && r.message).toMatch(/did you mean "trending"\?$/);
  });

  it('a question whose first word only extends a command name stays a question', async () => {
    expect(closeCommand('papers', ['paper', 'search'], 1, false)).toBeNull();
    const r = await (await createTestCore()).dispatcher.runText('papers on kv cache quantization', thread('T1'));
    expect(r.kind).not.toBe('error');
  });
});
