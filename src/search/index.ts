// The lunr snapshot index and its ranking: ranked hits with snippets, typo and word-family fallbacks, filters.
import lunr from 'lunr';
import type { Paper } from '../papers/model.js';
import type { SearchHit, SearchOutcome } from '../ports.js';
import type { Segment } from '../reply.js';
import type { ParsedQuery, QueryTerm } from './query.js';
import { americanize, analyze, compounds, termOf, words } from './text.js';

export type { SearchHit, SearchOutcome } from '../ports.js';

/** Field weights: a word in the title says far more about a paper than one in its abstract. */
const FIELD_BOOST = { title: 3, abstract: 1, people: 1 } as const;
/** Below this many exact hits, unknown words are retried with edit distance (typos). */
const FUZZY_WHEN_FEWER_THAN = 5;

/**
 * An immutable lunr index over a snapshot of papers, with the ranking on top of lunr's scores.
 * `LunrSearchIndex` (the search port's implementation) rebuilds it when papers change.
 */
export class LunrSnapshot {
  private readonly idx: lunr.Index;
  private readonly papers = new Map<string, Paper>();
  private readonly vocabulary: Set<string>;
  /** Document frequency of each term, for corrections and coverage weights. */
  private readonly df = new Map<string, number>();
  /** Every word seen (lowercased, spelling-folded) and its index term: typos are corrected against words, not stems. */
  private readonly surface = new Map<string, string>();

  constructor(papers: readonly Paper[]) {
    for (const p of papers) this.papers.set(p.id, p);
    const vocabulary = new Set<string>();
    const df = this.df;
    const surface = this.surface;
    this.idx = lunr(function () {
      // Text is analysed by our own pipeline (stopwords, British spellings, stems) before lunr sees it.
      this.pipeline.reset();
      this.searchPipeline.reset();
      this.ref('id');
      this.field('title', { boost: FIELD_BOOST.title });
      this.field('abstract', { boost: FIELD_BOOST.abstract });
      this.field('people', { boost: FIELD_BOOST.people });
      const seen = (word: string, term: string) => {
        if (!surface.has(word)) surface.set(americanize(word), term);
      };
      for (const p of papers) {
        const title = [...analyze(p.title, seen), ...compounds(p.title)];
        const abstract = [...analyze(p.abstract, seen), ...compounds(p.abstract)];
        const people = analyze([...p.authors, p.org ?? ''].join(' '));
        for (const t of new Set([...title, ...abstract, ...people])) {
          vocabulary.add(t);
          df.set(t, (df.get(t) ?? 0) + 1);
        }
        this.add({ id: p.id, title: title.join(' '), abstract: abstract.join(' '), people: people.join(' ') });
      }
    });
    this.vocabulary = vocabulary;
  }

  get size(): number {
    return this.papers.size;
  }

  has(term: string): boolean {
    return this.vocabulary.has(term);
  }

