// The postings codec: what is written is read back unchanged.
import { describe, expect, it } from 'vitest';
import { decodePostings, encodePostings, type Posting } from '../../src/search/postings.js';

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
});
