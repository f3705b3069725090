// Edit distance (Levenshtein, a swap of neighbours counting once) with an early exit, for typos and fuzzy matching.

/** Reused rows of {@link editDistance}: the fallbacks call it for thousands of corpus words per query word. */
let rows = [new Int32Array(64), new Int32Array(64), new Int32Array(64)] as const;

/** Levenshtein distance (a swap of neighbours counts once) with an early exit above `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  if (rows[0].length <= n) rows = [new Int32Array(n + 1), new Int32Array(n + 1), new Int32Array(n + 1)];
  let [prevPrev, prev, cur] = rows;
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    const caBefore = i > 1 ? a.charCodeAt(i - 2) : -1;
    for (let j = 1; j <= n; j++) {
      const cb = b.charCodeAt(j - 1);
      let v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (ca === cb ? 0 : 1));
      // A swap of two neighbours ("nueral") is one edit, not two.
      if (j > 1 && ca === b.charCodeAt(j - 2) && caBefore === cb) v = Math.min(v, (prevPrev[j - 2] ?? 0) + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prevPrev, prev, cur] = [prev, cur, prevPrev];
  }
  return prev[n] ?? max + 1;
}
