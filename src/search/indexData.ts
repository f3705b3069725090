// What the ranking needs from an index: postings and corpus statistics (for lunr's BM25), ranking facts per document, the vocabulary.
import type { Paper } from '../papers/model.js';
import type { AboutRule } from '../ports.js';
import { MemoryCorpus, type CorpusView } from './bm25.js';
import type { Concept } from './concepts.js';
import { documentFields } from './document.js';
import { americanize } from './text.js';

/** The facts ranking and filters use for every hit, without loading the paper. */
export interface DocInfo {
  paperId: string;
  title: string;
  publishedAt: string | null;
  upvotes: number;
  org: string | null;
}

/**
 * An index's data, whether in memory (tests, evaluation) or persisted in SQLite
 * (`store/searchStore.ts`). Document numbers are the index's own; `paper` loads the whole paper
 * only for the hits a reply shows.
 */
export interface IndexData extends CorpusView {
  /** Changes whenever the indexed documents change, so derived caches know to rebuild. */
  readonly version: number;
  hasTerm(term: string): boolean;
  /** How many live documents contain `term` in any field. */
  docFrequency(term: string): number;
  docNumbers(): Iterable<number>;
  info(doc: number): DocInfo | undefined;
  paper(doc: number): Paper | undefined;
  /** Corpus words (lowercased, spelling-folded) with their index terms, and every index term. */
  vocabulary(): Vocabulary;
  /**
   * The live documents about a subject (see {@link subjectMembers}), when the data keeps that
   * subject's members as papers arrive; undefined when it does not (the caller computes them).
   */
  trackedSubject?(phrases: ReadonlyArray<readonly string[]>): ReadonlySet<number> | undefined;
}

/** A subject's key: its phrases of index terms, as stored. */
export function subjectKey(phrases: ReadonlyArray<readonly string[]>): string {
  return JSON.stringify(phrases);
}

/**
 * Whether a document is about a subject given as phrases of index terms: every term of some phrase
 * is in its title, or each occurs at least twice in title and abstract together (a subject, not a
 * passing mention). `title` and `both` are the document's term counts.
 */
export function isAbout(phrases: ReadonlyArray<readonly string[]>, title: ReadonlyMap<string, number>, both: ReadonlyMap<string, number>): boolean {
  return phrases.some((p) => p.length > 0 && (p.every((t) => (title.get(t) ?? 0) > 0) || p.every((t) => (both.get(t) ?? 0) >= 2)));
}

/** The live documents about a subject, from the postings of its terms. */
export function subjectMembers(data: CorpusView, phrases: ReadonlyArray<readonly string[]>): Set<number> {
  const out = new Set<number>();
  for (const phrase of phrases) {
    const terms = [...new Set(phrase)];
    if (terms.length === 0) continue;
    // Per document: how many of the phrase's terms its title holds, and how many occur twice.
    const inTitle = new Map<number, number>();
    const twice = new Map<number, number>();
    for (const term of terms) {
      const p = data.postings(term);
      const title = new Set<number>();
      const count = new Map<number, number>();
      for (let i = 0; p && i < p.n; i++) {
        const doc = p.docs[i] as number;
        const field = p.fields[i] as number;
        if (field > 1) continue;
        if (field === 0) title.add(doc);
        count.set(doc, (count.get(doc) ?? 0) + (p.tfs[i] as number));
      }
      for (const doc of title) inTitle.set(doc, (inTitle.get(doc) ?? 0) + 1);
      for (const [doc, n] of count) if (n >= 2) twice.set(doc, (twice.get(doc) ?? 0) + 1);
    }
    for (const [doc, n] of [...inTitle, ...twice]) if (n === terms.length) out.add(doc);
  }
  return out;
}

/** How many of `n` concepts a paper must have by `rule` (all of one or two). */
export function conceptsNeeded(n: number, rule: AboutRule): number {
  return n <= 2 ? n : Math.max(2, Math.ceil(rule.share * n - 1e-9));
}

