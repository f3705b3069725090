// Which sentences of each cited paper an extractive answer shows: its contributions or findings that best cover the question.
import type { Paper } from '../papers/model.js';
import { sentences } from '../search/snippets.js';
import { analyze } from '../search/analysis/analyze.js';
import { MIN_SENTENCE_CHARS, clipSentence, type Picked } from './answer.js';
import { gist } from './gist.js';
import { contentOf, paperName, proposes, standAlone, type Content } from './sentence.js';

interface Statement {
  text: string;
  terms: Set<string>;
  content: Content;
  proposes: boolean;
  /** Where it stands in the abstract, so a paper's sentences read in the authors' order. */
  at: number;
}

/**
 * The sentences shown for the papers the picker cited, in its order. The picker decides which
 * papers are cited (its objective sees only citations, so it cannot judge what a sentence says);
 * this decides what is said of each: as many of the paper's contribution or finding sentences
 * (`contentOf` 1) as the picker took from it, those covering most of the question first, read in
 * abstract order. Only a paper with no contribution or finding at all is shown by one sentence of
 * what it has, a neutral one before background. Every sentence stands alone (`standAlone`): no
 * opening connective, and the paper's self-references name it; an abstract with none that does is
 * shown by its gist.
 */
export function shownSentences(picked: readonly Picked[], papers: ReadonlyMap<string, Paper>, questionTerms: ReadonlySet<string>): Picked[] {
  const order = [...new Set(picked.map((p) => p.paperId))];
  const statements = new Map(order.map((id) => [id, statementsOf(papers.get(id))]));
  const all = [...statements.values()].flat();
  // NOTE: inverse sentence frequency over the cited papers' sentences, as the picker weighs terms over its pool.
  const weight = new Map<string, number>();
  for (const t of questionTerms) {
    const df = all.reduce((n, s) => n + (s.terms.has(t) ? 1 : 0), 0);
    weight.set(t, Math.log(1 + all.length / (df + 0.5)));
  }
  const coverage = (s: Statement) => [...weight].reduce((sum, [t, w]) => sum + (s.terms.has(t) ? w : 0), 0);
  const out: Picked[] = [];
  for (const id of order) {
    const own = statements.get(id) ?? [];
    const wanted = picked.filter((p) => p.paperId === id).length;
    const findings = own.filter((s) => s.content === 1);
    const tier = findings.length > 0 ? findings : own.filter((s) => s.content === 0.5).length > 0 ? own.filter((s) => s.content === 0.5) : own;
    const best = [...tier]
      .sort((a, b) => coverage(b) - coverage(a) || Number(b.proposes) - Number(a.proposes) || a.at - b.at)
      .slice(0, findings.length > 0 ? wanted : 1)
      .sort((a, b) => a.at - b.at);
    const paper = papers.get(id);
    if (best.length === 0) {
      // NOTE: an abstract with no sentence that stands alone (rare) is shown by the paper's gist, never a dangling sentence.
      if (paper) out.push({ paperId: id, text: clipSentence(gist(paper)), score: 0 });
      continue;
    }
    for (const s of best) out.push({ paperId: id, text: clipSentence(s.text), score: coverage(s) });
  }
  return out;
}

function statementsOf(p: Paper | undefined): Statement[] {
  if (!p) return [];
  const name = paperName(p);
  const out: Statement[] = [];
  for (const s of sentences(p.abstract)) {
    const raw = p.abstract.slice(s.start, s.end).trim();
    if (raw.length < MIN_SENTENCE_CHARS) continue;
    const text = standAlone(raw, name, true);
    if (text === null) continue;
    out.push({ text, terms: new Set(analyze(text)), content: contentOf(text, name), proposes: proposes(text, name), at: s.start });
  }
  return out;
}
