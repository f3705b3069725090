// Text analysis shared by indexing, querying and snippets: one pipeline, so both sides agree.
import fs from 'node:fs';
import lunr from 'lunr';
import wordListPath from 'word-list';

/** Question words and chat filler that carry no topic ("which paper shows how …"). */
const EXTRA_STOPWORDS = [
  'which',
  'what',
  'who',
  'whom',
  'whose',
  'when',
  'where',
  'why',
  'how',
  'paper',
  'papers',
  'work',
  'works',
  'does',
  'do',
  'did',
  'doing',
  'can',
  'could',
  'would',
  'should',
  'shall',
  'may',
  'might',
  'must',
  'one',
  'ones',
  'way',
  'ways',
  'something',
  'anything',
  'someone',
  'any',
  'there',
  'their',
  'them',
  'they',
  'its',
  'it',
  'is',
  'are',
  'was',
  'were',
  'be',
  'been',
  'being',
  'am',
  'i',
  'me',
  'my',
  'we',
  'our',
  'us',
  'you',
  'your',
  'want',
  'looking',
  'find',
  'show',
  'shows',
  'showing',
  'get',
  'gets',
  'about',
  'into',
  'onto',
  'than',
  'then',
  'also',
  'just',
  'like',
  'such',
  'some',
  'more',
  'most',
  'much',
  'many',
  'very',
  'instead',
  'without',
  'within',
  'while',
  'using',
  'use',
  'used',
  'uses',
  'via',
  'based',
  'e',
  'g',
  'eg',
  'ie',
  'etc',
  'vs',
  'versus',
  'whether',
  'if',
  'that',
  'this',
  'these',
  'those',
  'the',
  'a',
  'an',
  'and',
  'or',
  'of',
  'to',
  'in',
  'on',
  'for',
  'with',
  'by',
  'at',
  'from',
  'as',
  'not',
  'no',
  'so',
  'but',
  'has',
  'have',
  'had',
  'having',
  'let',
  'lets',
  'make',
  'makes',
  'new',
  'approach',
  'approaches',
  'method',
  'methods',
  'propose',
  'proposes',
  'proposed',
  'present',
  'presents',
];

const stop = new Set<string>(EXTRA_STOPWORDS);
for (const w of [
  'a',
  'able',
  'about',
  'across',
  'after',
  'all',
  'almost',
  'also',
  'am',
  'among',
  'an',
  'and',
  'any',
  'are',
  'as',
  'at',
  'be',
  'because',
  'been',
  'but',
  'by',
  'can',
  'cannot',
  'could',
  'dear',
  'did',
  'do',
  'does',
  'either',
  'else',
  'ever',
  'every',
  'for',
  'from',
  'get',
  'got',
  'had',
  'has',
  'have',
  'he',
  'her',
  'hers',
  'him',
  'his',
  'how',
  'however',
  'i',
  'if',
  'in',
  'into',
  'is',
  'it',
  'its',
  'just',
  'least',
  'let',
  'like',
  'likely',
  'may',
  'me',
  'might',
  'most',
  'must',
  'my',
  'neither',
  'no',
  'nor',
  'not',
  'of',
  'off',
  'often',
  'on',
  'only',
  'or',
  'other',
  'our',
  'own',
  'rather',
  'said',
  'say',
  'says',
  'she',
  'should',
  'since',
  'so',
  'some',
  'than',
  'that',
  'the',
  'their',
  'them',
  'then',
  'there',
  'these',
  'they',
  'this',
  'tis',
  'to',
  'too',
  'twas',
  'us',
  'wants',
  'was',
  'we',
  'were',
  'what',
  'when',
  'where',
  'which',
  'while',
  'who',
  'whom',
  'why',
  'will',
  'with',
  'would',
  'yet',
  'you',
  'your',
]) {
  stop.add(w);
}