  /** All hits for a parsed query, best first; filters applied; never throws on user text. */
  search(q: ParsedQuery): SearchOutcome {
    const unknown = q.terms.filter((t) => !this.vocabulary.has(t.term)).map((t) => t.word);
    if (q.terms.length === 0) {
      const all = [...this.papers.values()].filter((p) => this.passesFilters(p, q) && !this.excluded(p, q));
      all.sort(byUpvotesThenDate);
      return { hits: all.map((paper) => ({ paper, score: 0, snippet: leadSnippet(paper.abstract) })), fuzzy: false, corrected: [], unknown };
    }
    const corrections = new Map<string, string[]>();
    const corrected: SearchOutcome['corrected'] = [];
    for (const t of q.terms) {
      if (this.vocabulary.has(t.term)) continue;
      const typo = this.corrections(t.word);
      const split = typo.terms.length === 0 ? this.split(t.word) : null;
      if (typo.words.length > 0) corrected.push({ word: t.word, to: typo.words });
      if (split) corrected.push({ word: t.word, to: [split.words.join(' ')] });
      corrections.set(t.term, [...new Set([...typo.terms, ...(split?.terms ?? []), ...this.relatives(t.term)])]);
    }
    let fuzzy = corrected.length > 0;
    let results = this.run(q, corrections, false);
    if (results.length < FUZZY_WHEN_FEWER_THAN && unknown.length > 0 && !fuzzy) {
      const more = this.run(q, corrections, true);
      if (more.length > results.length) {
        results = more;
        fuzzy = true;
      }
    }
    // Weight of each query concept (a typo counts as its correction): IDF, so rare words matter more.
    const concepts = q.terms
      .map((t) => {
        const known = this.vocabulary.has(t.term);
        const forms = known ? [t.term] : (corrections.get(t.term) ?? []);
        const dfMin = Math.min(...forms.map((f) => this.df.get(f) ?? this.papers.size));
        return { forms, weight: Math.log(1 + this.papers.size / Math.max(1, dfMin)) * (known ? 1 : correctionWeight(q)) };
      })
      .filter((c) => c.forms.length > 0);
    const totalWeight = concepts.reduce((s, c) => s + c.weight, 0);
    const hits: SearchHit[] = [];
    for (const r of results) {
      const paper = this.papers.get(r.ref);
      if (!paper || !this.passesFilters(paper, q)) continue;
      const matched = new Set(matchedTerms(r));
      const covered = concepts.reduce((s, c) => s + (c.forms.some((f) => matched.has(f)) ? c.weight : 0), 0);
      const coverage = totalWeight > 0 ? covered / totalWeight : 1;
      hits.push(lazySnippetHit(paper, r.score * coverageFactor(coverage), matched));
    }
    hits.sort((a, b) => b.score - a.score || byUpvotesThenDate(a.paper, b.paper));
    return { hits, fuzzy, corrected, unknown };
  }

  /** Corpus words closest to `word`, as people write them (for "did you mean"). */
  suggest(word: string, limit = 3): string[] {
    const target = americanize(word.toLowerCase());
    const max = target.length >= 6 ? 3 : 2;
    const scored: Array<[string, number, number]> = [];
    for (const [candidate, term] of this.surface) {
      if (Math.abs(candidate.length - target.length) > max || candidate.length < 3) continue;
      const d = editDistance(candidate, target, max);
      if (d <= max) scored.push([candidate, d, this.df.get(term) ?? 0]);
    }
    scored.sort((a, b) => a[1] - b[1] || b[2] - a[2] || a[0].localeCompare(b[0]));
    return scored.slice(0, limit).map(([v]) => v);
  }

  /**
   * Likely intended index terms for a word the corpus lacks (a typo): the terms of the corpus
   * words at the smallest edit distance (a swap of neighbours counts once), most common first.
   */
  private corrections(word: string): { terms: string[]; words: string[] } {
    const w = americanize(word.toLowerCase());
    if (w.length < 4 || /^\d+$/.test(w)) return { terms: [], words: [] };
    const max = w.length >= 8 ? 2 : 1;
    let best = max + 1;
    let found = new Map<string, string>();
    for (const [candidate, term] of this.surface) {
      if (Math.abs(candidate.length - w.length) > max) continue;
      const d = editDistance(candidate, w, max);
      if (d > max) continue;
      if (d < best) {
        best = d;
        found = new Map([[term, candidate]]);
      } else if (d === best && !found.has(term)) found.set(term, candidate);
    }
    const terms = [...found.keys()].sort((a, b) => (this.df.get(b) ?? 0) - (this.df.get(a) ?? 0)).slice(0, 2);
    return { terms, words: terms.map((t) => found.get(t) ?? t) };
  }

  /**
   * A run-together word split into two corpus words (`kvcache` → `kv cache`), preferring the split
   * whose rarer half is most common; null when no split has both halves in the corpus.
   */
  private split(word: string): { terms: string[]; words: string[] } | null {
    const w = americanize(word.toLowerCase());
    let best: { terms: string[]; words: string[]; score: number } | null = null;
    for (let i = 2; i <= w.length - 2; i++) {
      const a = w.slice(0, i);
      const b = w.slice(i);
      const ta = this.surface.get(a);
      const tb = this.surface.get(b);
      if (!ta || !tb) continue;
      const score = Math.min(this.df.get(ta) ?? 0, this.df.get(tb) ?? 0);
      if (!best || score > best.score) best = { terms: [ta, tb], words: [a, b], score };
    }
    return best ? { terms: best.terms, words: best.words } : null;
  }

