// The corpus vocabulary in the shapes the spelling fallbacks scan: words and terms by length and by trigram, letter masks, word families.
import type { Vocabulary } from '../corpusData.js';
import { letterMask } from './letterMask.js';
import { VocabularyGrams } from './vocabularyGrams.js';

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
  /** Index terms of `familyPrefix` letters or more by their first `familyPrefix`: a word family shares at least those. */
  readonly families = new Map<string, string[]>();
  /** Surface words and index terms by number (a word's number is its `order`), and their trigrams. */
  private readonly surfaceList: SurfaceWord[] = [];
  private readonly surfaceGrams = new VocabularyGrams();
  private readonly termList: string[] = [];
  private readonly termGrams = new VocabularyGrams();
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
      const surface = { word, term, order: this.words, mask: letterMask(word) };
      (this.surfaceByLength[word.length] ??= []).push(surface);
      this.surfaceList.push(surface);
      this.surfaceGrams.add(word);
    }
    for (; this.terms < terms.length; this.terms++) {
      const t = terms[this.terms] as string;
      (this.termsByLength[t.length] ??= []).push(t);
      this.termList.push(t);
      this.termGrams.add(t);
      if (t.length >= this.familyPrefix) {
        const key = t.slice(0, this.familyPrefix);
        const family = this.families.get(key);
        if (family) family.push(t);
        else this.families.set(key, [t]);
      }
    }
    return this;
  }

  /**
   * The surface words of `minLength` to `word.length + max` letters (and at least `word.length − max`) that may be
   * within `max` edits of `word`: those sharing enough trigrams with it (see {@link VocabularyGrams}), or all of them.
   */
  surfaceNear(word: string, max: number, minLength = 0): SurfaceWord[] {
    const from = Math.max(minLength, word.length - max);
    const to = word.length + max;
    const ids = this.surfaceGrams.candidates(word, max);
    if (ids === null) return this.surfaceByLength.slice(from, to + 1).flatMap((list) => list ?? []);
    return ids.map((id) => this.surfaceList[id] as SurfaceWord).filter((s) => s.word.length >= from && s.word.length <= to);
  }

  /** The index terms within `max` letters of `term`'s length that may be within `max` edits of it, as {@link surfaceNear}. */
  termsNear(term: string, max: number): string[] {
    const from = Math.max(1, term.length - max);
    const to = term.length + max;
    const ids = this.termGrams.candidates(term, max);
    if (ids === null) return this.termsByLength.slice(from, to + 1).flatMap((list) => list ?? []);
    return ids.map((id) => this.termList[id] as string).filter((t) => t.length >= from && t.length <= to);
  }
}

const shared = new WeakMap<Vocabulary, Map<number, Vocab>>();

/**
 * The vocabulary view of `source` for a family prefix, one per source: rankers over the same corpus
 * data (evaluation makes one per parameter point) share it instead of each indexing its trigrams again.
 */
export function vocabFor(source: Vocabulary, familyPrefix: number): Vocab {
  let byPrefix = shared.get(source);
  if (!byPrefix) shared.set(source, (byPrefix = new Map()));
  let vocab = byPrefix.get(familyPrefix);
  if (!vocab) byPrefix.set(familyPrefix, (vocab = new Vocab(source, familyPrefix)));
  return vocab;
}
