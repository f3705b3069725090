// The ask command end to end through the dispatcher: intents, follow-ups kept per thread for a day, and bad input.
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { gist } from '../../src/ask/gist.js';
import { contentOf, paperName, standAlone } from '../../src/ask/sentence.js';
import { sentences } from '../../src/search/snippets.js';
import { ok } from '../../src/errors.js';
import type { Paper } from '../../src/papers/model.js';
import { loadSeedDir } from '../../src/papers/seeds.js';
import { CONVERSATION_TTL_MS, StoredConversations } from '../../src/ask/conversations.js';
import type { Caller } from '../../src/ports.js';
import type { Reply } from '../../src/reply.js';
import { FakeClock, createTestCore } from '../support/core.js';
import { HOSTILE_TITLE } from '../support/papers.js';
import { questionWords } from '../../commands/ask.js';

type Answer = Extract<Reply, { kind: 'answer' }>;
const thread = (t: string): Caller => ({ platform: 'slack', channel: 'C1', thread: t });

function answer(r: Reply): Answer {
  if (r.kind !== 'answer') throw new Error(`expected an answer, got ${r.kind}: ${JSON.stringify(r).slice(0, 200)}`);
  return r;
}

describe('ask', () => {
  it('a topic question gets cited sentences, numbered by first use, with the cited papers as cards in that order', async () => {
    const core = await createTestCore();
    const r = answer(await core.dispatcher.run({ command: 'ask', text: 'how is the kv cache quantized?' }));
    expect(r.sentences.length).toBeGreaterThanOrEqual(2);
    const used = r.sentences.flatMap((s) => s.cites);
    expect([...new Set(used)]).toEqual(r.cards.map((_c, i) => i + 1));
    expect(r.cards.map((c) => c.title.slice(0, 4)).sort()).toEqual(['KIVI', 'QJL:']);
  });

  it('routes trending, a paper, an organisation and a count to their own replies', async () => {
    const core = await createTestCore();
    const t = await core.dispatcher.runText("what's trending today?");
    expect(t.kind === 'papers' && t.title).toBe('Trending on 2025-11-27');
    const p = answer(await core.dispatcher.runText('tell me about Informer'));
    expect(p.cards[0]?.title).toMatch(/^Informer/);
    expect(p.cards[0]?.abstract).toMatch(/ProbSparse/);
    const by = await core.dispatcher.runText('papers from Rice University');
    expect(by.kind === 'papers' && by.cards.map((c) => c.title.slice(0, 4))).toEqual(['KIVI']);
    const n = await core.dispatcher.runText('how many papers on kv cache since 2025?');
    expect(n.kind === 'papers' && n.title).toBe('2 papers on "kv cache" since 2025-01-01');
  });

  it('pings and markup in a question are neither searched nor answered: the same papers as the plain question', async () => {
    const core = await createTestCore();
    const plain = answer(await core.dispatcher.runText('kv cache quantization'));
    const hostile = answer(await core.dispatcher.runText('@everyone <!channel> <script>alert(1)</script> **kv cache** [quantization](http://evil.example)'));
    expect(hostile.cards.map((c) => c.id)).toEqual(plain.cards.map((c) => c.id));
    expect(questionWords('@here <@U123> hi <b>there</b>')).toBe('hi there');
  });

  it('a count that finds nothing says so and shows the closest papers at any date', async () => {
    const core = await createTestCore();
    const r = answer(await core.dispatcher.runText('how many papers on kv cache since 2030?'));
    expect(r.notice).toMatch(/^I couldn't find papers on "kv cache" since 2030-01-01\. The closest at any date are below\.$/);
    expect(r.related?.length).toBeGreaterThan(0);
  });

  it('a follow-up where there is no earlier answer says so', async () => {
    const core = await createTestCore();
    for (const text of ['more like [1]', 'tell me more about 2', 'only since 2025']) {
      const r = await core.dispatcher.runText(text, thread('fresh'));
      expect(r.kind === 'error' && r.message).toBe('There is no earlier answer here to follow up on.');
    }
  });

  it('follow-ups in the same thread work on the previous answer; another thread has none', async () => {
    const core = await createTestCore();
    const first = answer(await core.dispatcher.runText('how is the kv cache quantized?', thread('T1')));
    const second = first.cards[1];
    expect(second).toBeDefined();
    const more = answer(await core.dispatcher.runText('tell me more about 2', thread('T1')));
    expect(more.cards[0]?.id).toBe(second?.id);
    const like = await core.dispatcher.runText('more like [1]', thread('T1'));
    expect(like.kind === 'papers' && like.title).toMatch(/^More like \[1\]/);
    // In another thread there is no earlier answer to work on.
    const elsewhere = await core.dispatcher.runText('more like [1]', thread('T2'));
    expect(elsewhere.kind === 'error' && elsewhere.message).toMatch(/no earlier answer/);
  });

  it('"only since …" narrows the previous answer\'s papers to the new dates', async () => {
    const core = await createTestCore();
    answer(await core.dispatcher.runText('kv cache quantization', thread('T1')));
    const none = answer(await core.dispatcher.runText('only since 2026', thread('T1')));
    expect(none.sentences).toEqual([]);
    expect(none.notice).toMatch(/None of the previous answer's \d papers was published since 2026-01-01/);
    const kept = answer(await core.dispatcher.runText('only since 2025-11', thread('T1')));
    expect(kept.cards.length).toBeGreaterThan(0);
    for (const c of kept.cards) expect(c.publishedAt! >= '2025-11-01').toBe(true);
  });

  it('a follow-up to a number the previous answer does not have is explained', async () => {
    const core = await createTestCore();
    answer(await core.dispatcher.runText('kv cache quantization', thread('T1')));
    const r = await core.dispatcher.runText('tell me more about 9', thread('T1'));
    expect(r.kind === 'error' && r.message).toMatch(/no \[9\]/);
  });

  it('conversations are kept in the database for a day, then forgotten', async () => {
    const clock = new FakeClock(new Date('2025-11-27T15:00:00Z'));
    const core = await createTestCore({ clock });
    answer(await core.dispatcher.runText('kv cache quantization', thread('T1')));
    const stored = new StoredConversations(core.database.sql, clock);
    expect((await stored.get('slack:C1:T1'))?.cited.length).toBeGreaterThan(0);
    clock.advance(CONVERSATION_TTL_MS - 60_000);
    expect((await core.dispatcher.runText('tell me more about 1', thread('T1'))).kind).toBe('answer');
    clock.advance(CONVERSATION_TTL_MS + 1);
    expect(await stored.get('slack:C1:T1')).toBeUndefined();
    const late = await core.dispatcher.runText('tell me more about 1', thread('T1'));
    expect(late.kind === 'answer' && late.cards.length > 0 && late.sentences.length > 0).toBe(false);
  });

  it('linkThread lets the bot’s answer message continue the conversation (Discord reply chains)', async () => {
    const core = await createTestCore();
    const caller: Caller = { platform: 'discord', channel: 'C9', thread: 'question-msg' };
    const first = answer(await core.dispatcher.runText('kv cache quantization', caller));
    await core.dispatcher.linkThread(caller, 'answer-msg');
    const more = answer(await core.dispatcher.runText('tell me more about 1', { ...caller, thread: 'answer-msg' }));
    expect(more.cards[0]?.id).toBe(first.cards[0]?.id);
  });
});

describe('ask: bad input', () => {
  it('an empty question gets a short guide with examples', async () => {
    const r = await (await createTestCore()).dispatcher.run({ command: 'ask', text: '' });
    expect(r.kind === 'text' && r.lines.join('\n')).toMatch(/trending this week/);
  });

  it('a question over 500 characters gets a clear limit message', async () => {
    const r = await (await createTestCore()).dispatcher.run({ command: 'ask', input: { question: 'kv '.repeat(200) } });
    expect(r.kind === 'error' && r.message).toMatch(/to 500 at most/);
  });

  it('another language or pure punctuation gets an honest "I couldn\'t find…", never an error', async () => {
    const core = await createTestCore();
    for (const q of ['¿qué hay de nuevo sobre los modelos?', '?!?!', '…—…', '日本語の質問です']) {
      const r = answer(await core.dispatcher.runText(q));
      expect([q, r.sentences]).toEqual([q, []]);
      expect(r.notice).toMatch(/I couldn't find/);
    }
  });

  it('a hostile question and a hostile paper travel as raw text (renderers escape them)', async () => {
    const core = await createTestCore();
    const r = answer(await core.dispatcher.runText('<!channel> @everyone zebrafish mentions?'));
    expect(r.title).toContain('<!channel>');
    expect([...r.cards, ...(r.related ?? [])].map((c) => c.title)).toContain(HOSTILE_TITLE);
  });
});

describe('ask on the seed corpus (issue 16)', async () => {
  const seeds = loadSeedDir(path.resolve(import.meta.dirname, '../../seeds')).papers;
  // NOTE: the seeds' newest papers are from 2026; "recent" is the year before this clock.
  const core = await createTestCore({ papers: seeds, clock: new FakeClock(new Date('2026-06-01T15:00:00Z')) });
  const papersOf = (r: Reply) => {
    if (r.kind !== 'papers') throw new Error(`expected papers, got ${r.kind}: ${JSON.stringify(r).slice(0, 200)}`);
    return r;
  };
  const DANGLING =
    /^(?:however|yet|moreover|furthermore|additionally|thus|therefore|hence|this|these|those|such|it|they|to address|to tackle|to this end|in this paper|in contrast)\b/i;

  it('a count counts by the topic rule: "how many papers on kv cache?" counts what `topic kv cache` lists, and says what it includes', async () => {
    for (const topic of ['kv cache', 'diffusion models', 'linear attention']) {
      const listed = core.library.topic(topic).hits.length;
      const r = papersOf(await core.dispatcher.runText(`how many papers on ${topic}?`));
      expect(r.total).toBe(listed);
      expect(r.title).toBe(`${listed} papers on "${topic}"`);
      expect(r.notice).toMatch(/^Counted as `topic/);
      expect(r.cards.length).toBeGreaterThan(0);
    }
  });

  it('a count of free words counts the papers about them by the topic rule, not every paper with one of them', async () => {
    const r = papersOf(await core.dispatcher.runText('how many papers on kv cache compression?'));
    const any = core.library.search('kv cache compression', 0, 1).total;
    expect(r.total).toBeGreaterThan(0);
    expect(r.total).toBeLessThan(any);
    expect(r.notice).toMatch(/`topic kv cache compression` lists them first: papers with (?:each|at least 2) of its 3 words \(kv · cache · compression\)/);
  });

  it('"which papers quantize LLM weights…" lists the papers, one line each, numbered, with More', async () => {
    const first = papersOf(await core.dispatcher.runText('which papers quantize LLM weights to 4 bits or lower?'));
    expect(first.start).toBe(1);
    expect(first.next).toEqual({ command: 'ask', input: { question: 'which papers quantize LLM weights to 4 bits or lower?' }, offset: 5 });
    const second = papersOf(await core.dispatcher.run({ command: 'ask', input: { ...first.next?.input, offset: first.next?.offset } }));
    expect(second.start).toBe(6);
    const cards = [...first.cards, ...second.cards];
    const onQuantization = cards.filter((c) => /quanti|\bbits?\b|int8|low-bit/i.test(`${c.title} ${c.snippet.map((s) => s.text).join('')}`));
    expect(onQuantization.length).toBeGreaterThanOrEqual(5);
    for (const c of cards) {
      expect(c.snippet).toHaveLength(1);
      expect(c.snippet[0]?.text).not.toMatch(/\n/);
    }
  });

  it('"what\'s new on …" and "anything recent on …" list newest first, within a window the reply names', async () => {
    for (const q of ["what's new on KV cache compression?", 'anything recent on diffusion models?']) {
      const r = papersOf(await core.dispatcher.runText(q));
      expect(r.notice).toMatch(/Newest first|newest at any date first/);
      expect(r.notice).toMatch(/\d{4}-\d{2}-\d{2}/);
      const dates = r.cards.map((c) => c.publishedAt ?? '');
      expect(dates).toEqual([...dates].sort().reverse());
    }
  });

  it('no answer sentence starts with a connective or anaphor whose antecedent is not shown', async () => {
    for (const q of [
      'how can I compress the KV cache of a long-context model?',
      'how is the kv cache quantized?',
      'why do long contexts need so much memory?',
      'how does checkpointing work for LLM training?',
      'what is linear attention?',
    ]) {
      const r = answer(await core.dispatcher.runText(q));
      expect(r.sentences.length).toBeGreaterThan(0);
      for (const s of r.sentences) expect(s.text).not.toMatch(DANGLING);
    }
  });

  it('a how-question shows each cited paper by its contribution or finding sentence, never the background', async () => {
    const hasContribution = (p: Paper) =>
      sentences(p.abstract).some((s) => {
        const text = standAlone(p.abstract.slice(s.start, s.end).trim(), paperName(p));
        return text !== null && contentOf(text) === 1;
      });
    for (const q of [
      'how can I compress the KV cache of a long-context model?',
      'how is the kv cache quantized?',
      'why do long contexts need so much memory?',
    ]) {
      const r = answer(await core.dispatcher.runText(q));
      expect(r.sentences.length).toBeGreaterThan(0);
      for (const s of r.sentences) {
        const cited = core.library.get(r.cards[(s.cites[0] ?? 0) - 1]?.id ?? '');
        expect(cited).toBeDefined();
        if (cited && hasContribution(cited)) expect([q, s.text, contentOf(s.text)]).toEqual([q, s.text, 1]);
      }
    }
    const kv = answer(await core.dispatcher.runText('how can I compress the KV cache of a long-context model?'));
    const text = kv.sentences.map((s) => s.text).join(' ');
    expect(text).not.toMatch(/face significant computational and memory challenges|escalate the memory requirement|focuses on the long-context scenario/);
  });

  it("a question's words are analysed once: each search of a how-question or a comparison is handed the parsed query, never the text to parse again", async () => {
    const searched: unknown[] = [];
    const search = core.library.search.bind(core.library);
    core.library.search = (...args: Parameters<typeof search>) => {
      searched.push(args[0]);
      return search(...args);
    };
    try {
      for (const q of ['how is the kv cache quantized?', 'compare KIVI and QJL', 'how many papers since 2025?']) {
        searched.length = 0;
        await core.dispatcher.runText(q);
        expect(searched.length).toBeGreaterThan(0);
        expect(searched.filter((a) => typeof a === 'string')).toEqual([]);
      }
    } finally {
      core.library.search = search;
    }
  });

  it('"compare A and B" cites both', async () => {
    const r = answer(await core.dispatcher.runText('compare KIVI and QJL'));
    const titles = r.cards.map((c) => c.title);
    expect(titles.some((t) => t.startsWith('KIVI'))).toBe(true);
    expect(titles.some((t) => t.startsWith('QJL'))).toBe(true);
  });

  it("cards of a list answer open with the gist, not the abstract's first sentence", async () => {
    const r = papersOf(await core.dispatcher.runText('which papers are about kv cache?'));
    for (const c of r.cards) {
      const p = core.library.get(c.id);
      expect(c.snippet[0]?.text).toBe(gist(p as Paper));
    }
    expect(r.cards.some((c) => !core.library.get(c.id)?.abstract.startsWith(c.snippet[0]?.text ?? ''))).toBe(true);
  });

  it("with a model configured, a list question still lists the papers and a count is never the model's", async () => {
    const write = vi.fn(async () => ok('Everything is on KIVI [1].'));
    const withModel = await createTestCore({ papers: seeds, writer: { name: 'fake', write } });
    const list = await withModel.dispatcher.runText('which papers are about kv cache?');
    expect(list.kind).toBe('papers');
    const n = papersOf(await withModel.dispatcher.runText('how many papers on kv cache?'));
    expect(n.total).toBe(withModel.library.topic('kv cache').hits.length);
    expect(write).not.toHaveBeenCalled();
    await withModel.close();
  });
});
