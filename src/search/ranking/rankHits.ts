// Ranks the papers a query finds: the query's forms scored by BM25F, required words and filters applied, every match judged, the best sorted by tier and relevance.
import type { CorpusData, DocInfo } from '../corpusData.js';
import { byUpvotesThenDate } from '../hits.js';
import type { SearchWork } from '../limits.js';
import type { ParsedQuery } from '../query.js';
import { spellings, type SpellingContext } from '../spelling/fallbacks.js';
import { candidateAt, scoreForms } from './bm25f.js';
import { queryModel, type BaseScorer, type Candidate, type Concept, type Form, type Scorer } from './model.js';
import type { RankingOptions } from './parameters.js';
import { judge } from './tiers.js';
import { kthLargest } from './topCut.js';

/** What ranking a query reads: the corpus, the parameters, the spelling fallbacks' context, and evaluation's extra scorers (none by default). */
export interface RankContext {
  readonly data: CorpusData;
  readonly options: RankingOptions;
  readonly lex: SpellingContext;
  readonly base: BaseScorer | undefined;
  readonly scorers: readonly Scorer[];
}

/**
 * The query as the ranking sees it: one concept per typed word, matched by its own term (when
 * the corpus has it), its guessed forms (corrections, split, word family) and fuzzy expansions,
 * and by the parts and abbreviations that stand for it.
 */
export function rankQuery(
  ctx: RankContext,
  q: ParsedQuery,
  corrections: ReadonlyMap<string, string[]>,
  expansions: ReadonlyMap<string, string[]> | null,
): { concepts: Concept[]; forms: Form[] } {
  const options = ctx.options;
  const typed = q.terms.filter((t) => !t.of);
  const required = new Set(q.required.map((t) => t.term));
  const index = new Map(typed.map((t, i) => [t.term, i]));
  const concepts: Concept[] = typed.map((t) => ({ word: t.word, required: required.has(t.term) }));
  const forms = new Map<string, Form>();
  const add = (term: string, weight: number, mask: number) => {
    const f = forms.get(term);
    if (f) {
      f.weight = Math.max(f.weight, weight);
      f.concepts |= mask;
    } else forms.set(term, { term, weight, concepts: mask });
  };
  for (const t of q.terms) {
    if (t.of) {
      const mask = t.of.reduce((m, of) => (index.has(of) ? m | (1 << (index.get(of) as number)) : m), 0);
      if (mask !== 0 && ctx.data.hasTerm(t.term)) add(t.term, 1, mask);
      continue;
    }
    const bit = 1 << (index.get(t.term) as number);
    if (ctx.data.hasTerm(t.term)) {
      add(t.term, 1, bit);
      // Its other spellings meet it, as British and American ones do (`dialogue` also finds `dialog`).
      for (const v of spellings(ctx.lex, t.word).terms) add(v, 1, bit);
      continue;
    }
    for (const c of corrections.get(t.term) ?? []) add(c, options.correctionWeight, bit);
    for (const c of expansions?.get(t.term) ?? []) add(c, options.fuzzyWeight, bit);
  }
  return { concepts, forms: [...forms.values()] };
}

/**
 * The best `want` papers the query finds, filters applied, best first, and how many it finds:
 * the forms scored by BM25F (bm25f.ts), every match judged, then only the best sorted by tier and relevance.
 * Not `ordered`: every match, unjudged and unsorted, each with score 0.
 */
