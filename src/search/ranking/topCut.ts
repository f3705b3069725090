// The score a page's last hit needs: the k-th largest of a search's scores, found without sorting them all.

/**
 * The `k`-th largest value of `values` (1 ≤ k ≤ length): what `values.slice().sort()[length − k]`
 * gives, in time linear in the length (quickselect on a copy) instead of a sort.
 * NOTE: for finite values, as scores are; NaN would sort differently.
 */
export function kthLargest(values: Float64Array, k: number): number {
  const a = values.slice();
  const want = a.length - k;
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    // Middle of three as the pivot, so sorted or repeated scores do not make it quadratic.
    const mid = (lo + hi) >>> 1;
    const x = a[lo] as number;
    const y = a[mid] as number;
    const z = a[hi] as number;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (want <= j) hi = j;
    else if (want >= i) lo = i;
    else return a[want] as number;
  }
  return a[want] as number;
}
