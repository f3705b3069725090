// The answer cross-validation of npm run eval: which parameters it chooses (picker, list answers and count rule together), and that a remembered answer is one the parameters it read would give again.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PICK } from '../../src/ask/answer.js';
import { DEFAULT_LIST } from '../../src/ask/list.js';
import { DEFAULT_TOPIC } from '../../src/library.js';
import { AnswerCache, COUNT_RULE_GRID, LIST_GRID, answerIndex, leaveOneOut, watch, type Scored } from '../../scripts/evalAnswers.js';
import { PICK_GRID } from '../../scripts/evalAsk.js';
import { createTestCore } from '../support/core.js';
import { testPapers } from '../support/papers.js';

const s = (n: number): Scored => ({ cited: n, relevantCited: n, topShare: 1, countOk: null, f1: 1, hit3: null, titles: [], count: null });

describe('answer cross-validation', () => {
  it("the list answers' relevance cut-off and recent window are chosen by the cross-validation, and the shipped parameters are grid points", () => {
    expect(LIST_GRID.cutoff).toContain(DEFAULT_LIST.cutoff);
    expect(LIST_GRID.recentDays).toContain(DEFAULT_LIST.recentDays);
    expect(LIST_GRID.cutoff.length).toBeGreaterThan(1);
    expect(LIST_GRID.recentDays.length).toBeGreaterThan(1);
    for (const [k, values] of Object.entries(PICK_GRID)) expect(values).toContain(DEFAULT_PICK[k as keyof typeof DEFAULT_PICK]);
  });

  it('the count rule (mentions, share, newestMentions) is in the same grid, and the shipped rule is a grid point', () => {
    for (const [k, values] of Object.entries(COUNT_RULE_GRID)) {
      expect(values.length).toBeGreaterThan(1);
      expect(values).toContain(DEFAULT_TOPIC[k as keyof typeof COUNT_RULE_GRID]);
    }
  });

  it('each fold chooses the picker and the count rule together: the point best on the other questions, ties to the plainer', () => {
    const lengths = [2, 2]; // a picker parameter, a count-rule parameter
    const cite = (relevant: number): Scored => ({ ...s(1), relevantCited: relevant, f1: relevant, topShare: relevant });
    const counted = (ok: boolean): Scored => ({ ...s(1), countOk: ok });
    const tables = [
      { axes: [0], answers: [cite(0), cite(1)] }, // a synthesis question, better at the picker's second value
      { axes: [0], answers: [cite(0), cite(1)] },
      { axes: [1], answers: [counted(false), counted(true)] }, // count questions, right with the rule's second value
      { axes: [1], answers: [counted(false), counted(true)] },
    ];
    const cv = leaveOneOut(tables, lengths);
    expect(cv.best).toBe(3);
    expect(cv.chosen).toEqual([3, 3, 3, 3]);
    // Alone, a count question's fold has no other count to learn the rule from: the plainer value.
    const alone = leaveOneOut([tables[0]!, tables[1]!, tables[2]!], lengths);
    expect(alone.chosen).toEqual([3, 3, 2]);
    expect(answerIndex(tables[2]!, 2, lengths)).toBe(0);
    expect(answerIndex({ axes: [0, 1], answers: [] }, 2, lengths)).toBe(2);
  });

  it("a count's answer reads only the count rule (mentions, share): not the what's-new rule, the picker or the list answers'", async () => {
    const reads = new Set<string>();
    watch(DEFAULT_TOPIC, '', reads, Object.keys(COUNT_RULE_GRID));
    watch(DEFAULT_PICK, '', reads);
    watch(DEFAULT_LIST, '', reads);
    const core = await createTestCore({ papers: testPapers });
    for (const words of ['model merging', 'kv cache compression']) {
      reads.clear();
      await core.dispatcher.runText(`how many papers on ${words}?`);
      expect([...reads].sort()).toEqual(['mentions', 'share']);
    }
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
