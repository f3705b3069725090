// Letter masks: a cheap proof that two words are more than a few edits apart, so the scans skip them.

/**
 * Which of 31 letter classes (a–z, digits, anything else folded in) a word contains. One edit changes
 * at most two classes (a substitution drops one and adds one; a swap none), so two words whose masks
 * differ in more than `2 · max` classes are more than `max` edits apart: the typo scans skip them
 * without computing a distance.
 */
export function letterMask(word: string): number {
  let m = 0;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    m |= 1 << (c >= 97 && c <= 122 ? c - 97 : c >= 48 && c <= 57 ? 26 + (c % 4) : 30);
  }
  return m;
}

/** Bits set in a 32-bit mask. */
function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** False when the masks prove the words more than `max` edits apart (see {@link letterMask}). */
export const mayBeWithin = (a: number, b: number, max: number): boolean => popcount(a ^ b) <= 2 * max;
