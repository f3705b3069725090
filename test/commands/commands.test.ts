// Commands through the dispatcher: replies, paging, pick lists, help, and the two kinds of failure.
import { z } from 'zod';
import { describe, expect, it, vi } from 'vitest';
import { commands } from '../../commands/index.js';
import { defineCommand } from '../../src/command.js';
import { APOLOGY, createRegistry, Dispatcher } from '../../src/dispatch.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import { createTestCore, FakeClock } from '../support/core.js';
import { testPapers } from '../support/papers.js';

describe('search command', () => {
  it('returns paper cards with snippets and a cursor for more', async () => {
    const core = await createTestCore();
    const reply = await core.dispatcher.run({ command: 'search', input: { query: 'kv cache', limit: 1 } });
    expect(reply.kind).toBe('papers');
    if (reply.kind !== 'papers') return;
    expect(reply).toMatchObject({ visibility: 'ephemeral', shareable: true, start: 1, total: 2 });
    expect(reply.cards[0]?.snippet.some((s) => s.match)).toBe(true);
    expect(reply.next).toEqual({ command: 'search', input: { query: 'kv cache', limit: 1 }, offset: 1 });
    const more = await core.dispatcher.run({ command: 'search', input: { ...reply.next?.input, offset: reply.next?.offset } });
    expect(more.kind === 'papers' && more.start).toBe(2);
    expect(more.kind === 'papers' && more.next).toBeUndefined();
  });

  it('an empty query gets the help text', async () => {
    const reply = await (await createTestCore()).dispatcher.run({ command: 'search', text: '   ' });
    expect(reply.kind).toBe('text');
    expect(reply.kind === 'text' && reply.lines.join('\n')).toMatch(/Usage: search/);
  });

  it('a query over 500 characters is refused clearly', async () => {
    const reply = await (await createTestCore()).dispatcher.run({ command: 'search', text: 'a'.repeat(501) });
    expect(reply).toMatchObject({ kind: 'error', visibility: 'ephemeral' });
    expect(reply.kind === 'error' && reply.message).toMatch(/to 500 at most/);
  });

  it('no match says "no papers match" with the nearest suggestions', async () => {
    const reply = await (await createTestCore()).dispatcher.run({ command: 'search', text: 'quantizaton' });
    // A typo is corrected rather than failing, and the reply says how it was read.
    expect(reply.kind === 'papers' && reply.notice).toBe('No exact match for "quantizaton"; read as "quantization".');
    const none = await (await createTestCore()).dispatcher.run({ command: 'search', text: 'qqqzzzxx' });
    expect(none.kind).toBe('error');
    if (none.kind !== 'error') return;
    expect(none.message).toMatch(/No papers match "qqqzzzxx"/);
    expect(none.hints.join(' ')).toMatch(/Related topics: /);
    const filtered = await (await createTestCore()).dispatcher.run({ command: 'search', text: 'memroy until:2010' });
    expect(filtered.kind === 'error' && filtered.hints.join(' ')).toMatch(/Did you mean: memory.*Dropping a filter may help/s);
  });
});

describe('search command: what the reply says about the words', () => {
  const paper = (id: string, title: string, abstract: string, publishedAt: string) => ({
    ...testPapers[0]!,
    id,
    arxivId: null,
    title,
    abstract,
    publishedAt,
    upvotes: 0,
  });

  it('search: a word that matches nothing is named in the notice, with the words the papers are about', async () => {
    const core = await createTestCore({ papers: [...testPapers, paper('fold', 'Origami folding for robot arms', 'Folding paper into shapes.', '2025-11-20')] });
    const reply = await core.dispatcher.run({ command: 'search', text: 'protein folding' });
    expect(reply.kind === 'papers' && reply.cards.map((c) => c.id)).toEqual(['fold']);
    expect(reply.kind === 'papers' && reply.notice).toBe('No paper mentions "protein"; showing papers on "folding".');
  });

  it('search: "this week" filters to the week of the bot\'s clock in its time zone and is not searched as a word', async () => {
    const papers = [
      ...testPapers,
      paper('older', 'KV cache eviction', 'We evict the KV cache of long prompts.', '2025-11-10'),
      paper('lastweek', 'KV cache merging', 'We merge the KV cache across layers.', '2025-11-18'),
      paper('week', 'A week of weather', 'Forecasts for the coming week.', '2025-11-25'),
    ];
    // NOTE: 2025-12-01 03:00 UTC is still Sunday 2025-11-30 in New York, the test core's zone: ISO week 48.
    const core = await createTestCore({ papers, clock: new FakeClock(new Date('2025-12-01T03:00:00Z')) });
    const reply = await core.dispatcher.run({ command: 'search', text: 'kv cache this week' });
    expect(reply.kind === 'papers' && reply.cards.map((c) => c.id).sort()).toEqual(['2402.02750', '2406.03482']);
    expect(reply.kind === 'papers' && reply.notice).toBe('Papers from this week (2025-11-24 to 2025-11-30).');
    const last = await core.dispatcher.run({ command: 'search', text: 'kv cache last week' });
    expect(last.kind === 'papers' && last.cards.map((c) => c.id)).toEqual(['lastweek']);
    const weekOnly = await core.dispatcher.run({ command: 'search', text: 'weather this week' });
    expect(weekOnly.kind === 'papers' && weekOnly.cards.map((c) => c.id)).toEqual(['week']);
    const none = await core.dispatcher.run({ command: 'search', text: 'kv cache today' });
    expect(none.kind === 'error' && none.hints[0]).toBe('Only papers from today (2025-11-30 to 2025-11-30) were searched.');
  });
});

