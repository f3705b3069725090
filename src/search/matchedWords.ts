// The words of a text whose index terms a query has, with their offsets: what a snippet marks, found in one pass over the abstract.
import { termOf } from './analysis/terms.js';
import { words } from './analysis/tokenizer.js';

/** A word of the text (offsets into it) whose index term is one the query looks for. */
export interface MatchedWord {
  start: number;
  end: number;
  term: string;
}

const ASCII = /^\p{ASCII}*$/u;

/**
 * The words of `text` whose term (`termOf`) is in `terms`, in text order: the same words, offsets
 * and terms as filtering {@link words} would give. Plain ASCII text (most abstracts) is scanned by
 * character codes, and only a word whose first letter starts some term is folded and looked up:
 * neither the spelling fold nor the stemmer ever changes a word's first letter, so no other word
 * can match. Other text goes through {@link words}.
 */
export function matchedWords(text: string, terms: ReadonlySet<string>): MatchedWord[] {
  const out: MatchedWord[] = [];
  if (terms.size === 0) return out;
  if (!ASCII.test(text)) {
    for (const w of words(text)) {
      const t = termOf(w.word);
      if (t !== null && terms.has(t)) out.push({ start: w.start, end: w.end, term: t });
    }
    return out;
  }
  // NOTE: a term whose first letter is not ASCII cannot match an ASCII word, so it is left out.
  const firsts = new Uint8Array(128);
  for (const t of terms) {
    const c = t.charCodeAt(0);
    if (c < 128) firsts[c] = 1;
  }
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (!isAlnum(c)) {
      i++;
      continue;
    }
    // As `words`' pattern: letters and digits, then optionally an apostrophe and letters ("model's", "don't").
    const start = i;
    while (i < n && isAlnum(text.charCodeAt(i))) i++;
    let apostrophe = false;
    if (i + 1 < n && text.charCodeAt(i) === APOSTROPHE && isLetter(text.charCodeAt(i + 1))) {
      apostrophe = true;
      i += 2;
      while (i < n && isLetter(text.charCodeAt(i))) i++;
    }
    if (firsts[c >= 65 && c <= 90 ? c + 32 : c] !== 1) continue;
    let word = text.slice(start, i).toLowerCase();
    // As `words`' folding, for ASCII: a trailing 's goes, then any apostrophe.
    if (apostrophe) word = word.replace(/'s$/, '').replace(/'/g, '');
    const t = termOf(word);
    if (t !== null && terms.has(t)) out.push({ start, end: i, term: t });
  }
  return out;
}

const APOSTROPHE = 39;

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function isAlnum(c: number): boolean {
  return isLetter(c) || (c >= 48 && c <= 57);
}
