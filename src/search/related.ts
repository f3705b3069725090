// "More like this": the papers that share enough of a paper's distinctive terms, best first, none when no paper comes close.
import type { Paper } from '../papers/model.js';
import { analyze } from './analysis/analyze.js';

/** How related papers are chosen (one place, read by tests and by anyone tuning them). */
export interface RelatedOptions {
  /** Title and abstract terms weighed to find the paper's distinctive ones (each costs one search). */
  candidateTerms: number;
  /** The paper's distinctive terms: the heaviest by tf-idf among the candidates. */
  distinctiveTerms: number;
  /** A related paper has at least this many of them... */
  minSharedTerms: number;
  /** ...carrying at least this share of their tf-idf weight. */
  minSharedWeight: number;
}

/**
 * NOTE: on principle rather than tuned (no judged related-paper pairs exist to cross-validate on):
 * a neighbour must share at least two of the paper's six most distinctive terms (one shared word is
 * a coincidence: "memory" joins dialogue memory and memory-bound quantization) carrying at least a
 * third of their weight (so it shares what the paper is about, not only its commonest words).
 */
export const DEFAULT_RELATED: RelatedOptions = { candidateTerms: 16, distinctiveTerms: 10, minSharedTerms: 3, minSharedWeight: 1 / 3 };

interface Term {
  word: string;
  weight: number;
  /** The papers holding it (title or abstract). */
  holders: ReadonlySet<string>;
}

/** What neighbours are found in: how many papers there are, and which hold a word (title or abstract). */
export interface Corpus {
  size: number;
  /** The ids of the papers holding it, each once. */
  holders(word: string): readonly string[];
}

/**
 * The paper's distinctive terms: title words (counted twice) and words its abstract repeats, weighed
 * by how often the paper uses them and how rare they are in the library. A word only this paper has
 * links it to nothing, so it is left out. Bounded: `candidateTerms` searches.
 */
export function distinctiveTerms(paper: Paper, corpus: Corpus, options: RelatedOptions = DEFAULT_RELATED): Term[] {
  const counts = new Map<string, { word: string; n: number; title: boolean }>();
  const add = (text: string, title: boolean) => {
    analyze(text, (word, term) => {
      // NOTE: a word of letters and digits (`h2o`) is searched as its parts, which half the library has; names like it are left out.
      if (word.length < 2 || /\d/.test(word)) return;
      const c = counts.get(term) ?? { word, n: 0, title };
      c.n += title ? 2 : 1;
      c.title ||= title;
      counts.set(term, c);
    });
  };
  add(paper.title, true);
  add(paper.abstract, false);
  const weighed = [...counts.values()]
    .filter((c) => c.title || c.n >= 2)
    .sort((a, b) => b.n - a.n)
    .slice(0, options.candidateTerms);
  const terms = weighed.flatMap((c): Term[] => {
    const holders = new Set(corpus.holders(c.word));
    holders.add(paper.id);
    // NOTE: a word most papers have (`models`, `memory` in a memory-heavy library) weighs next to nothing.
    const idf = Math.log(Math.max(corpus.size, holders.size) / holders.size);
    return holders.size < 2 || idf <= 0 ? [] : [{ word: c.word, weight: c.n * idf, holders }];
  });
  return terms.sort((a, b) => b.weight - a.weight).slice(0, options.distinctiveTerms);
}

/** A candidate neighbour and how much of the paper's distinctive weight it shares (0-1). */
export interface Neighbour {
  id: string;
  shared: number;
  terms: string[];
}

/**
 * The papers like `paper` (itself left out), best first: those sharing at least `minSharedTerms` of its
 * distinctive terms carrying `minSharedWeight` of their weight (ties: more shared terms, then id).
 * Empty when no paper is that close: no list is better than a list of unrelated papers.
 */
export function neighbours(paper: Paper, corpus: Corpus, options: RelatedOptions = DEFAULT_RELATED): Neighbour[] {
  const terms = distinctiveTerms(paper, corpus, options);
  const total = terms.reduce((s, t) => s + t.weight, 0);
  if (total === 0) return [];
  const found = new Map<string, Neighbour>();
  for (const t of terms) {
    for (const id of t.holders) {
      if (id === paper.id) continue;
      const n = found.get(id) ?? { id, shared: 0, terms: [] };
      n.shared += t.weight / total;
      n.terms.push(t.word);
      found.set(id, n);
    }
  }
  return [...found.values()]
    .filter((n) => n.terms.length >= options.minSharedTerms && n.shared >= options.minSharedWeight)
    .sort((a, b) => b.shared - a.shared || b.terms.length - a.terms.length || a.id.localeCompare(b.id));
}
