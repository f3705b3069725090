// The English dictionary (the word-list package), read on first use: only the typo fallbacks need it.
import fs from 'node:fs';
import wordListPath from 'word-list';
import { MAX_TERM_LENGTH } from './tokenizer.js';

/** The English word list, sorted, read on first use (the `word-list` package: 274,000 words, about 13 MB of heap). */
let english: string[] | null = null;

/**
 * Whether a lowercased word is an ordinary English word (the `word-list` package, with plurals and
 * verb forms). Typo correction leaves such words alone: "week" is not a misspelt "weak", and
 * "grokking" is not "growing", even when the corpus has only the other word.
 */
export function isEnglishWord(word: string): boolean {
  if (word.length < 2 || word.length > MAX_TERM_LENGTH) return false;
  english ??= fs.readFileSync(wordListPath, 'utf8').split('\n').sort();
  let lo = 0;
  let hi = english.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const w = english[mid] as string;
    if (w === word) return true;
    if (w < word) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
