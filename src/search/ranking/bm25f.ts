// BM25F: the score of every paper the query's forms find, term-at-a-time over decoded postings.
import type { CorpusView } from '../corpusData.js';
import { FIELDS } from '../document.js';
import { lengthNorms } from './lengthNorms.js';
import type { BaseScorer, Candidate, RankQuery } from './model.js';
import type { RankingOptions } from './parameters.js';
import { scoreScratch } from './scoreScratch.js';

/** The field number of `people` in postings. */
const PEOPLE = FIELDS.indexOf('people');

/**
 * Scores every paper the query's forms find: BM25F summed over forms, `weight · idf · (k1+1)·tf'/(k1 + tf')`
 * with `tf' = Σ_field w_field · tf / (1 − b_field + b_field · len/avgLen)` and BM25's idf over
 * documents (not lunr's (document, field) pairs). Term-at-a-time over decoded postings, into typed
 * arrays: the work is the postings of the forms and excluded terms, never a pass over documents.
 */
export function scoreForms(q: RankQuery, corpus: CorpusView, options: RankingOptions, base?: BaseScorer): { candidates: Candidates; idf: Map<string, number> } {
  const idf = new Map<string, number>();
  const weights = FIELDS.map((f) => options.fieldWeights[f]);
  const norms = FIELDS.map((f) => options.lengthNorm[f]);
  const avgs = FIELDS.map((f) => (corpus.docs > 0 ? corpus.totalLength[f] / corpus.docs : 1) || 1);
  const k1 = options.k1;
  const limit = corpus.docLimit;
  // Per form: its weighted term frequency per document (tf), and the documents it met (met, stamped with the form's number).
  const { scores, masks, hit, touched, tf, stamp, met, named } = scoreScratch(limit);
  let nTouched = 0;
  const lengthNorm = lengthNorms(corpus, norms, avgs);
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
      const norm = lengthNorm ? ((lengthNorm[field] as Float64Array)[doc] as number) : 1 - b + (b * corpus.fieldLength(doc, field)) / (avgs[field] as number);
      const w = ((weights[field] ?? 0) * (p.tfs[i] as number)) / norm;
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
        touched[nTouched++] = doc;
      }
      scores[doc] = (scores[doc] as number) + (factor * t) / (k1 + t);
      masks[doc] = (masks[doc] as number) | form.concepts;
    }
  });
  for (const term of q.excluded) {
    const p = corpus.postings(term);
    for (let i = 0; p && i < p.n; i++) hit[p.docs[i] as number] = 2;
  }
  if (base) {
    // Another base score of the same forms replaces BM25F's (evaluation only); which forms matched (the masks) is the same.
    scores.fill(0);
    const other = base(q.forms, corpus);
    for (let i = 0; i < other.docs.length; i++) scores[other.docs[i] as number] = other.scores[i] as number;
  }
  let n = 0;
  for (let i = 0; i < nTouched; i++) if (hit[touched[i] as number] === 1) n++;
  const candidates: Candidates = { n, docs: new Int32Array(n), bm25: new Float64Array(n), concepts: new Int32Array(n), named: new Int32Array(n) };
  for (let i = 0, k = 0; i < nTouched; i++) {
    const doc = touched[i] as number;
    if (hit[doc] !== 1) continue;
    candidates.docs[k] = doc;
    candidates.bm25[k] = scores[doc] as number;
    candidates.concepts[k] = masks[doc] as number;
    candidates.named[k] = named[doc] as number;
    k++;
  }
  return { candidates, idf };
}

/**
 * The papers the query's terms found, in the order first met: column `i` of each array is one
 * {@link Candidate}. Columns, not an object per paper: a common word finds most of the corpus.
 */
export interface Candidates {
  n: number;
  docs: Int32Array;
  bm25: Float64Array;
  concepts: Int32Array;
  named: Int32Array;
}

/** Candidate `i` as an object (`into`, when given, is filled in and returned instead of a new one). */
export function candidateAt(cs: Candidates, i: number, into?: Candidate): Candidate {
  const c = into ?? { doc: 0, bm25: 0, concepts: 0, named: 0 };
  c.doc = cs.docs[i] as number;
  c.bm25 = cs.bm25[i] as number;
  c.concepts = cs.concepts[i] as number;
  c.named = cs.named[i] as number;
  return c;
}
