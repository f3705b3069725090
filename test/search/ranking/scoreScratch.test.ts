// Scoring's per-document arrays are reused between searches, and each search gets them as zeroed as new ones.
import { describe, expect, it } from 'vitest';
import { scoreScratch } from '../../../src/search/ranking/scoreScratch.js';

describe('scoreScratch', () => {
  it('gives the next search zeroed scores, masks, hits, stamps and names over the documents it scores', () => {
    const first = scoreScratch(2000);
    for (const a of [first.scores, first.masks, first.hit, first.stamp, first.named]) a.fill(7);
    const next = scoreScratch(1500);
    expect(next.scores).toBe(first.scores);
    for (const a of [next.scores, next.masks, next.hit, next.stamp, next.named]) expect(a.subarray(0, 1500).every((v) => v === 0)).toBe(true);
  });

  it('grows when the index has more documents than it holds', () => {
    const small = scoreScratch(10);
    const big = scoreScratch(small.scores.length + 1);
    expect(big.scores.length).toBeGreaterThan(small.scores.length);
    expect(big.named.every((v) => v === 0)).toBe(true);
  });
});
