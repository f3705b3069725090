// lunr's BM25 over stored postings, for evaluation: the same scores as lunr.Index.query (test/scripts/lunrScorer.test.ts proves it), without building lunr's index.
import type { CorpusView } from '../src/search/corpusData.js';
import { FIELDS, type Field } from '../src/search/document.js';
import type { TermPostings } from '../src/search/postings.js';
import type { BaseScorer } from '../src/search/ranking/model.js';

/** lunr's field boosts as the search index once configured them (a title word says far more than one in the abstract). */
export const FIELD_BOOSTS: Readonly<Record<Field, number>> = { title: 3, abstract: 1, people: 1 };

/** lunr.Builder's defaults. */
const K1 = 1.2;
const B = 0.75;

/** A lunr query clause whose term is already expanded (fuzzy and typo candidates resolved by the caller). */
export interface ScoredClause {
  terms: ReadonlyArray<{ term: string; boost: number }>;
  presence: 'optional' | 'required' | 'prohibited';
}

export interface ScoredMatch {
  doc: number;
  score: number;
  /** The index terms this document matched (lunr's matchData keys). */
  matched: string[];
}

/**
 * Every match of a query, as parallel arrays (a common word matches most of the corpus, so no
 * object per match): documents best first, their scores, and for each a bit mask over `terms`
 * saying which query terms it matched.
 */
export interface ScoredMatches {
  docs: Int32Array;
  scores: Float64Array;
  masks: Float64Array;
  terms: readonly string[];
}

/** How many distinct positive query terms the match masks can tell apart (2^53 is exact in a double). */
export const MAX_SCORED_TERMS = 52;

const EMPTY: ScoredMatches = { docs: new Int32Array(0), scores: new Float64Array(0), masks: new Float64Array(0), terms: [] };

/**
 * Scores documents exactly as `lunr.Index.query` would over the same documents: each field's
 * term weight is lunr's BM25 (`idf · (k1+1)·tf / (k1·(1−b+b·len/avgLen) + tf) · boost`, rounded to
 * three decimals as lunr.Builder does), a document's score is the dot product with the query
 * vector (summed boosts per term) over its norm, summed over fields; required clauses must match,
 * prohibited ones must not. Weights are computed from current corpus statistics at query time, so
 * adding papers needs no rebuild and scores equal a fresh lunr build's. Term-at-a-time over
 * decoded postings: the work is the postings of the query's terms, never a pass over documents.
 */
export function scoreMatches(clauses: readonly ScoredClause[], corpus: CorpusView): ScoredMatches {
  const queryWeight = new Map<string, number>();
  const prohibited: string[] = [];
  const required: Array<readonly string[]> = [];
  for (const c of clauses) {
    const present = c.terms.filter((t) => corpus.postings(t.term) !== undefined);
    if (c.presence === 'prohibited') {
      prohibited.push(...present.map((t) => t.term));
      continue;
    }
    if (c.presence === 'required') {
      // NOTE: lunr drops every result when a required term expands to nothing in the index.
      if (present.length === 0) return EMPTY;
      required.push(present.map((t) => t.term));
    }
    for (const t of present) {
      if (!queryWeight.has(t.term) && queryWeight.size >= MAX_SCORED_TERMS) continue;
      queryWeight.set(t.term, (queryWeight.get(t.term) ?? 0) + t.boost);
    }
  }
  if (queryWeight.size === 0) return EMPTY;
  const terms = [...queryWeight.keys()];
  const norm = Math.sqrt([...queryWeight.values()].reduce((s, w) => s + w * w, 0));
  const avg = FIELDS.map((f) => (corpus.docs > 0 ? corpus.totalLength[f] / corpus.docs : 1) || 1);
  const boosts = FIELDS.map((f) => FIELD_BOOSTS[f]);
  const limit = corpus.docLimit;
  const scores = new Float64Array(limit);
  const masks = new Float64Array(limit);
  const touched = new Int32Array(limit);
  let touchedCount = 0;
  terms.forEach((term, bitIndex) => {
    const p = corpus.postings(term) as TermPostings;
    const q = queryWeight.get(term) ?? 0;
    const bit = 2 ** bitIndex;
    const idf = Math.log(1 + Math.abs((corpus.docs - p.n + 0.5) / (p.n + 0.5)));
    const factor = idf * (K1 + 1);
    for (let i = 0; i < p.n; i++) {
      const doc = p.docs[i] as number;
      const field = p.fields[i] as number;
      const tf = p.tfs[i] as number;
      const len = corpus.fieldLength(doc, field);
      const raw = (factor * tf) / (K1 * (1 - B + B * (len / (avg[field] as number))) + tf);
      const weight = Math.round(raw * (boosts[field] as number) * 1000) / 1000;
      if (masks[doc] === 0) touched[touchedCount++] = doc;
      scores[doc] = (scores[doc] as number) + q * weight;
      const m = masks[doc] as number;
      // NOTE: the same term in two fields of a document sets its bit once.
      if (Math.floor(m / bit) % 2 === 0) masks[doc] = m + bit;
    }
  });
  const banned = new Uint8Array(limit);
  for (const term of prohibited) {
    const p = corpus.postings(term);
    if (p) for (let i = 0; i < p.n; i++) banned[p.docs[i] as number] = 1;
  }
  const requiredMasks = required.map((list) => list.reduce((m, t) => (terms.includes(t) ? m + 2 ** terms.indexOf(t) : m), 0));
  const keep: number[] = [];
  for (let i = 0; i < touchedCount; i++) {
    const doc = touched[i] as number;
    if (banned[doc] === 1) continue;
    const m = masks[doc] as number;
    if (!requiredMasks.every((rm) => hasAnyBit(m, rm))) continue;
    keep.push(doc);
  }
  keep.sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const out: ScoredMatches = { docs: Int32Array.from(keep), scores: new Float64Array(keep.length), masks: new Float64Array(keep.length), terms };
  keep.forEach((doc, i) => {
    out.scores[i] = (scores[doc] as number) / norm;
    out.masks[i] = masks[doc] as number;
  });
  return out;
}

/** Whether two bit masks held in doubles (up to 52 bits) share a bit. */
export function hasAnyBit(a: number, b: number): boolean {
  let x = a;
  let y = b;
  while (x > 0 && y > 0) {
    if (x % 2 === 1 && y % 2 === 1) return true;
    x = Math.floor(x / 2);
    y = Math.floor(y / 2);
  }
  return false;
}

/** The terms a match mask stands for. */
export function maskTerms(mask: number, terms: readonly string[]): string[] {
  const out: string[] = [];
  let m = mask;
  for (let i = 0; m > 0 && i < terms.length; i++, m = Math.floor(m / 2)) if (m % 2 === 1) out.push(terms[i] as string);
  return out;
}

/** {@link scoreMatches} as one object per match, for tests and small result sets. */
export function scoreClauses(clauses: readonly ScoredClause[], corpus: CorpusView): ScoredMatch[] {
  const r = scoreMatches(clauses, corpus);
  return Array.from(r.docs, (doc, i) => ({ doc, score: r.scores[i] as number, matched: maskTerms(r.masks[i] as number, r.terms) }));
}

/** lunr's score of a ranked query's forms in place of BM25F: eval's `base=lunr` (which forms matched stays the ranker's). */
export const lunrBase: BaseScorer = (forms, corpus) => {
  const r = scoreMatches(
    forms.map((f) => ({ terms: [{ term: f.term, boost: f.weight }], presence: 'optional' as const })),
    corpus,
  );
  return { docs: r.docs, scores: r.scores };
};
