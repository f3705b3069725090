// The score a page's last hit needs: the k-th largest score, the same as sorting them all would give.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kthLargest } from '../../../src/search/ranking/topCut.js';

describe('kthLargest', () => {
  it('is the value a full sort puts k-th from the top, with repeated and sorted scores too', () => {
    const score = fc.oneof(fc.double({ min: 0, max: 10, noNaN: true }), fc.constantFrom(0, 1, 1.5, 2));
    fc.assert(
      fc.property(fc.array(score, { minLength: 1, maxLength: 300 }), fc.nat(), fc.boolean(), (xs, k0, sorted) => {
        const values = Float64Array.from(sorted ? [...xs].sort((a, b) => a - b) : xs);
        const k = 1 + (k0 % values.length);
        expect(kthLargest(values, k)).toBe(values.slice().sort()[values.length - k]);
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves the scores it is given as they were', () => {
    const values = Float64Array.from([3, 1, 2]);
    kthLargest(values, 2);
    expect([...values]).toEqual([3, 1, 2]);
  });
});
