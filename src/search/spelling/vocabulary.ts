// The corpus vocabulary in the shapes the spelling fallbacks scan: words and terms by length, letter masks, word families.
import type { Vocabulary } from '../corpusData.js';
import { letterMask } from './letterMask.js';

/** A corpus word as people write it, its index term, and where it was first seen (ties break by that, as they always did). */
export interface SurfaceWord {
  word: string;
  term: string;
  order: number;
  /** {@link letterMask} of the word. */
  mask: number;
}

/**
 * The vocabulary in the shapes the fallbacks scan, derived from the corpus data's vocabulary and
 * extended in place as it grows (new papers add words; nothing is rebuilt on the event loop).
 */
export class Vocab {
  /** Surface words by length, so a typo is compared only with words of about its length. */
  readonly surfaceByLength: SurfaceWord[][] = [];
  /** Index terms by length, for fuzzy matching. */
  readonly termsByLength: string[][] = [];
  /** {@link letterMask} of each term in `termsByLength`, at the same place. */
  readonly termMasksByLength: number[][] = [];
  /** Index terms of `familyPrefix` letters or more by their first `familyPrefix`: a word family shares at least those. */
  readonly families = new Map<string, string[]>();
  private words = 0;
  private terms = 0;

  constructor(
    readonly source: Vocabulary,
    private readonly familyPrefix: number,
  ) {}

  /** Every word seen (lowercased, spelling-folded) and its index term: typos are corrected against words, not stems. */
  get surface(): ReadonlyMap<string, string> {
    return this.source.words;
  }

  get termCount(): number {
    return this.terms;
  }

  /** Takes in what the source gained since the last call. */
  extend(): this {
    const { wordList, terms } = this.source;
    for (; this.words < wordList.length; this.words++) {
      const [word, term] = wordList[this.words] as readonly [string, string];
      (this.surfaceByLength[word.length] ??= []).push({ word, term, order: this.words, mask: letterMask(word) });
    }
    for (; this.terms < terms.length; this.terms++) {
      const t = terms[this.terms] as string;
      (this.termsByLength[t.length] ??= []).push(t);
      (this.termMasksByLength[t.length] ??= []).push(letterMask(t));
      if (t.length >= this.familyPrefix) {
        const key = t.slice(0, this.familyPrefix);
        const family = this.families.get(key);
        if (family) family.push(t);
        else this.families.set(key, [t]);
      }
    }
    return this;
  }
}
