// The ranking model: BM25F over the paper's fields, coverage of the query's concepts, and tiers for exact matches; parameters in one object.
import { FIELDS, scoreMatches, type CorpusView, type Field } from './bm25.js';
import { words } from './analysis/tokenizer.js';

/**
 * The ranking's parameters. The defaults are what leave-one-out cross-validation over the
 * development questions chose from a small grid (`npm run eval` prints the grid, the choice per
 * fold and the cross-validated scores); change them only through that.
 */
export interface RankingOptions {
  /**
   * The base scorer of the forms: `lunr` is lunr's own BM25 (bm25.ts, equal to `lunr.Index.query`
   * over the same papers: per-field weights with fixed boosts, cosine over the query vector),
   * `bm25f` weights the fields before saturation (below). Cross-validation chooses between them.
   */
  base: 'lunr' | 'bm25f';
  /**
   * BM25F weight of a term occurrence in each field, applied before saturation (Robertson &
   * Zaragoza 2009), so a word in title and abstract is one strong match, not two half ones.
   */
  fieldWeights: Readonly<Record<Field, number>>;
  /**
   * BM25 length normalisation (b) per field. NOTE: `people` (authors, org) is a list of names, not
   * prose, and empty for most papers; normalising it by its average length would make an org
   * name nearly worthless, so it is not normalised.
   */
  lengthNorm: Readonly<Record<Field, number>>;
  /** BM25 term-frequency saturation. */
  k1: number;
  /** How strongly covering more of the query counts: the score is multiplied by coverage^power (0: not at all). */
  coveragePower: number;
  /** A query of at most this many concepts ranks the papers that have every one of them first (0: never). */
  allConceptsFirstUpTo: number;
  /** Query weight of a guessed form of an unknown word (typo correction, split, word family), a typed word being 1. */
  correctionWeight: number;
  /** Query weight of a fuzzy expansion (the last resort for unknown words). */
  fuzzyWeight: number;
  /** Fuzzy expansion runs when the other forms find fewer hits than this (at least 1: when nothing is found). */
  fuzzyWhenFewerThan: number;
}

export const DEFAULT_RANKING: RankingOptions = {
  base: 'bm25f',
  fieldWeights: { title: 3, abstract: 1, people: 3 },
  lengthNorm: { title: 0.75, abstract: 0.75, people: 0 },
  k1: 1.2,
  coveragePower: 0,
  allConceptsFirstUpTo: 3,
  correctionWeight: 1,
  fuzzyWeight: 0.5,
  fuzzyWhenFewerThan: 1,
};

/** Options with some fields given, the rest from {@link DEFAULT_RANKING}. */
export function rankingOptions(over: Partial<RankingOptions> = {}): RankingOptions {
  return { ...DEFAULT_RANKING, ...over };
}

/** An index term that counts for some of the query's concepts, and how much it weighs in the query. */
export interface Form {
  term: string;
  weight: number;
  /** Bit mask over the concepts it counts for. NOTE: 32 bits, as many as a query has terms (`MAX_QUERY_TERMS`). */
  concepts: number;
}

/** One thing the query asks for: a typed word, matched by any of its forms. */
export interface Concept {
  word: string;
  required: boolean;
}

/** A query as the ranking sees it. */
export interface RankQuery {
  concepts: readonly Concept[];
  forms: readonly Form[];
  /** Terms that ban a paper that has them in any field. */
  excluded: readonly string[];
  /** The query text as typed (filters and period words out), for exact title matches. */
  text: string;
}

/** A paper the query's terms found, with what each scorer and tier needs. */
export interface Candidate {
  doc: number;
  /** BM25F over the query's forms. */
  bm25: number;
  /** Which concepts it matched (bit mask). */
  concepts: number;
  /** Which concepts it matched as a name in its people field (org, authors), by a word used mostly as a name. */
  named: number;
}

/** Per query: the concepts' IDF weights and whatever the scorers precompute. */
export interface QueryModel {
  options: RankingOptions;
  conceptWeights: readonly number[];
  totalWeight: number;
  /** The mask with every concept that some paper can match, and how many they are. */
  matchable: number;
  matchableCount: number;
  /** The query text normalised like a title's name, for exact matches. */
  name: string;
}

