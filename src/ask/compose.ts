// Builds an answer to a topic question from the library: retrieval, then the sentence picker or the model, then numbered citations.
import type { SearchPage } from '../library.js';
import type { Logger } from '../logger.js';
import type { Paper } from '../papers/model.js';
import type { AnswerWriter } from '../ports.js';
import type { AnswerSentence } from '../reply.js';
import { UserError } from '../errors.js';
import { parseQuery, type ParsedQuery } from '../search/query.js';
import { termOf } from '../search/analysis/terms.js';
import type { Corpus } from '../search/related.js';
import { groupByApproach } from './approach.js';
import { DEFAULT_PICK, numberCitations, pickSentences, type Candidate, type PickOptions } from './answer.js';
import type { DateFilter } from './intent.js';
import { checkWritten } from './llm.js';
import { shownSentences } from './shown.js';

/** How many of the best papers a model is given to write from. */
export const WRITER_SOURCES = 5;

/** An answer before it is a reply: its sentences, the cited papers in number order, and the papers it was drawn from. */
export interface Draft {
  sentences: AnswerSentence[];
  cited: Paper[];
  pool: Paper[];
  /** Whether a model wrote it (else the sentences are quoted from abstracts). */
  generated: boolean;
}

/** The filter words for a search (`since:…`, `until:…`), from the dates a question named. */
export function dateFilters(d: Pick<DateFilter, 'since' | 'until'>): string {
  return [d.since ? `since:${d.since}` : '', d.until ? `until:${d.until}` : ''].filter(Boolean).join(' ');
}

/**
 * A question's words and the dates it named, analysed once: the same parsed query is searched
 * (`library.search` takes it as it is) and gives the sentence picker its terms (`questionTerms`).
 * A bad filter value is the UserError that says what is wrong.
 */
export function lookUp(text: string, dates: Pick<DateFilter, 'since' | 'until'> = { since: null, until: null }): ParsedQuery {
  const parsed = parseQuery(`${text} ${dateFilters(dates)}`.trim());
  if (!parsed.ok) throw UserError.from(parsed.error);
  return parsed.value;
}

/**
 * The index terms of a parsed question, typo corrections included (a word read as other corpus words
 * counts as those words), so the sentence picker matches what the search matched.
 */
export function questionTerms(query: ParsedQuery, corrected: SearchPage['corrected'] = []): Set<string> {
  const terms = new Set(query.terms.map((t) => t.term));
  for (const c of corrected) {
    const from = termOf(c.word);
    if (from) terms.delete(from);
    for (const to of c.to) {
      const t = termOf(to) ?? to;
      terms.add(t);
    }
  }
  return terms;
}

/** Search hits as candidates: relevance relative to the best hit, so 1 is the best paper. */
export function candidatesOf(page: Pick<SearchPage, 'hits'>): Candidate[] {
  const top = page.hits[0]?.score ?? 0;
  return page.hits.map((h) => ({ paper: h.paper, relevance: top > 0 ? h.score / top : 1 }));
}

/**
 * The extractive answer: the picker chooses the papers to cite, and each is shown by its contribution
 * or finding sentences that best cover the question (`shownSentences`), each citing its paper. Given the library's
 * `corpus`, sentences from several papers are grouped by approach (`groupByApproach`), each group's
 * first sentence opening with its label ("Quantization: KIVI quantizes … [1] QJL … [2] Eviction: …").
 */
export function extractive(terms: ReadonlySet<string>, candidates: readonly Candidate[], options: PickOptions = DEFAULT_PICK, corpus?: Corpus): Draft {
  const byId = new Map(candidates.map((c) => [c.paper.id, c.paper]));
  const picked = shownSentences(pickSentences(terms, candidates, options), byId, terms);
  const approaches = corpus ? groupByApproach(picked, byId, terms, corpus) : [{ label: null, picked }];
  const ordered = approaches.flatMap((a) => a.picked.map((p, i) => ({ text: i === 0 && a.label ? `${a.label}: ${p.text}` : p.text, paperIds: [p.paperId] })));
  const { sentences, papers } = numberCitations(ordered);
  return { sentences, cited: papers.flatMap((id) => byId.get(id) ?? []), pool: candidates.map((c) => c.paper), generated: false };
}

/**
 * The model's answer from the best {@link WRITER_SOURCES} papers, checked: citations that name no
 * given paper are dropped, and so is a sentence left without one. Null (and a log line saying why)
 * when the model fails, times out or leaves nothing, so the caller answers extractively instead.
 */
export async function generative(writer: AnswerWriter, question: string, candidates: readonly Candidate[], logger: Logger): Promise<Draft | null> {
  const given = candidates.slice(0, WRITER_SOURCES).map((c) => c.paper);
  if (given.length === 0) return null;
  const started = Date.now();
  const result = await writer.write(
    question,
    given.map((p, i) => ({ n: i + 1, title: p.title, abstract: p.abstract })),
  );
  if (!result.ok) {
    logger.warn({ model: writer.name, problem: result.error, ms: Date.now() - started }, 'the model gave no answer; answering from the abstracts instead');
    return null;
  }
  const checked = checkWritten(result.value, given.length);
  if (checked.length === 0) {
    logger.warn({ model: writer.name, ms: Date.now() - started }, 'the model cited none of the given papers; answering from the abstracts instead');
    return null;
  }
  const ids = given.map((p) => p.id);
  const { sentences, papers } = numberCitations(checked.map((s) => ({ text: s.text, paperIds: s.sources.map((n) => ids[n - 1] ?? '') })));
  const byId = new Map(given.map((p) => [p.id, p]));
  logger.info({ model: writer.name, sentences: sentences.length, ms: Date.now() - started }, 'the model wrote the answer');
  return { sentences, cited: papers.flatMap((id) => byId.get(id) ?? []), pool: candidates.map((c) => c.paper), generated: true };
}
