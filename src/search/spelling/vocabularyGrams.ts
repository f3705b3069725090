// A trigram index over the vocabulary, so the typo, suggestion and fuzzy fallbacks compare a word only with the words that share enough of its trigrams to be within reach, not with every word of about its length.

/**
 * The trigrams of a word padded with two `$` on each side (`ab` → `$$a $ab ab$ b$$`): a word of
 * n characters (UTF-16 units, as edit distances count them) has n + 2. NOTE: `$` is never in a
 * word, which holds letters and digits only.
 */
export function grams(word: string): string[] {
  const padded = `$$${word}$$`;
  const out: string[] = [];
  for (let i = 0; i + 3 <= padded.length; i++) out.push(padded.slice(i, i + 3));
  return out;
}

/**
 * Words added one after another (numbered from 0) and, per trigram, the numbers of the words that
 * have it. A word `max` edits away (insertions, deletions, substitutions and swaps of neighbours,
 * each changing a stretch no other edit touches) keeps all but at most `4 · max` of a word's n + 2
 * trigrams: a substitution or deletion breaks the 3 that hold the character, an insertion the 2
 * around it, a swap the 4 that hold either character. So only words sharing at least
 * `n + 2 − 4 · max` of them (counted with repeats) can be within reach.
 */
export class VocabularyGrams {
  private readonly lists = new Map<string, number[]>();
  private counts = new Uint16Array(0);
  private added = 0;

  /** How many words were added. */
  get size(): number {
    return this.added;
  }

  /** Adds the next word; its number is how many were added before it. */
  add(word: string): void {
    const id = this.added++;
    for (const g of new Set(grams(word))) {
      const list = this.lists.get(g);
      if (list) list.push(id);
      else this.lists.set(g, [id]);
    }
  }

  /**
   * The numbers of the words that may be within `max` edits of `word`, ascending: every word that
   * is, and some that are not (the caller measures the distance). Null when trigrams cannot rule
   * any word out (a short word or a large `max`): the caller looks at every word.
   */
  candidates(word: string, max: number): number[] | null {
    const all = grams(word);
    const need = all.length - 4 * max;
    if (need <= 0) return null;
    const weight = new Map<string, number>();
    for (const g of all) weight.set(g, (weight.get(g) ?? 0) + 1);
    if (this.counts.length < this.added) this.counts = new Uint16Array(Math.max(1024, 2 * this.added));
    const counts = this.counts;
    const touched: number[] = [];
    for (const [g, w] of weight) {
      for (const id of this.lists.get(g) ?? []) {
        if (counts[id] === 0) touched.push(id);
        counts[id] = (counts[id] as number) + w;
      }
    }
    const out: number[] = [];
    for (const id of touched) {
      if ((counts[id] as number) >= need) out.push(id);
      counts[id] = 0;
    }
    return out.sort((a, b) => a - b);
  }
}
