// BM25's length normalisation table: the same values as working it out per posting, rebuilt when the index changes.
import { describe, expect, it } from 'vitest';
import type { CorpusView } from '../../../src/search/corpusData.js';
import { lengthNorms } from '../../../src/search/ranking/lengthNorms.js';

function corpus(lengths: number[][], version?: number): CorpusView & { version?: number } {
  return {
    docs: lengths.length,
    totalLength: { title: 0, abstract: 0, people: 0 },
    docLimit: lengths.length,
    live: () => true,
    fieldLength: (doc, field) => lengths[doc]?.[field] ?? 0,
    postings: () => undefined,
    ...(version === undefined ? {} : { version }),
  };
}

describe('lengthNorms', () => {
  const norms = [0.75, 0.75, 0];
  const avgs = [7.3, 151.9, 2.1];
  const formula = (len: number, field: number) => 1 - (norms[field] as number) + ((norms[field] as number) * len) / (avgs[field] as number);

  it('holds, per field and document, exactly what the per-posting formula gives', () => {
    const lengths = [
      [8, 140, 0],
      [3, 201, 5],
      [0, 0, 0],
    ];
    const tables = lengthNorms(corpus(lengths, 1), norms, avgs);
    lengths.forEach((l, doc) => l.forEach((len, field) => expect(tables?.[field]?.[doc]).toBe(formula(len, field))));
  });

  it('is rebuilt when the index version changes, and reused while it does not', () => {
    const lengths = [[8, 140, 0]];
    const c = corpus(lengths, 1);
    const first = lengthNorms(c, norms, avgs);
    expect(lengthNorms(c, norms, avgs)).toBe(first);
    (lengths[0] as number[])[1] = 10;
    const changed = { ...c, version: 2 };
    expect(lengthNorms(changed, norms, avgs)?.[1]?.[0]).toBe(formula(10, 1));
  });

  it('is left to the caller for data that does not say when it changes', () => {
    expect(lengthNorms(corpus([[1, 2, 3]]), norms, avgs)).toBeNull();
  });
});