  /**
   * Terms of the same word family that the stemmer keeps apart (investor/invest,
   * summarizer/summar): one is a prefix of the other, sharing at least five letters.
   */
  private relatives(term: string): string[] {
    if (term.length < 6) return [];
    const out: string[] = [];
    for (const v of this.vocabulary) {
      if (v.length < 5 || Math.abs(v.length - term.length) > 3) continue;
      if (v.startsWith(term) || term.startsWith(v)) out.push(v);
    }
    return out.sort((a, b) => (this.df.get(b) ?? 0) - (this.df.get(a) ?? 0)).slice(0, 2);
  }

  private run(q: ParsedQuery, corrections: ReadonlyMap<string, string[]>, fuzzy: boolean): lunr.Index.Result[] {
    const requiredTerms = new Set(q.required.map((t) => t.term));
    const clauses: Array<{ term: string; presence: lunr.Query.presence; editDistance?: number; boost?: number }> = [];
    for (const t of q.terms) {
      const presence = requiredTerms.has(t.term) ? lunr.Query.presence.REQUIRED : lunr.Query.presence.OPTIONAL;
      if (this.vocabulary.has(t.term)) {
        clauses.push({ term: t.term, presence });
        continue;
      }
      const boost = correctionWeight(q);
      for (const c of corrections.get(t.term) ?? []) clauses.push({ term: c, presence, boost });
      if (fuzzy) clauses.push({ term: t.term, presence: lunr.Query.presence.OPTIONAL, editDistance: fuzzDistance(t), boost: 0.5 });
    }
    // NOTE: lunr answers a query with no positive clause with every document; nothing to look for means no hits.
    if (clauses.length === 0) return [];
    return this.idx.query((query) => {
      for (const c of clauses) query.term(c.term, { usePipeline: false, ...c });
      for (const t of q.excluded) query.term(t.term, { usePipeline: false, presence: lunr.Query.presence.PROHIBITED });
    });
  }

  private passesFilters(p: Paper, q: ParsedQuery): boolean {
    if (q.since && (!p.publishedAt || p.publishedAt < q.since)) return false;
    if (q.until && (!p.publishedAt || p.publishedAt > q.until)) return false;
    if (q.org && !(p.org ?? '').toLowerCase().includes(q.org.toLowerCase())) return false;
    return true;
  }

  private excluded(p: Paper, q: ParsedQuery): boolean {
    if (q.excluded.length === 0) return false;
    const terms = new Set(analyze(`${p.title} ${p.abstract}`));
    return q.excluded.some((t) => terms.has(t.term));
  }
}

/** How strongly coverage counts: 0.5 (a square root) was best on the dev set and flat around it. */
const COVERAGE_POWER = 0.5;

/** Rewards papers that match more of the query's weight (a coordination factor, as in Lucene's classic scorer). */
function coverageFactor(coverage: number): number {
  return coverage ** COVERAGE_POWER;
}

/**
 * How much a guessed typo correction counts. In a short query the typo is the point of the
 * query; in a long question an unknown word is more often a word the corpus does not use.
 */
function correctionWeight(q: ParsedQuery): number {
  return q.terms.length <= 3 ? 1 : 0.3;
}

/** A hit whose snippet is computed only when read: callers show a page of hits, not all of them. */
function lazySnippetHit(paper: Paper, score: number, matched: ReadonlySet<string>): SearchHit {
  let cached: Segment[] | undefined;
  return {
    paper,
    score,
    get snippet() {
      cached ??= snippet(paper.abstract, matched);
      return cached;
    },
  };
}

function fuzzDistance(t: QueryTerm): number {
  return t.word.length >= 8 ? 2 : 1;
}

function matchedTerms(r: lunr.Index.Result): string[] {
  return Object.keys(r.matchData.metadata);
}

/** Ties break by upvotes, then by date (newer first), then by title for a stable order. */
export function byUpvotesThenDate(a: Paper, b: Paper): number {
  return (b.upvotes ?? 0) - (a.upvotes ?? 0) || (b.publishedAt ?? '').localeCompare(a.publishedAt ?? '') || a.title.localeCompare(b.title);
}

const SNIPPET_MAX = 300;

/**
 * Splits an abstract into sentences, keeping offsets. A sentence ends at `.`, `!` or `?` followed by
 * white space and a capital, digit or bracket, except after abbreviations such as "e.g." or "et al.".
 */