describe('paper command', () => {
  it('finds a paper by arXiv id, with or without a version suffix', async () => {
    const core = await createTestCore();
    for (const id of ['2402.02750', '2402.02750v2', 'arXiv:2402.02750']) {
      const reply = await core.dispatcher.run({ command: 'paper', text: id });
      expect(reply.kind === 'paper' && reply.card.title).toMatch(/^KIVI/);
    }
  });

  it('an unknown arXiv id says so instead of matching numbers in titles', async () => {
    const reply = await (await createTestCore()).dispatcher.run({ command: 'paper', text: '2506.08872' });
    expect(reply).toMatchObject({ kind: 'error', message: 'No paper with arXiv id 2506.08872 is stored.' });
  });

  it('gives the whole abstract and links to the paper page and PDF', async () => {
    const reply = await (await createTestCore()).dispatcher.run({ command: 'paper', text: 'Informer' });
    expect(reply.kind).toBe('paper');
    if (reply.kind !== 'paper') return;
    expect(reply.card.abstract).toMatch(/ProbSparse/);
    expect(reply.card.url).toBe('https://huggingface.co/papers/2012.07436');
    expect(reply.card.pdfUrl).toBe('https://arxiv.org/pdf/2012.07436');
  });

  it('several matching papers give a short pick list', async () => {
    const reply = await (await createTestCore()).dispatcher.run({ command: 'paper', text: 'kv cache' });
    expect(reply.kind).toBe('choices');
    if (reply.kind === 'choices') expect(reply.choices.map((c) => c.input.id)).toEqual(expect.arrayContaining(['2402.02750', '2406.03482']));
  });

  it('paper: a title\'s name ("A-MEM") finds that paper, not a longer name that starts the same way, and autocompletes first', async () => {
    const papers = [
      ...testPapers,
      { ...testPapers[0]!, id: 'guard', arxivId: null, title: 'A-MemGuard: A Proactive Defense Framework for LLM-Based Agent Memory', upvotes: 90 },
      { ...testPapers[0]!, id: 'amem', arxivId: null, title: 'A-MEM: Agentic Memory for LLM Agents', upvotes: 3 },
    ];
    const core = await createTestCore({ papers });
    const reply = await core.dispatcher.run({ command: 'paper', text: 'A-MEM' });
    expect(reply.kind === 'paper' && reply.card.id).toBe('amem');
    expect((await core.dispatcher.complete('paper', 'id', 'A-MEM'))[0]?.value).toBe('amem');
    const prefix = await core.dispatcher.run({ command: 'paper', text: 'A-Mem' });
    expect(prefix.kind === 'paper' && prefix.card.id).toBe('amem');
  });

  it('autocompletes titles to ids', async () => {
    const got = await (await createTestCore()).dispatcher.complete('paper', 'id', 'memo');
    expect(got[0]).toEqual({ name: 'MemOS: A Memory OS for AI System', value: 't-memos-a-memory-os-for-ai-system-abc123' });
  });
});