/**
 * The ranking is a composition of scorers and tiers. A scorer gives each candidate a positive
 * factor and the relevance is their product (a sum of logs, so another retriever's score, or a
 * rank-fusion term such as 1/(60 + rank), can join as one more factor); a tier puts the candidates
 * it accepts before all others, and hits sort by tier, then relevance.
 */
export interface Scorer {
  name: string;
  factor(c: Candidate, q: QueryModel): number;
}

export interface Tier {
  name: string;
  /** How far up the tier lifts a candidate. Ranks are powers of two and add up: a higher tier always wins, lower ones order papers within it. */
  rank: number;
  /** `title` is null for papers past the first {@link TITLE_CHECKS}, whose titles are not looked at. */
  accepts(c: Candidate, q: QueryModel, title: string | null): boolean;
}

/**
 * How many of the best papers the exact-title tier looks at: a paper named like the query has the
 * query's words in a short title, so it is among them, and no search normalises every title.
 */
export const TITLE_CHECKS = 100;

/** The field number of `people` in postings. */
const PEOPLE = FIELDS.indexOf('people');

/** The IDF-weighted share of the query's concepts a candidate matched (a coordination factor, as in Lucene's classic scorer). */
export function coverage(c: Candidate, q: QueryModel): number {
  if (q.totalWeight <= 0) return 1;
  let covered = 0;
  q.conceptWeights.forEach((w, i) => {
    if (c.concepts & (1 << i)) covered += w;
  });
  return covered / q.totalWeight;
}

export const SCORERS: readonly Scorer[] = [
  { name: 'bm25f', factor: (c) => c.bm25 },
  { name: 'coverage', factor: (c, q) => coverage(c, q) ** q.options.coveragePower },
];

export const TIERS: readonly Tier[] = [
  // The query is a paper's name: its whole title, or the title's part before the colon (`A-MEM`, `Informer`).
  {
    name: 'exact title',
    rank: 4,
    accepts: (c, q, title) =>
      title !== null && q.name !== '' && (c.concepts & q.matchable) === q.matchable && (titleName(title) === q.name || normalName(title) === q.name),
  },
  // The query names the paper's organisation or an author ("what did Apple publish").
  { name: 'named', rank: 2, accepts: (c) => c.named !== 0 },
  // A short query: the papers that have every concept some paper has come before those that miss one.
  {
    name: 'all concepts',
    rank: 1,
    accepts: (c, q) => q.matchableCount <= q.options.allConceptsFirstUpTo && q.matchable !== 0 && (c.concepts & q.matchable) === q.matchable,
  },
];

/** Words of a text, lowercased and folded, joined by single spaces: how names are compared. */
export function normalName(text: string): string {
  return words(text.normalize('NFKC'))
    .map((w) => w.word)
    .join(' ');
}

/** A title's name: the part before its first colon (`A-MEM: Agentic Memory…` → `a mem`), or the whole title. */
export function titleName(title: string): string {
  const colon = title.indexOf(':');
  return normalName(colon > 0 ? title.slice(0, colon) : title);
}

/**
 * Scores every paper the query's forms find: BM25F summed over forms, `weight · idf · (k1+1)·tf'/(k1 + tf')`
 * with `tf' = Σ_field w_field · tf / (1 − b_field + b_field · len/avgLen)` and BM25's idf over
 * documents (not lunr's (document, field) pairs). Term-at-a-time over decoded postings, into typed
 * arrays: the work is the postings of the forms and excluded terms, never a pass over documents.
 */
