// Groups a synthesized answer's sentences by approach: papers whose contribution shares a distinctive term go together, under that term.
import type { Paper } from '../papers/model.js';
import type { Corpus } from '../search/related.js';
import { analyze } from '../search/analysis/analyze.js';
import type { Picked } from './answer.js';

/**
 * How approaches are told apart. NOTE: on principle rather than tuned (no judged groupings exist to
 * cross-validate on): a term most of the library has says what the field is, not how a paper goes about it.
 */
export interface ApproachOptions {
  /** A paper's candidate approach terms: its most used title and chosen-sentence terms (each costs one look-up). */
  candidateTerms: number;
  /** A term held by more than this share of the library is the field's (`models`, `memory`), never an approach. */
  maxShare: number;
}

export const DEFAULT_APPROACH: ApproachOptions = { candidateTerms: 12, maxShare: 0.2 };

/** One approach: a short label (null when the paper shares no distinctive term and has none of its own) and its sentences. */
export interface Approach {
  label: string | null;
  picked: Picked[];
}

interface Term {
  /** How the word reads in the papers, for the label. */
  word: string;
  idf: number;
  /** Uses in the paper's title (twice) and chosen sentences. */
  uses: Map<string, number>;
  /** The papers whose chosen sentences (not only the title) use it. */
  said: Set<string>;
}

/**
 * The picked sentences grouped by approach, in the order their papers were first picked: the
 * distinctive term most cited papers share (rarest in the library first) makes one group, then the
 * next among the papers left, and so on; a paper that shares none stands alone, under its own most
 * distinctive term when its title and sentences both use one. When no two papers share a term, or one
 * paper answers, each paper is a paragraph without a label. Terms of the question itself are what
 * every paper has, never a label.
 */
export function groupByApproach(
  picked: readonly Picked[],
  papers: ReadonlyMap<string, Paper>,
  question: ReadonlySet<string>,
  corpus: Corpus,
  options: ApproachOptions = DEFAULT_APPROACH,
): Approach[] {
  const order = [...new Set(picked.map((p) => p.paperId))];
  const byPaper = new Map(order.map((id) => [id, picked.filter((p) => p.paperId === id)]));
  const plain = () => order.map((id) => ({ label: null, picked: byPaper.get(id) ?? [] }));
  if (order.length < 2 || corpus.size === 0) return plain();

  const terms = new Map<string, Term>();
  const rarity = new Map<string, number>();
  const idfOf = (word: string): number => {
    let idf = rarity.get(word);
    if (idf === undefined) {
      const held = corpus.holders(word).length;
      // NOTE: a word only one paper holds links it to no other (its own name); one most papers hold is the field's.
      idf = held < 2 || held > corpus.size * options.maxShare ? 0 : Math.log(corpus.size / held);
      rarity.set(word, idf);
    }
    return idf;
  };
  for (const id of order) {
    const counts = new Map<string, { word: string; n: number; said: boolean }>();
    const add = (text: string, weight: number) =>
      analyze(text, (word, term) => {
        if (word.length < 3 || /\d/.test(word) || question.has(term)) return;
        const c = counts.get(term) ?? { word, n: 0, said: false };
        c.n += weight;
        c.said ||= weight === 1;
        counts.set(term, c);
      });
    add(papers.get(id)?.title ?? '', 2);
    for (const p of byPaper.get(id) ?? []) add(p.text, 1);
    const best = [...counts].sort((a, b) => b[1].n - a[1].n).slice(0, options.candidateTerms);
    for (const [term, c] of best) {
      const idf = idfOf(c.word);
      if (idf <= 0) continue;
      const t = terms.get(term) ?? { word: c.word, idf, uses: new Map<string, number>(), said: new Set<string>() };
      t.uses.set(id, c.n);
      if (c.said) t.said.add(id);
      terms.set(term, t);
    }
  }

  const textOf = (id: string) => [papers.get(id)?.title ?? '', ...(byPaper.get(id) ?? []).map((p) => p.text)].join(' ');
  const left = new Set(order);
  const groups: Array<{ label: string; ids: string[] }> = [];
  for (;;) {
    let chosen: Term | null = null;
    let score = 0;
    for (const t of terms.values()) {
      const holders = [...t.uses].filter(([id]) => left.has(id));
      // NOTE: weighed by how much the papers use it, so the word they are about beats a rare word each uses once.
      const s = holders.length < 2 ? 0 : t.idf * holders.reduce((sum, [, n]) => sum + n, 0);
      if (s > score + 1e-9) {
        score = s;
        chosen = t;
      }
    }
    if (!chosen) break;
    const ids = order.filter((id) => left.has(id) && chosen.uses.has(id));
    for (const id of ids) left.delete(id);
    groups.push({ label: label(chosen.word, ids.map(textOf)), ids });
  }
  // Papers sharing no approach: one paragraph each, as before, unless some do share one.
  if (groups.length === 0) return plain();
  for (const id of left) {
    let own: Term | null = null;
    for (const t of terms.values()) {
      // A paper alone is labelled only by a word both its title and its chosen sentences use (a title word alone may be a pun).
      const n = t.uses.get(id) ?? 0;
      if (n > 2 && t.said.has(id) && (!own || n * t.idf > (own.uses.get(id) ?? 0) * own.idf + 1e-9)) own = t;
    }
    groups.push({ label: own ? label(own.word, [textOf(id)]) : '', ids: [id] });
  }
  const first = (ids: readonly string[]) => Math.min(...ids.map((id) => order.indexOf(id)));
  return groups
    .sort((a, b) => first(a.ids) - first(b.ids))
    .map((g) => ({ label: g.label === '' ? null : g.label, picked: g.ids.flatMap((id) => byPaper.get(id) ?? []) }));
}

/** A term as a heading: its word as the papers write it, capitalised ("quantization" → "Quantization"; "GPU" stays). */
function label(word: string, texts: readonly string[]): string {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'iu');
  const written = texts.map((t) => re.exec(t)?.[0]).find((w) => w !== undefined) ?? word;
  return written.charAt(0).toUpperCase() + written.slice(1);
}