/** Words ending in -ise that are not British -ize spellings. */
const ISE_WORDS = new Set([
  'noise',
  'noises',
  'noised',
  'precise',
  'wise',
  'raise',
  'raises',
  'raised',
  'raising',
  'promise',
  'promises',
  'promised',
  'promising',
  'exercise',
  'exercises',
  'expertise',
  'concise',
  'otherwise',
  'enterprise',
  'enterprises',
  'surprise',
  'surprises',
  'surprising',
  'surprisingly',
  'compromise',
  'compromised',
  'advise',
  'advised',
  'revise',
  'revised',
  'revising',
  'rise',
  'rises',
  'arise',
  'arises',
  'arising',
  'praise',
  'premise',
  'premises',
  'devise',
  'devised',
  'supervise',
  'supervised',
  'supervising',
  'unsupervised',
  'self-supervised',
  'clockwise',
  'pairwise',
  'pointwise',
  'elementwise',
  'layerwise',
  'stepwise',
  'likewise',
  'disguise',
  'cruise',
  'franchise',
  'paradise',
  'merchandise',
  'televise',
  'improvise',
  'improvised',
  'despise',
  'comprise',
  'comprises',
  'comprised',
  'comprising',
  'denoise',
  'denoised',
  'denoising',
  'treatise',
  'poise',
  'poised',
  'bruise',
  'chemise',
  'demise',
  'excise',
  'incise',
  'reprise',
  'sunrise',
  'uprise',
  'wisest',
  'precisely',
  'raiser',
]);

/** Words ending in -our that are not British -or spellings. */
const OUR_WORDS = new Set([
  'detour',
  'detours',
  'devour',
  'devours',
  'devoured',
  'contour',
  'contours',
  'scour',
  'scoured',
  'flour',
  'paramour',
  'troubadour',
  'velour',
  'amour',
]);

/**
 * Folds British spellings onto American ones (quantisation → quantization, behaviour → behavior,
 * modelling → modeling, analyse → analyze) so either spelling finds both.
 */
export function americanize(word: string): string {
  if (word.length < 5 || ISE_WORDS.has(word)) return word;
  let w = word;
  w = w.replace(/isation(s?)$/, 'ization$1');
  w = w.replace(/([a-z]{3,})is(e|es|ed|ing|er|ers)$/, (m, root: string, end: string) => (ISE_WORDS.has(m) ? m : `${root}iz${end}`));
  w = w.replace(/(ana|cata|paraly)ys(e|es|ed|ing)$/, '$1yz$2');
  w = w.replace(/yse(s|d)?$/, (m) => (w.length > 6 ? m.replace('yse', 'yze') : m));
  if (!OUR_WORDS.has(w)) w = w.replace(/([a-z]{2,})our(s|ed|ing|al|ally|ite|ites|ful|less)?$/, '$1or$2');
  w = w.replace(/(mode|labe|channe|leve|signa|trave|cance|fue|tunne|mode)ll(ed|ing|er|ers)$/, '$1l$2');
  w = w.replace(/(cent|met|lit|fib|theat)re(s|d)?$/, '$1er$2');
  w = w.replace(/^programme(s?)$/, 'program$1');
  w = w.replace(/^catalogue(s?)$/, 'catalog$1');
  w = w.replace(/^licence(s?)$/, 'license$1');
  w = w.replace(/^defence(s?)$/, 'defense$1');
  w = w.replace(/^offence(s?)$/, 'offense$1');
  return w;
}

export function isStopword(word: string): boolean {
  return stop.has(word);
}

/** Porter stem of an already-lowercased word, via lunr's own stemmer so the index agrees. */
export function stem(word: string): string {
  return lunr.stemmer(new lunr.Token(word, {})).toString();
}

