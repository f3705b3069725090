// What the ranking reads of the indexed papers: postings and corpus statistics, ranking facts per document, the vocabulary; and the in-memory kind.
import type { Paper } from '../papers/model.js';
import { americanize } from './analysis/spellings.js';
import { documentFields, FIELDS, type Field } from './document.js';
import type { Posting, TermPostings } from './postings.js';

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
 * (`store/postingsStore.ts`). Document numbers are the index's own; `paper` loads the whole paper
 * only for the hits a reply shows.
 */
export interface CorpusData extends CorpusView {
  /** Changes whenever the indexed documents change, so derived caches know to rebuild. */
  readonly version: number;
  hasTerm(term: string): boolean;
  /** How many live documents contain `term` in any field. */
  docFrequency(term: string): number;
  docNumbers(): Iterable<number>;
  info(doc: number): DocInfo | undefined;
  paper(doc: number): Paper | undefined;
  /** A paper's abstract as shown (what its snippet is cut from), without reading the rest of the paper. */
  abstract(doc: number): string | undefined;
  /** Corpus words (lowercased, spelling-folded) with their index terms, and every index term. */
  vocabulary(): Vocabulary;
  /**
   * One corpus word's index term (as `vocabulary().words.get(word)`), without reading the whole
   * vocabulary: a search of words the index holds looks up only their few other spellings.
   */
  termOfWord(word: string): string | undefined;
  /**
   * The live documents about a subject (see {@link subjectMembers}), when the data keeps that
   * subject's members as papers arrive; undefined when it does not (the caller computes them).
   */
  trackedSubject?(phrases: ReadonlyArray<readonly string[]>): ReadonlySet<number> | undefined;
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

/** What scoring needs to know about the corpus as a whole and about each document. */
export interface CorpusView {
  /** Live documents (lunr's documentCount). */
  readonly docs: number;
  /** The sum over live documents of each field's length in terms (for lunr's average field length). */
  readonly totalLength: Readonly<Record<Field, number>>;
  /** One past the highest document number (the size of per-document arrays). */
  readonly docLimit: number;
  /** Whether a document number is live (replaced and removed documents leave dead postings behind). */
  live(doc: number): boolean;
  fieldLength(doc: number, field: number): number;
  /** The live postings of a term, or undefined when no live document has it. */
  postings(term: string): TermPostings | undefined;
}

/**
 * A corpus held in memory: documents' field terms turned into postings. For tests and small
 * corpora; the persisted index keeps the same postings in SQLite.
 */
export class MemoryCorpus implements CorpusView {
  private readonly lists = new Map<string, Posting[]>();
  private readonly decoded = new Map<string, TermPostings>();
  private readonly lengths: number[][] = [];
  private readonly alive: boolean[] = [];
  docs = 0;
  totalLength: Record<Field, number> = { title: 0, abstract: 0, people: 0 };

  get docLimit(): number {
    return this.lengths.length;
  }

  /** Adds a document with its analysed terms per field; returns its number. */
  add(fields: Readonly<Record<Field, readonly string[]>>): number {
    const doc = this.lengths.length;
    this.decoded.clear();
    this.lengths.push(FIELDS.map((f) => fields[f].length));
    this.alive.push(true);
    this.docs += 1;
    FIELDS.forEach((f, field) => {
      this.totalLength[f] += fields[f].length;
      const tf = new Map<string, number>();
      for (const t of fields[f]) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [term, n] of tf) {
        const list = this.lists.get(term);
        if (list) list.push({ doc, field, tf: n });
        else this.lists.set(term, [{ doc, field, tf: n }]);
      }
    });
    return doc;
  }

  live(doc: number): boolean {
    return this.alive[doc] === true;
  }

  fieldLength(doc: number, field: number): number {
    return this.lengths[doc]?.[field] ?? 0;
  }

  postings(term: string): TermPostings | undefined {
    const cached = this.decoded.get(term);
    if (cached) return cached;
    const list = this.lists.get(term);
    if (!list) return undefined;
    // NOTE: filled by a loop: `TypedArray.from` with a mapping function is several times slower, and this runs on a term's first search.
    const p = { n: list.length, docs: new Int32Array(list.length), fields: new Uint8Array(list.length), tfs: new Int32Array(list.length) };
    for (let i = 0; i < list.length; i++) {
      const x = list[i] as Posting;
      p.docs[i] = x.doc;
      p.fields[i] = x.field;
      p.tfs[i] = x.tf;
    }
    this.decoded.set(term, p);
    return p;
  }
}

/** Index data over papers held in memory, built at once. */
export class MemoryCorpusData extends MemoryCorpus implements CorpusData {
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

  abstract(doc: number): string | undefined {
    return this.papers[doc]?.abstract;
  }

  private vocab: Vocabulary | null = null;

  termOfWord(word: string): string | undefined {
    return this.words.get(word);
  }

  vocabulary(): Vocabulary {
    this.vocab ??= { words: this.words, wordList: [...this.words], terms: [...this.termSet] };
    return this.vocab;
  }
}
