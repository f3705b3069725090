// The answer cross-validation of npm run eval: which parameters it chooses, and that a remembered answer is one the parameters it read would give again.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PICK } from '../../src/ask/answer.js';
import { DEFAULT_LIST } from '../../src/ask/list.js';
import { AnswerCache, LIST_GRID, watch, type Scored } from '../../scripts/evalAnswers.js';
import { PICK_GRID } from '../../scripts/evalAsk.js';

const s = (n: number): Scored => ({ cited: n, relevantCited: n, topShare: 1, countOk: null, f1: 1, hit3: null, titles: [], count: null });

describe('answer cross-validation', () => {
  it("the list answers' relevance cut-off and recent window are chosen by the cross-validation, and the shipped parameters are grid points", () => {
    expect(LIST_GRID.cutoff).toContain(DEFAULT_LIST.cutoff);
    expect(LIST_GRID.recentDays).toContain(DEFAULT_LIST.recentDays);
    expect(LIST_GRID.cutoff.length).toBeGreaterThan(1);
    expect(LIST_GRID.recentDays.length).toBeGreaterThan(1);
    for (const [k, values] of Object.entries(PICK_GRID)) expect(values).toContain(DEFAULT_PICK[k as keyof typeof DEFAULT_PICK]);
  });

  it('an answer is remembered under the parameters it read: a point differing only in others is not asked again, one differing in them is', () => {
    const cache = new AnswerCache();
    cache.put(['cutoff', 'recentDays'], { cutoff: 0.5, recentDays: 365, pool: 5 }, s(1));
    expect(cache.get({ cutoff: 0.5, recentDays: 365, pool: 12 })?.cited).toBe(1);
    expect(cache.get({ cutoff: 0.3, recentDays: 365, pool: 5 })).toBeUndefined();
    // An answer that read nothing (a count) is the same at every point.
    const count = new AnswerCache();
    count.put([], { cutoff: 0.5 }, s(2));
    expect(count.get({ cutoff: 0.7, pool: 8 })?.cited).toBe(2);
  });

  it('a watched options object notes each field read, spreads included, and still takes new values', () => {
    const reads = new Set<string>();
    const options = { a: 1, b: 2, c: 3 };
    watch(options, '', reads);
    options.b = 5;
    expect(reads.size).toBe(0);
    expect(options.a + 1).toBe(2);
    expect([...reads]).toEqual(['a']);
    expect({ ...options }).toEqual({ a: 1, b: 5, c: 3 });
    expect([...reads].sort()).toEqual(['a', 'b', 'c']);
  });
});