/** A word of some text with where it stands, for snippets. */
export interface WordSpan {
  word: string;
  start: number;
  end: number;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

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

function foldWord(raw: string): string {
  const lower = raw.toLowerCase();
  if (PLAIN_ASCII_WORD.test(lower)) return lower;
  return lower
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['’]s$/, '')
    .replace(/['’]/g, '');
}

/** The index term of one word, or null for a stopword or a word too long to index. */
export function termOf(word: string): string | null {
  if (isStopword(word) || !isIndexable(word)) return null;
  let t = termCache.get(word);
  if (t === undefined) {
    t = stem(americanize(word));
    if (termCache.size > 200_000) termCache.clear();
    termCache.set(word, t);
  }
  return t;
}

/** Stemming dominates indexing and snippet time; words repeat a lot, so their terms are cached. */
const termCache = new Map<string, string>();

/** Index terms of a text: words, minus stopwords, spelling-folded and stemmed. */
export function analyze(text: string, onWord?: (word: string, term: string) => void): string[] {
  const out: string[] = [];
  for (const raw of text.match(WORD) ?? []) {
    const a = analyzedWord(raw);
    if (a === null) continue;
    if (a.term) {
      out.push(a.term);
      onWord?.(a.word, a.term);
    }
    for (const pt of a.parts) out.push(pt);
  }
  for (const abbr of abbreviations(out)) out.push(abbr);
  return out;
}

/** What {@link analyze} makes of one word as matched: the folded word, its term (null: a stopword) and its number-letter parts' terms. */
interface AnalyzedWord {
  word: string;
  term: string | null;
  parts: readonly string[];
}

const NO_PARTS: readonly string[] = [];

/** Indexing meets the same words over and over, so each matched word's analysis is cached (as termCache). */
const analyzedCache = new Map<string, AnalyzedWord | null>();

/** One matched word analysed as {@link wordList} and {@link analyze} do; null for a word not indexed (empty once folded, or too long). */
function analyzedWord(raw: string): AnalyzedWord | null {
  // NOTE: as in wordList, a long run is skipped before it is folded (and never kept as a cache key).
  if (raw.length > 2 * MAX_TERM_LENGTH) return null;
  let a = analyzedCache.get(raw);
  if (a === undefined) {
    const word = foldWord(raw);
    if (word === '' || !isIndexable(word)) a = null;
    else {
      const parts = splitAlnum(word)
        .map(termOf)
        .filter((t): t is string => t !== null);
      a = { word, term: termOf(word), parts: parts.length > 0 ? parts : NO_PARTS };
    }
    if (analyzedCache.size > 200_000) analyzedCache.clear();
    analyzedCache.set(raw, a);
  }
  return a;
}

/**
 * Joined forms of hyphenated compounds: `kv-cache` also indexes as `kvcache` and `non-linear`
 * as `nonlinear`, so the hyphenated, split and joined spellings all meet.
 */
export function compounds(text: string): string[] {
  if (!text.includes('-')) return [];
  const out: string[] = [];
  for (const chunk of text.split(/\s+/)) {
    if (!chunk.includes('-')) continue;
    const m = COMPOUND.exec(chunk);
    if (!m) continue;
    const t = termOf(m[0].toLowerCase().replace(/-/g, ''));
    if (t) out.push(t);
  }
  return out;
}

/**
 * A hyphenated compound. NOTE: linear time on any chunk: a match may start only where a word starts
 * (the lookbehind), and the first word is taken whole (the lookahead and back-reference cannot
 * backtrack), so `aaaa…a-` is not retried from every letter, which took quadratic time.
 */
const COMPOUND = /(?<![\p{L}\p{N}])(?=([\p{L}\p{N}]+))\1(?:-[\p{L}\p{N}]+)+/u;

/** Common ML phrases and their abbreviations: a text with the phrase also indexes the short form. */
const PHRASES: ReadonlyArray<[string, string]> = [
  ['large language model', 'llm'],
  ['reinforcement learning', 'rl'],
  ['retrieval augmented generation', 'rag'],
  ['mixture of experts', 'moe'],
  ['key value', 'kv'],
  ['state space model', 'ssm'],
  ['vision language model', 'vlm'],
  ['neural turing machine', 'ntm'],
  ['graph neural network', 'gnn'],
  ['natural language processing', 'nlp'],
  ['chain of thought', 'cot'],
  ['processing in memory', 'pim'],
  ['retrieval augmented', 'rag'],
  ['low rank adaptation', 'lora'],
  ['direct preference optimization', 'dpo'],
  ['automatic speech recognition', 'asr'],
  ['multi layer perceptron', 'mlp'],
  ['convolutional neural network', 'cnn'],
  ['recurrent neural network', 'rnn'],
  ['question answering', 'qa'],
];

const PHRASE_TERMS: ReadonlyArray<[string[], string]> = PHRASES.map(([phrase, abbr]) => [analyzeWords(phrase), stem(abbr)]);

const PHRASES_BY_FIRST = new Map<string, Array<[string[], string]>>();
for (const entry of PHRASE_TERMS) {
  const first = entry[0][0] ?? '';
  PHRASES_BY_FIRST.set(first, [...(PHRASES_BY_FIRST.get(first) ?? []), entry]);
}

function analyzeWords(text: string): string[] {
  return words(text)
    .map((w) => termOf(w.word))
    .filter((t): t is string => t !== null);
}

/** The abbreviations whose phrase occurs in a sequence of index terms. */
export function abbreviations(terms: readonly string[]): string[] {
  return [...new Set(abbreviationSpans(terms).map((s) => s.abbr))];
}

/** Each occurrence of an abbreviated phrase in a sequence of index terms: the abbreviation and where its phrase stands. */
export function abbreviationSpans(terms: readonly string[]): Array<{ abbr: string; start: number; length: number }> {
  const out: Array<{ abbr: string; start: number; length: number }> = [];
  for (let i = 0; i < terms.length; i++) {
    for (const [seq, abbr] of PHRASES_BY_FIRST.get(terms[i] ?? '') ?? []) {
      if (seq.every((t, k) => terms[i + k] === t)) out.push({ abbr, start: i, length: seq.length });
    }
  }
  return out;
}

/**
 * Rewrites of a British spelling that {@link americanize} leaves alone, by rule rather than by word
 * list (`artefacts` → `artifacts`, `counselling` → `counseling`, `ageing` → `aging`, `judgement` →
 * `judgment`, `paediatric` → `pediatric`, `grey` → `gray`, `centre` → `center`, `dialogue` →
 * `dialog`). NOTE: some rewrites are not words; the search keeps only those the corpus has, so they
 * are read as spelling variants of an ordinary word, never as typo corrections.
 */
export function spellingVariants(word: string): string[] {
  const out = new Set<string>();
  const rules: ReadonlyArray<[RegExp, string]> = [
    [/([aeiou])ll(ed|ing|er|ers|ors?|ation)$/, '$1l$2'],
    [/([^aeiou])eing$/, '$1ing'],
    [/dgement(s?)$/, 'dgment$1'],
    [/efact(s?)$/, 'ifact$1'],
    [/([^aeiou])re(s|d)?$/, '$1er$2'],
    [/ogue(s?)$/, 'og$1'],
    [/ence(s?)$/, 'ense$1'],
    [/^grey/, 'gray'],
    [/ae/g, 'e'],
    [/oe/g, 'e'],
  ];
  for (const [rule, to] of rules) {
    const v = word.replace(rule, to);
    if (v !== word) out.add(americanize(v));
  }
  return [...out];
}

/** Splits number-letter joins (`2bit` → `2`, `bit`; `gpt4` → `gpt`, `4`) so "2 bits" meets "2bit". */
export function splitAlnum(word: string): string[] {
  const parts = word.match(/\d+|[a-z]+/g);
  return parts && parts.length > 1 ? parts : [];
}

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