export function sentences(text: string): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  let start = 0;
  for (const m of text.matchAll(/[.!?]+(?=\s|$)/g)) {
    const end = m.index + m[0].length;
    if (end < text.length) {
      if (/(?:\b(?:e\.g|i\.e|et al|vs|etc|cf|approx|resp|Fig|Figs|Eq|Sec|No)\.)$/i.test(text.slice(Math.max(start, end - 8), end))) continue;
      const next = /\S/.exec(text.slice(end))?.[0] ?? '';
      if (!/[\p{Lu}\p{N}([{"'“‘]/u.test(next)) continue;
    }
    if (text.slice(start, end).trim() !== '') out.push({ start, end });
    start = end;
  }
  if (start < text.length && text.slice(start).trim() !== '') out.push({ start, end: text.length });
  return out;
}

/**
 * The abstract sentence that matches the most distinct query terms, with the matching
 * words marked. Falls back to the abstract's opening when nothing matches.
 */
export function snippet(abstract: string, terms: ReadonlySet<string>): Segment[] {
  if (terms.size === 0) return leadSnippet(abstract);
  let best: { start: number; end: number; score: number } | null = null;
  for (const s of sentences(abstract)) {
    const found = new Set<string>();
    for (const w of words(abstract.slice(s.start, s.end))) {
      const t = termOf(w.word);
      if (t && terms.has(t)) found.add(t);
    }
    if (found.size > 0 && (!best || found.size > best.score)) best = { ...s, score: found.size };
  }
  if (!best) return leadSnippet(abstract);
  let { start, end } = best;
  while (start < end && /\s/.test(abstract[start] ?? '')) start++;
  const marks: Array<{ start: number; end: number }> = [];
  for (const w of words(abstract.slice(start, end))) {
    const t = termOf(w.word);
    if (t && terms.has(t)) marks.push({ start: start + w.start, end: start + w.end });
  }
  // Keep long sentences short, centred on the first match.
  let prefix = '';
  let suffix = '';
  if (end - start > SNIPPET_MAX) {
    const first = marks[0]?.start ?? start;
    const from = Math.max(start, Math.min(first - 60, end - SNIPPET_MAX));
    if (from > start) {
      const sp = abstract.indexOf(' ', from);
      start = sp > 0 && sp < first ? sp + 1 : from;
      prefix = '…';
    }
    if (end - start > SNIPPET_MAX) {
      const sp = abstract.lastIndexOf(' ', start + SNIPPET_MAX);
      end = sp > start ? sp : start + SNIPPET_MAX;
      suffix = '…';
    }
  }
  return segmentsOf(abstract, start, end, marks, prefix, suffix);
}

function segmentsOf(text: string, start: number, end: number, marks: ReadonlyArray<{ start: number; end: number }>, prefix: string, suffix: string): Segment[] {
  const out: Segment[] = [];
  let pos = start;
  const push = (s: Segment) => {
    if (s.text !== '') out.push(s);
  };
  if (prefix) push({ text: prefix });
  for (const m of marks) {
    if (m.start < pos || m.end > end) continue;
    push({ text: text.slice(pos, m.start) });
    push({ text: text.slice(m.start, m.end), match: true });
    pos = m.end;
  }
  push({ text: text.slice(pos, end).trimEnd() });
  if (suffix) push({ text: suffix });
  return out;
}

/** The opening of an abstract, cut at a word boundary. */
export function leadSnippet(abstract: string): Segment[] {
  const first = sentences(abstract)[0];
  const end = first ? first.end : abstract.length;
  if (end <= SNIPPET_MAX) return [{ text: abstract.slice(0, end).trim() }];
  const sp = abstract.lastIndexOf(' ', SNIPPET_MAX);
  return [{ text: `${abstract.slice(0, sp > 0 ? sp : SNIPPET_MAX).trim()}…` }];
}

/** Levenshtein distance with an early exit above `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  let prevPrev: number[] = prev;
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
      // A swap of two neighbours ("nueral") is one edit, not two.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (prevPrev[j - 2] ?? 0) + 1);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prevPrev = prev;
    prev = cur;
  }
  return prev[b.length] ?? max + 1;
}
