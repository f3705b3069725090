// The extractive answer: the abstract sentences that best answer a question, each cited by number.
import type { Paper } from '../papers/model.js';
import type { AnswerSentence } from '../reply.js';
import { sentences } from '../search/snippets.js';
import { analyze } from '../search/analysis/analyze.js';
import { paperName, standAlone } from './sentence.js';

/** A paper the search retrieved for the question, with its relevance relative to the best hit (0..1]. */
export interface Candidate {
  paper: Paper;
  relevance: number;
}

/**
 * How sentences are picked. Chosen by one leave-one-out cross-validation over the dev and chat
 * questions together (`npm run eval`, scripts/evalAnswers.ts); the grid is `PICK_GRID` in scripts/evalAsk.ts.
 */
export interface PickOptions {
  /** How many of the search's best papers the sentences may come from. */
  pool: number;
  /** At most this many sentences in an answer. */
  maxSentences: number;
  /**
   * A sentence scoring below this share of the best sentence's score is not an answer and is left
   * out ("cite only what answers"); scores are relative because a long question's best sentence
   * covers only part of it.
   */
  minScore: number;
  /** The best sentence must cover at least this share (0..1) of the question's weighted terms, or nothing answers it. */
  minCoverage: number;
  /** How much the paper's search relevance scales a sentence's coverage of the question (0: not at all; 1: fully). */
  paperWeight: number;
  /** How much overlap with an already chosen sentence costs (0: none; 1: a repeat scores nothing). */
  redundancy: number;
  /** Papers below this share of the best hit's relevance are not cited. */
  paperCutoff: number;
}

export const DEFAULT_PICK: PickOptions = {
  pool: 5,
  maxSentences: 5,
  minScore: 0.3,
  minCoverage: 0.1,
  paperWeight: 0.5,
  redundancy: 0.5,
  paperCutoff: 0.5,
};

/** An answer gets at least this many sentences when the papers it already cites have them (no new paper is cited for it). */
const MIN_SENTENCES = 2;

/** One chosen sentence and the paper it comes from. */
export interface Picked {
  paperId: string;
  text: string;
  score: number;
}

/** Sentences shorter than this are fragments ("Code is available.") and never an answer. */
export const MIN_SENTENCE_CHARS = 30;
/** Longer sentences are cut at a word boundary. */
const MAX_SENTENCE_CHARS = 360;

interface Scored {
  paperId: string;
  text: string;
  terms: Set<string>;
  coverage: number;
  relevance: number;
}

/**
 * Picks the sentences that answer a question: each abstract sentence of the candidates is scored by
 * the share of the question's (idf-weighted) terms it contains, blended with its paper's relevance;
 * sentences that cannot stand alone are left out and self-references name the paper (`standAlone`);
 * then sentences are taken greedily, each paying for its overlap with those already taken, until
 * the next one scores below `minScore` or the answer is long enough. Terms are index terms
 * (`analyze`: the search's stemming, spelling and abbreviation rules), so "quantisation" and
 * "quantized" meet as they do in search. What the picked sentences decide is which papers are cited
 * and how much is said of each; which of a paper's sentences is shown is `shownSentences`' choice.
 */
