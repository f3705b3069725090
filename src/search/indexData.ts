// What the ranking needs from an index: postings and corpus statistics (for lunr's BM25), ranking facts per document, the vocabulary.
import type { Paper } from '../papers/model.js';
import { MemoryCorpus, type CorpusView } from './bm25.js';
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
    for (const p of papers) {
      const fields = documentFields(p, (word, term) => {
        const key = americanize(word);
        if (!this.words.has(key)) this.words.set(key, term);
      });
      for (const t of new Set([...fields.title, ...fields.abstract, ...fields.people])) {
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
