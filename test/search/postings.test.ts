// The postings codec: what is written is read back unchanged.
import { describe, expect, it } from 'vitest';
import { decodePostings, encodePostings, mergePostings, type Posting } from '../../src/search/postings.js';

describe('postings codec', () => {
  it('encodes and decodes postings losslessly, large numbers included', () => {
    const postings: Posting[] = [
      { doc: 0, field: 0, tf: 1 },
      { doc: 5, field: 2, tf: 300 },
      { doc: 5, field: 1, tf: 1 },
      { doc: 2_000_000, field: 1, tf: 70_000 },
    ];
    const back: Posting[] = [];
    decodePostings(encodePostings(postings), (doc, field, tf) => back.push({ doc, field, tf }));
    expect(back).toEqual(postings);
  });
  it('merges segments in document order into the bytes their kept postings encode to, dropping the rejected documents', () => {
    const segments: Posting[][] = [
      [
        { doc: 1, field: 0, tf: 2 },
        { doc: 1, field: 1, tf: 1 },
        { doc: 300, field: 1, tf: 4 },
      ],
      [{ doc: 301, field: 2, tf: 1 }],
      [
        { doc: 20_000, field: 0, tf: 1 },
        { doc: 2_000_000, field: 1, tf: 70_000 },
      ],
    ];
    const dead = new Set([300, 20_000]);
    const merged = mergePostings(segments.map(encodePostings), (doc) => !dead.has(doc));
    const kept = segments.flat().filter((p) => !dead.has(p.doc));
    expect([...merged]).toEqual([...encodePostings(kept)]);
  });

  it('merges segments out of document order by sorting their postings, as one encoding of them all', () => {
    const later: Posting[] = [{ doc: 9, field: 1, tf: 1 }];
    const earlier: Posting[] = [
      { doc: 2, field: 0, tf: 3 },
      { doc: 9, field: 0, tf: 1 },
    ];
    const merged = mergePostings([encodePostings(later), encodePostings(earlier)], () => true);
    expect([...merged]).toEqual([...encodePostings([earlier[0], earlier[1], later[0]] as Posting[])]);
  });
});