/**
 * The live documents about a topic given as concepts (see `conceptsOf`): documents that have at
 * least {@link conceptsNeeded} of them, where a document has a concept when, for one of its
 * phrases, each term is in the title or occurs at least `rule.mentions` times in title and abstract.
 */
export function conceptMembers(data: CorpusView, concepts: readonly Concept[], rule: AboutRule): Set<number> {
  const need = conceptsNeeded(concepts.length, rule);
  const has = new Map<number, number>();
  const termDocs = new Map<string, Set<number>>();
  const docsOf = (term: string): Set<number> => {
    const known = termDocs.get(term);
    if (known) return known;
    const p = data.postings(term);
    const title = new Set<number>();
    const count = new Map<number, number>();
    for (let i = 0; p && i < p.n; i++) {
      const doc = p.docs[i] as number;
      const field = p.fields[i] as number;
      if (field > 1) continue;
      if (field === 0) title.add(doc);
      count.set(doc, (count.get(doc) ?? 0) + (p.tfs[i] as number));
    }
    const out = new Set(title);
    for (const [doc, n] of count) if (n >= rule.mentions) out.add(doc);
    termDocs.set(term, out);
    return out;
  };
  for (const concept of concepts) {
    const docs = new Set<number>();
    for (const phrase of concept) {
      const [first, ...rest] = phrase.map(docsOf);
      for (const doc of first ?? []) if (rest.every((d) => d.has(doc))) docs.add(doc);
    }
    for (const doc of docs) has.set(doc, (has.get(doc) ?? 0) + 1);
  }
  const out = new Set<number>();
  if (need === 0) return out;
  for (const [doc, n] of has) if (n >= need) out.add(doc);
  return out;
}

/**
 * The corpus vocabulary. It only grows while the same object is returned (words of removed papers
 * stay, harmlessly), so the ranking extends what it derived from it instead of rebuilding.
 */
export interface Vocabulary {
  /** Word → index term, typos are corrected against words. */
  readonly words: ReadonlyMap<string, string>;
  /** The same words in first-seen order (ties in corrections break by it). */
  readonly wordList: ReadonlyArray<readonly [string, string]>;
  readonly terms: readonly string[];
}

/** Index data over papers held in memory, built at once. */
export class MemoryIndexData extends MemoryCorpus implements IndexData {
  private readonly papers: Paper[] = [];
  private readonly words = new Map<string, string>();
  private readonly termSet = new Set<string>();
  private readonly df = new Map<string, number>();
  readonly version = 0;

  constructor(papers: readonly Paper[]) {
    super();
    // NOTE: a word already seen adds nothing: its spelling is folded once, not at each of its occurrences.
    const seen = new Set<string>();
    for (const p of papers) {
      const fields = documentFields(p, (word, term) => {
        if (seen.has(word)) return;
        seen.add(word);
        const key = americanize(word);
        if (!this.words.has(key)) this.words.set(key, term);
      });
      const distinct = new Set(fields.title);
      for (const t of fields.abstract) distinct.add(t);
      for (const t of fields.people) distinct.add(t);
      for (const t of distinct) {
        this.termSet.add(t);
        this.df.set(t, (this.df.get(t) ?? 0) + 1);
      }
      this.add(fields);
      this.papers.push(p);
    }
  }

  hasTerm(term: string): boolean {
    return this.termSet.has(term);
  }

  docFrequency(term: string): number {
    return this.df.get(term) ?? 0;
  }

  docNumbers(): Iterable<number> {
    return this.papers.keys();
  }

  info(doc: number): DocInfo | undefined {
    const p = this.papers[doc];
    return p ? { paperId: p.id, title: p.title, publishedAt: p.publishedAt, upvotes: p.upvotes ?? 0, org: p.org } : undefined;
  }

  paper(doc: number): Paper | undefined {
    return this.papers[doc];
  }

  private vocab: Vocabulary | null = null;

  vocabulary(): Vocabulary {
    this.vocab ??= { words: this.words, wordList: [...this.words], terms: [...this.termSet] };
    return this.vocab;
  }
}
