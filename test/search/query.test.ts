// Query parsing: periods named in words are date filters (or left out), never search terms; parts and abbreviations stand for typed words.
import { describe, expect, it } from 'vitest';
import { parseQuery, type ParsedQuery, type ParseOptions } from '../../src/search/query.js';

/** A query that must parse. */
function parsed(text: string, options: ParseOptions = {}): ParsedQuery {
  const r = parseQuery(text, options);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

// NOTE: 2025-11-27 is a Thursday in ISO week 48 (Monday 2025-11-24 to Sunday 2025-11-30).
const today = '2025-11-27';

describe('query: periods in words', () => {
  it.each([
    ['kv cache this week', '2025-11-24', '2025-11-30'],
    ['kv cache last week', '2025-11-17', '2025-11-23'],
    ['kv cache today', '2025-11-27', '2025-11-27'],
    ['kv cache from yesterday', '2025-11-26', '2025-11-26'],
    ['kv cache this month', '2025-11-01', '2025-11-30'],
    ['kv cache last month', '2025-10-01', '2025-10-31'],
    ['What is new on KV cache This Week?', '2025-11-24', '2025-11-30'],
  ])('query: "%s" reads as the dates %s to %s and searches only the other words', (text, since, until) => {
    const q = parsed(text, { today });
    expect(q).toMatchObject({ since, until });
    expect(q.period?.range).toEqual({ from: since, to: until });
    expect(q.terms.map((t) => t.word)).toEqual(expect.arrayContaining(['kv', 'cache']));
    expect(q.terms.map((t) => t.term)).not.toEqual(expect.arrayContaining(['week']));
    expect(q.terms.every((t) => !['week', 'month', 'today', 'yesterday', 'last'].includes(t.word))).toBe(true);
  });

  it("query: without today's date a period is left out of the search, not searched as words", () => {
    const q = parsed('what is trending this week?');
    expect(q.terms.map((t) => t.word)).toEqual(['trending']);
    expect(q).toMatchObject({ since: null, until: null, period: { phrase: 'this week', range: null } });
  });

  it('query: a named period narrows since:/until: filters, and one outside them is a problem', () => {
    expect(parsed('memory this month since:2025-11-15', { today })).toMatchObject({ since: '2025-11-15', until: '2025-11-30' });
    const clash = parseQuery('memory this week until:2025-06', { today });
    expect(clash.ok ? null : clash.error.message).toMatch(/"this week" \(2025-11-24 to 2025-11-30\).*nothing can match/);
  });

  it('query: quoted words and words that only contain a period word are searched as typed', () => {
    expect(parsed('"today" weekly', { today }).terms.map((t) => t.word)).toEqual(['today', 'weekly']);
    expect(parsed('"today" weekly', { today }).since).toBeNull();
  });
});

describe('query: terms that stand for typed words', () => {
  it('query: parts of a joined word and abbreviations of a phrase say which typed words they stand for', () => {
    const q = parsed('2bit retrieval-augmented generation');
    const of = Object.fromEntries(q.terms.map((t) => [t.term, t.of ?? null]));
    expect(of).toEqual({ '2bit': null, '2': ['2bit'], bit: ['2bit'], retriev: null, augment: null, rag: ['retriev', 'augment'], gener: null });
  });
});