describe('topic command', () => {
  it('with no words lists known topics with counts', async () => {
    const reply = await (await createTestCore()).dispatcher.run({ command: 'topic', text: '' });
    expect(reply.kind === 'text' && reply.lines.some((l) => /^kv cache \(\d+ papers\)$/.test(l))).toBe(true);
  });

  it('among equally relevant papers, fresher and more upvoted ones come first', async () => {
    const same = (title: string, publishedAt: string, upvotes: number) => ({
      ...testPapers[0]!,
      id: `t-${title}`,
      arxivId: null,
      title: `${title}: sparse mixture routing`,
      abstract: 'We study sparse mixture routing for language models.',
      publishedAt,
      upvotes,
    });
    const core = await createTestCore({ papers: [same('Old', '2023-01-01', 1), same('New', '2025-11-01', 1), same('Popular', '2023-01-01', 80)] });
    const reply = await core.dispatcher.run({ command: 'topic', text: 'sparse mixture routing' });
    const order = reply.kind === 'papers' ? reply.cards.map((c) => c.title.split(':')[0]) : [];
    expect(order).toHaveLength(3);
    expect(order[2]).toBe('Old');
  });

  it('a known topic lists papers about it, not papers that merely mention it once', async () => {
    const about = { ...testPapers[0]!, id: 'about', arxivId: null, title: 'Fast Checkpointing for Training', abstract: 'We save state quickly.' };
    const twice = { ...testPapers[0]!, id: 'twice', arxivId: null, title: 'Recovery', abstract: 'Every checkpoint is verified. A checkpoint is cheap.' };
    const mention = { ...testPapers[0]!, id: 'mention', arxivId: null, title: 'A Vision Model', abstract: 'We release our checkpoints.' };
    const core = await createTestCore({ papers: [about, twice, mention] });
    const reply = await core.dispatcher.run({ command: 'topic', text: 'checkpointing' });
    expect(reply.kind === 'papers' && reply.cards.map((c) => c.id).sort()).toEqual(['about', 'twice']);
    const list = await core.dispatcher.run({ command: 'topic', text: '' });
    expect(list.kind === 'text' && list.lines).toContain('checkpointing (2 papers)');
  });

  it('topic: text with no real words ("???", "the") is refused kindly instead of listing every paper', async () => {
    for (const text of ['???', 'the']) {
      const reply = await (await createTestCore()).dispatcher.run({ command: 'topic', text });
      expect(reply).toMatchObject({ kind: 'error', visibility: 'ephemeral' });
      expect(reply.kind === 'error' && reply.message).toBe(`"${text}" has no words I can look up a topic for.`);
    }
  });

  it('autocompletes known topic names', async () => {
    const got = await (await createTestCore()).dispatcher.complete('topic', 'topic', 'kv');
    expect(got.map((c) => c.value)).toContain('kv cache');
  });
});

describe('dispatcher', () => {
  it('free text that is not a command is a question for ask, answered with cited papers (a "which paper" question with a list); empty text gets help', async () => {
    const core = await createTestCore();
    const q = await core.dispatcher.runText('how is the kv cache quantized?');
    expect(q.kind).toBe('answer');
    expect(q.kind === 'answer' && q.cards.map((c) => c.title.slice(0, 4))).toContain('KIVI');
    const which = await core.dispatcher.runText('which paper quantizes the kv cache?');
    expect(which.kind === 'papers' && which.cards.map((c) => c.title.slice(0, 4))).toContain('KIVI');
    const h = await core.dispatcher.runText('  ');
    expect(h.kind === 'text' && h.title).toMatch(/paperboy/);
    const t = await core.dispatcher.runText('/trending 2025-11-27');
    expect(t.kind === 'papers' && t.title).toBe('Trending on 2025-11-27');
  });

  it('an unknown command lists the known ones', async () => {
    const reply = await (await createTestCore()).dispatcher.run({ command: 'frobnicate' });
    expect(reply.kind === 'error' && reply.hints.join(' ')).toMatch(
      /ask, search, trending, paper, cards, topic, follow, following, unfollow, subscribe, subscriptions, unsubscribe, help/,
    );
  });

  it('a bug inside a command is logged with context and answered with a generic apology, no internals', async () => {
    const boom = defineCommand({
      name: 'boom',
      description: 'fails',
      usage: '',
      args: [],
      options: z.object({}),
      fromText: () => ({}),
      run: async () => {
        throw new Error('secret internal detail at /srv/app.js:12');
      },
    });
    const error = vi.fn();
    const logger: Logger = { ...silentLogger, child: () => logger, error };
    const core = await createTestCore();
    const d = new Dispatcher({ library: core.library, clock: new FakeClock(new Date()), timeZone: 'UTC', logger, commands: [...commands, boom] });
    const reply = await d.run({ command: 'boom', text: 'x' }, { platform: 'test', user: 'U1' });
    expect(reply).toEqual({ kind: 'error', message: APOLOGY, hints: [], visibility: 'ephemeral' });
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ command: 'boom', caller: { platform: 'test', user: 'U1' } }), 'command failed');
  });

  it('the registry rejects duplicate command names', () => {
    expect(() => createRegistry([...commands, commands[0] as (typeof commands)[number]])).toThrow(`Duplicate command name: ${commands[0]?.name ?? ''}`);
  });

  it('help lists every registered command', async () => {
    const reply = await (await createTestCore()).dispatcher.run({ command: 'help' });
    const text = reply.kind === 'text' ? reply.lines.join('\n') : '';
    for (const c of commands) expect(text).toContain(c.name);
  });
});
