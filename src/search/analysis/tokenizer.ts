// The tokenizer: a text's words, lowercased and accent-folded, with offsets; the longest word that is indexed.

/** A word of some text with where it stands, for snippets. */
export interface WordSpan {
  word: string;
  start: number;
  end: number;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/** A text's words exactly as matched (not yet folded), long runs included. */
export function rawWords(text: string): string[] {
  return text.match(WORD) ?? [];
}

/** Lowercased, accent-folded words with their offsets in the original text. */
export function words(text: string): WordSpan[] {
  const out: WordSpan[] = [];
  for (const m of text.matchAll(WORD)) {
    const raw = m[0];
    const word = foldWord(raw);
    if (word !== '') out.push({ word, start: m.index, end: m.index + raw.length });
  }
  return out;
}

/**
 * The longest word that is indexed, searched, fuzzed or corrected, in characters.
 * NOTE: the longest English and ML words run to about 30 letters (the seeds' longest are 22-24:
 * "electroencephalography" and 24-character hex ids); anything longer is a run of noise (a pasted hash,
 * base64, a glued sentence). Such words stay in the stored text but never reach the index: the
 * spelling and stemming regexes and lunr's index build grow with the square of a word's length,
 * so one 128,000-character run would stall every start.
 */
export const MAX_TERM_LENGTH = 40;

/** Whether a lowercased word is short enough to index and search (see {@link MAX_TERM_LENGTH}). */
export function isIndexable(word: string): boolean {
  return word.length <= MAX_TERM_LENGTH;
}

/** Words only, without offsets, minus words too long to index: the fast path for indexing. */
export function wordList(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.match(WORD) ?? []) {
    // NOTE: folding at most halves a word (a surrogate pair becomes one letter), so a long run is skipped before it is folded.
    if (raw.length > 2 * MAX_TERM_LENGTH) continue;
    const word = foldWord(raw);
    if (word !== '' && isIndexable(word)) out.push(word);
  }
  return out;
}

const PLAIN_ASCII_WORD = /^[a-z0-9]+$/;

/** A matched word lowercased and accent-folded (possessive 's and apostrophes dropped). */
export function foldWord(raw: string): string {
  const lower = raw.toLowerCase();
  if (PLAIN_ASCII_WORD.test(lower)) return lower;
  return lower
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['’]s$/, '')
    .replace(/['’]/g, '');
}

/** Splits number-letter joins (`2bit` → `2`, `bit`; `gpt4` → `gpt`, `4`) so "2 bits" meets "2bit". */
export function splitAlnum(word: string): string[] {
  const parts = word.match(/\d+|[a-z]+/g);
  return parts && parts.length > 1 ? parts : [];
}
