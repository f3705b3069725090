// The ask router: which intent a question gets, and the dates it names.
import { describe, expect, it } from 'vitest';
import { extractDates, route, topicOf, type RouteContext } from '../../src/ask/intent.js';

const TODAY = '2026-12-02';
const ctx = (over: Partial<RouteContext> = {}): RouteContext => ({
  today: TODAY,
  followUp: false,
  namesPaper: (ref) => /^kivi$/i.test(ref.trim()),
  ...over,
});

describe('ask router', () => {
  it('routes each kind of question to its intent', () => {
    const cases: Array<[string, string]> = [
      ["what's trending today?", 'trending'],
      ['what is popular this week', 'trending'],
      ['tell me about KIVI', 'paper'],
      ['KIVI', 'paper'],
      ['what is 2402.02750?', 'paper'],
      ['https://huggingface.co/papers/2402.02750', 'paper'],
      ['see https://arxiv.org/abs/2402.02750v2 please', 'paper'],
      ['papers from Google this year', 'by'],
      ['research by Yann LeCun on world models', 'by'],
      ['how many papers on linear attention since June?', 'count'],
      ["what's new on KV cache compression?", 'list'],
      ['tell me about kv cache compression', 'question'],
    ];
    for (const [q, kind] of cases) expect([q, route(q, ctx()).intent.kind]).toEqual([q, kind]);
  });

  it('reads the parts of an intent: the period, the paper, who and on what, the counted topic', () => {
    expect(route("what's trending this week?", ctx()).intent).toEqual({ kind: 'trending', period: 'week' });
    expect(route("what's trending today?", ctx()).intent).toEqual({ kind: 'trending', period: 'today' });
    expect(route('trending last month', ctx()).intent).toEqual({ kind: 'trending', period: '2026-11' });
    expect(route('https://huggingface.co/papers/2402.02750', ctx()).intent).toEqual({ kind: 'paper', ref: '2402.02750' });
    expect(route('https://hf.co/papers/2402.02750v2', ctx()).intent).toEqual({ kind: 'paper', ref: '2402.02750' });
    expect(route('research by Yann LeCun on world models', ctx()).intent).toEqual({ kind: 'by', who: 'Yann LeCun', topic: 'world models' });
    expect(route('how many papers on linear attention since June?', ctx()).intent).toEqual({ kind: 'count', topic: 'linear attention' });
  });

  it('follow-ups are read only when the thread has a previous answer', () => {
    const follow = ctx({ followUp: true });
    expect(route('more like [2]', follow).intent).toEqual({ kind: 'more-like', n: 2 });
    expect(route('show me papers similar to 3', follow).intent).toEqual({ kind: 'more-like', n: 3 });
    expect(route('tell me more about 1', follow).intent).toEqual({ kind: 'detail', n: 1 });
    expect(route('[2]', follow).intent).toEqual({ kind: 'detail', n: 2 });
    expect(route('only since 2025', follow).intent).toEqual({ kind: 'refilter' });
    // Without one, words that can only be a follow-up say there is nothing to follow up on (the command
    // explains it); other words stay a question.
    expect(route('more like [2]', ctx()).intent.kind).toBe('no-previous');
    expect(route('tell me more about 1', ctx()).intent.kind).toBe('no-previous');
    expect(route('only since 2025', ctx()).intent.kind).toBe('no-previous');
    expect(route('since 2025', ctx()).intent.kind).toBe('question');
    expect(route('2', ctx()).intent.kind).toBe('question');
  });

  it('a day, an ISO week or a month written as trending takes them is the period asked for', () => {
    expect(route('what was trending on 2026-06-12?', ctx()).intent).toEqual({ kind: 'trending', period: '2026-06-12' });
    expect(route("what's trending in 2026-W24?", ctx()).intent).toEqual({ kind: 'trending', period: '2026-W24' });
    expect(route('trending 2026-06', ctx()).intent).toEqual({ kind: 'trending', period: '2026-06' });
    expect(route('papers on agents since 2025-11-05', ctx()).dates).toMatchObject({ since: '2025-11-05', until: null });
    // Not a date: left as words.
    expect(route('trending 2026-13-45', ctx()).dates.phrases).toEqual([]);
  });

  it('"tell me about the X paper" looks the paper up', () => {
    expect(route('tell me about the KIVI paper', ctx()).intent).toEqual({ kind: 'paper', ref: 'KIVI' });
  });

  it('an empty question is the guide; punctuation alone is a question with no topic', () => {
    expect(route('   ', ctx()).intent).toEqual({ kind: 'guide' });
    expect(route('?!?', ctx()).intent).toEqual({ kind: 'question', topic: '' });
  });

  it('"tell me about X" is a paper only when X names one', () => {
    expect(route('tell me about KIVI', ctx({ namesPaper: () => false })).intent).toEqual({ kind: 'question', topic: 'KIVI' });
  });
});

describe('ask dates', () => {
  it('reads date words as filters, relative to today', () => {
    const cases: Array<[string, string | null, string | null]> = [
      ['today', '2026-12-02', '2026-12-02'],
      ['yesterday', '2026-12-01', '2026-12-01'],
      ['this week', '2026-11-30', '2026-12-06'],
      ['last week', '2026-11-23', '2026-11-29'],
      ['this month', '2026-12-01', '2026-12-31'],
      ['last month', '2026-11-01', '2026-11-30'],
      ['since March', '2026-03-01', null],
      ['since December', '2026-12-01', null],
      ['since june 2025', '2025-06-01', null],
      ['in 2024', '2024-01-01', '2024-12-31'],
      ['in March 2025', '2025-03-01', '2025-03-31'],
      ['since 2025', '2025-01-01', null],
      ['before 2025', null, '2024-12-31'],
      ['this year', '2026-01-01', '2026-12-02'],
    ];
    for (const [phrase, since, until] of cases) {
      const { rest, dates } = extractDates(`kv cache ${phrase}`, TODAY);
      expect([phrase, rest, dates.since, dates.until]).toEqual([phrase, 'kv cache', since, until]);
    }
  });

  it('a month not reached yet this year means last year', () => {
    expect(extractDates('since december', '2026-06-15').dates.since).toBe('2025-12-01');
  });

  it('several date phrases narrow each other', () => {
    expect(extractDates('since 2024 before 2026', TODAY).dates).toMatchObject({ since: '2024-01-01', until: '2025-12-31' });
  });

  it('the topic keeps the subject and drops the framing words', () => {
    expect(topicOf("what's new on KV cache compression?")).toBe('KV cache compression');
    expect(topicOf('any recent papers about agent memory')).toBe('agent memory');
  });
});

describe('ask router: bounded work', () => {
  it('a long question is never looked up as a bare title', () => {
    let lookups = 0;
    const counting = ctx({
      namesPaper: () => {
        lookups += 1;
        return false;
      },
    });
    route('how do retrieval augmented agents keep their long term memory consistent across many sessions', counting);
    expect(lookups).toBe(0);
    route('KIVI', counting);
    expect(lookups).toBe(1);
  });
});