export function scoreForms(q: RankQuery, corpus: CorpusView, options: RankingOptions): { candidates: Candidate[]; idf: Map<string, number> } {
  const idf = new Map<string, number>();
  const weights = FIELDS.map((f) => options.fieldWeights[f]);
  const norms = FIELDS.map((f) => options.lengthNorm[f]);
  const avgs = FIELDS.map((f) => (corpus.docs > 0 ? corpus.totalLength[f] / corpus.docs : 1) || 1);
  const k1 = options.k1;
  const limit = corpus.docLimit;
  const scores = new Float64Array(limit);
  const masks = new Int32Array(limit);
  const hit = new Uint8Array(limit);
  const touched: number[] = [];
  // Per form: its weighted term frequency per document, and the documents it met (stamped with the form's number).
  const tf = new Float64Array(limit);
  const stamp = new Int32Array(limit);
  const met = new Int32Array(limit);
  const named = new Int32Array(limit);
  q.forms.forEach((form, f) => {
    const p = corpus.postings(form.term);
    if (!p) return;
    // A word that more papers have in their people field than in their text is used mostly as a name here ("Apple", not "meta").
    let asName = 0;
    let inText = 0;
    for (let i = 0; i < p.n; i++) {
      if (p.fields[i] === PEOPLE) asName++;
      else if (i === 0 || p.docs[i - 1] !== p.docs[i] || p.fields[i - 1] === PEOPLE) inText++;
    }
    const isName = asName > 0 && asName >= inText;
    let df = 0;
    for (let i = 0; i < p.n; i++) {
      const doc = p.docs[i] as number;
      const field = p.fields[i] as number;
      if (isName && field === PEOPLE) named[doc] = (named[doc] as number) | form.concepts;
      const b = norms[field] ?? 0;
      const w = ((weights[field] ?? 0) * (p.tfs[i] as number)) / (1 - b + (b * corpus.fieldLength(doc, field)) / (avgs[field] as number));
      if (stamp[doc] !== f + 1) {
        stamp[doc] = f + 1;
        met[df++] = doc;
        tf[doc] = w;
      } else tf[doc] = (tf[doc] as number) + w;
    }
    if (df === 0) return;
    const termIdf = Math.log(1 + (corpus.docs - df + 0.5) / (df + 0.5));
    idf.set(form.term, termIdf);
    const factor = form.weight * termIdf * (k1 + 1);
    for (let i = 0; i < df; i++) {
      const doc = met[i] as number;
      const t = tf[doc] as number;
      if (t <= 0) continue;
      if (hit[doc] === 0) {
        hit[doc] = 1;
        touched.push(doc);
      }
      scores[doc] = (scores[doc] as number) + (factor * t) / (k1 + t);
      masks[doc] = (masks[doc] as number) | form.concepts;
    }
  });
  for (const term of q.excluded) {
    const p = corpus.postings(term);
    for (let i = 0; p && i < p.n; i++) hit[p.docs[i] as number] = 2;
  }
  if (options.base === 'lunr') {
    // lunr's score of the same forms replaces BM25F's; which forms matched (the masks) is the same.
    scores.fill(0);
    const lunr = scoreMatches(
      q.forms.map((f) => ({ terms: [{ term: f.term, boost: f.weight }], presence: 'optional' as const })),
      corpus,
    );
    for (let i = 0; i < lunr.docs.length; i++) scores[lunr.docs[i] as number] = lunr.scores[i] as number;
  }
  const candidates: Candidate[] = [];
  for (const doc of touched)
    if (hit[doc] === 1) candidates.push({ doc, bm25: scores[doc] as number, concepts: masks[doc] as number, named: named[doc] as number });
  return { candidates, idf };
}

/** The per-query model the scorers read: concept weights from the forms' IDF. */
export function queryModel(q: RankQuery, idf: ReadonlyMap<string, number>, options: RankingOptions): QueryModel {
  const conceptWeights = q.concepts.map((_c, i) => {
    let best = 0;
    for (const f of q.forms) if (f.concepts & (1 << i)) best = Math.max(best, f.weight * (idf.get(f.term) ?? 0));
    return best;
  });
  let matchable = 0;
  let matchableCount = 0;
  conceptWeights.forEach((w, i) => {
    if (w > 0) {
      matchable |= 1 << i;
      matchableCount++;
    }
  });
  return { options, conceptWeights, totalWeight: conceptWeights.reduce((s, w) => s + w, 0), matchable, matchableCount, name: normalName(q.text) };
}

/** Relevance (the product of the scorers' factors) and tier of a candidate; `title` null skips the tiers that read it. */
export function judge(c: Candidate, q: QueryModel, title: string | null): { relevance: number; tier: number } {
  let relevance = 1;
  for (const s of SCORERS) relevance *= s.factor(c, q);
  let tier = 0;
  for (const t of TIERS) if (t.accepts(c, q, title)) tier += t.rank;
  return { relevance, tier };
}