export function rankHits(
  ctx: RankContext,
  q: ParsedQuery,
  corrections: ReadonlyMap<string, string[]>,
  expansions: ReadonlyMap<string, string[]> | null,
  want: number,
  work: SearchWork,
  ordered = true,
): { hits: Array<{ doc: number; score: number }>; total: number; terms: ReadonlySet<string> } {
  const { concepts, forms } = rankQuery(ctx, q, corrections, expansions);
  const terms = new Set(forms.map((f) => f.term));
  // NOTE: nothing to look for means no hits (lunr would answer every document).
  if (forms.length === 0) return { hits: [], total: 0, terms };
  work.clauses += forms.length + q.excluded.length;
  const query = { concepts, forms, excluded: q.excluded.map((t) => t.term), text: q.text };
  const { candidates, idf } = scoreForms(query, ctx.data, ctx.options, ctx.base);
  const model = queryModel(query, idf, ctx.options, ctx.scorers);
  // A quoted word must match (by any of its forms); one that nothing can match leaves no hits.
  let requiredMask = 0;
  concepts.forEach((c, i) => {
    if (c.required) requiredMask |= 1 << i;
  });
  if ((requiredMask & model.matchable) !== requiredMask) return { hits: [], total: 0, terms };
  const filtered = Boolean(q.since || q.until || q.org);
  // NOTE: kept matches as numbers (which candidate, its relevance and tier), not an object each: a
  // common word matches most of the corpus, and objects that outlive a young GC swell the heap.
  const kept = new Int32Array(candidates.n);
  const relevance = new Float64Array(candidates.n);
  const tiers = new Float64Array(candidates.n);
  let total = 0;
  let top = 0;
  // One candidate object, filled in for each judging (judge keeps nothing of it).
  const c: Candidate = { doc: 0, bm25: 0, concepts: 0, named: 0 };
  for (let i = 0; i < candidates.n; i++) {
    if (((candidates.concepts[i] as number) & requiredMask) !== requiredMask) continue;
    const doc = candidates.docs[i] as number;
    // NOTE: postings hold live documents only, so without filters no document row is read here.
    if (filtered) {
      const info = ctx.data.info(doc);
      if (!info || !passesFilters(info, q)) continue;
    }
    kept[total] = i;
    if (ordered) {
      const j = judge(candidateAt(candidates, i, c), model, null);
      relevance[total] = j.relevance;
      tiers[total] = j.tier;
      if (j.relevance > top) top = j.relevance;
    }
    total += 1;
  }
  if (!ordered) {
    const hits: Array<{ doc: number; score: number }> = [];
    for (let k = 0; k < total; k++) {
      const doc = candidates.docs[kept[k] as number] as number;
      if (ctx.data.info(doc)) hits.push({ doc, score: 0 });
    }
    return { hits, total, terms };
  }
  // The score orders hits across tiers: the tier plus relevance scaled into (0, 1].
  const scoreOf = (i: number) => (tiers[i] as number) + (top > 0 ? (relevance[i] as number) / top : 1);
  // Only the best `max(want, ctx.options.titleChecks)` by score are sorted (ties at the cut included); the
  // title tiers look at the first ctx.options.titleChecks of them, as they would in a full sort.
  const keep = Math.max(want === Infinity ? total : want, ctx.options.titleChecks);
  let chosen: number[];
  if (keep >= total) chosen = Array.from({ length: total }, (_c, i) => i);
  else {
    const scores = new Float64Array(total);
    for (let i = 0; i < total; i++) scores[i] = scoreOf(i);
    const cut = kthLargest(scores, keep);
    chosen = [];
    for (let i = 0; i < total; i++) if ((scores[i] as number) >= cut) chosen.push(i);
  }
  const rows = chosen.flatMap((i) => {
    const c = candidateAt(candidates, kept[i] as number);
    const info = ctx.data.info(c.doc);
    return info ? [{ c, relevance: relevance[i] as number, tier: tiers[i] as number, info }] : [];
  });
  const order = (a: (typeof rows)[number], b: (typeof rows)[number]) => b.tier - a.tier || b.relevance - a.relevance || byUpvotesThenDate(a.info, b.info);
  rows.sort(order);
  let lifted = false;
  for (const r of rows.slice(0, ctx.options.titleChecks)) {
    const tier = judge(r.c, model, r.info.title).tier;
    lifted ||= tier !== r.tier;
    r.tier = tier;
  }
  if (lifted) rows.sort(order);
  const shown = want === Infinity ? rows : rows.slice(0, want);
  return { hits: shown.map((r) => ({ doc: r.c.doc, score: r.tier + (top > 0 ? r.relevance / top : 1) })), total, terms };
}

export function passesFilters(p: Pick<DocInfo, 'publishedAt' | 'org'>, q: ParsedQuery): boolean {
  if (q.since && (!p.publishedAt || p.publishedAt < q.since)) return false;
  if (q.until && (!p.publishedAt || p.publishedAt > q.until)) return false;
  if (q.org && !(p.org ?? '').toLowerCase().includes(q.org.toLowerCase())) return false;
  return true;
}