export function pickSentences(questionTerms: ReadonlySet<string>, candidates: readonly Candidate[], options: PickOptions = DEFAULT_PICK): Picked[] {
  if (questionTerms.size === 0) return [];
  const pool = candidates.slice(0, options.pool).filter((c) => c.relevance >= options.paperCutoff);
  const all: Scored[] = [];
  for (const c of pool) {
    const abstract = c.paper.abstract;
    const name = paperName(c.paper);
    for (const s of sentences(abstract)) {
      const raw = abstract.slice(s.start, s.end).trim();
      if (raw.length < MIN_SENTENCE_CHARS) continue;
      // NOTE: a sentence that cannot stand next to other papers' sentences ("This ensures …") is never picked.
      const text = standAlone(raw, name);
      if (text === null) continue;
      all.push({ paperId: c.paper.id, text, terms: new Set(analyze(text)), coverage: 0, relevance: c.relevance });
    }
  }
  if (all.length === 0) return [];
  // Inverse sentence frequency over the pool: a term every sentence has says little.
  const weight = new Map<string, number>();
  for (const t of questionTerms) {
    const df = all.reduce((n, s) => n + (s.terms.has(t) ? 1 : 0), 0);
    weight.set(t, Math.log(1 + all.length / (df + 0.5)));
  }
  const total = [...weight.values()].reduce((a, b) => a + b, 0);
  for (const s of all) {
    let got = 0;
    for (const [t, w] of weight) if (s.terms.has(t)) got += w;
    s.coverage = total > 0 ? got / total : 0;
  }
  const chosen: Scored[] = [];
  const left = all.filter((s) => s.coverage > 0);
  const most = Math.max(0, ...left.map((s) => s.coverage));
  if (most < options.minCoverage) return [];
  let first = 0;
  while (chosen.length < options.maxSentences && left.length > 0) {
    let best = -1;
    let bestScore = -Infinity;
    for (const [i, s] of left.entries()) {
      // NOTE: multiplicative, so a sentence that says little about the question never rides on its paper's rank.
      const base = (s.coverage / most) * (1 - options.paperWeight + options.paperWeight * s.relevance);
      const overlap = chosen.reduce((m, c) => Math.max(m, jaccard(s.terms, c.terms)), 0);
      const score = base * (1 - options.redundancy * overlap);
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    if (best < 0 || (chosen.length > 0 && bestScore < options.minScore * first)) break;
    if (chosen.length === 0) first = bestScore;
    const [s] = left.splice(best, 1);
    if (s) chosen.push(s);
  }
  // Short answers are filled from the papers already cited: more words, no new sources.
  const cited = new Set(chosen.map((c) => c.paperId));
  while (chosen.length > 0 && chosen.length < MIN_SENTENCES) {
    const more = left
      .filter((s) => cited.has(s.paperId))
      .sort((a, b) => b.coverage - a.coverage)
      .find((s) => chosen.every((c) => jaccard(s.terms, c.terms) < 0.8));
    if (!more) break;
    left.splice(left.indexOf(more), 1);
    chosen.push(more);
  }
  // Grouped by paper, in the order papers were first chosen: each paper's approach is read in one place.
  const order = [...new Set(chosen.map((c) => c.paperId))];
  const grouped = order.flatMap((id) => chosen.filter((c) => c.paperId === id));
  return grouped.map((s) => ({ paperId: s.paperId, text: clipSentence(s.text), score: s.coverage }));
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let common = 0;
  for (const t of a) if (b.has(t)) common += 1;
  const union = a.size + b.size - common;
  return union === 0 ? 0 : common / union;
}

/** A sentence of at most `MAX_SENTENCE_CHARS`, cut at a word boundary. */
export function clipSentence(text: string): string {
  if (text.length <= MAX_SENTENCE_CHARS) return text;
  const sp = text.lastIndexOf(' ', MAX_SENTENCE_CHARS - 1);
  return `${text.slice(0, sp > 0 ? sp : MAX_SENTENCE_CHARS - 1)}…`;
}

/**
 * Numbers the sources of some sentences in order of first use: the first paper cited is [1].
 * Returns the numbered sentences and the cited paper ids, the id of citation `n` at index `n - 1`.
 */
export function numberCitations(picked: ReadonlyArray<{ text: string; paperIds: readonly string[] }>): { sentences: AnswerSentence[]; papers: string[] } {
  const papers: string[] = [];
  const out: AnswerSentence[] = [];
  for (const p of picked) {
    const cites: number[] = [];
    for (const id of p.paperIds) {
      let n = papers.indexOf(id) + 1;
      if (n === 0) {
        papers.push(id);
        n = papers.length;
      }
      if (!cites.includes(n)) cites.push(n);
    }
    if (cites.length > 0) out.push({ text: p.text, cites });
  }
  return { sentences: out, papers };
}
