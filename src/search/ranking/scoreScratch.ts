// The per-document arrays one scoring pass fills, kept from search to search: a new set per search cost more than zeroing one (and at 100,000 papers made megabytes of garbage a query).

/** Arrays indexed by document number; see `scoreForms` for what each holds. */
export interface ScoreScratch {
  scores: Float64Array;
  masks: Int32Array;
  hit: Uint8Array;
  touched: Int32Array;
  tf: Float64Array;
  stamp: Int32Array;
  met: Int32Array;
  named: Int32Array;
}

let kept: ScoreScratch | null = null;

/**
 * Arrays of at least `limit` entries, the first `limit` of `scores`, `masks`, `hit`, `stamp` and
 * `named` zero (as new arrays would be); `touched`, `tf` and `met` hold leftovers, which scoring writes before
 * it reads. NOTE: one set per process: scoring is synchronous, so no two passes share it at once.
 */
export function scoreScratch(limit: number): ScoreScratch {
  if (kept === null || kept.scores.length < limit) {
    const n = Math.max(limit, 1024);
    kept = {
      scores: new Float64Array(n),
      masks: new Int32Array(n),
      hit: new Uint8Array(n),
      touched: new Int32Array(n),
      tf: new Float64Array(n),
      stamp: new Int32Array(n),
      met: new Int32Array(n),
      named: new Int32Array(n),
    };
    return kept;
  }
  kept.scores.fill(0, 0, limit);
  kept.masks.fill(0, 0, limit);
  kept.hit.fill(0, 0, limit);
  kept.stamp.fill(0, 0, limit);
  kept.named.fill(0, 0, limit);
  return kept;
}
