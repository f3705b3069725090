// Search hits: a hit that reads its paper and snippet only when shown, and the order ties break by.
import type { Paper } from '../papers/model.js';
import type { SearchHit } from '../ports.js';
import type { Segment } from '../reply.js';
import type { CorpusData, DocInfo } from './corpusData.js';
import { leadSnippet, snippet } from './snippets.js';

/** Ties break by upvotes, then by date (newer first), then by title for a stable order. */
export function byUpvotesThenDate(a: Pick<Paper, 'upvotes' | 'publishedAt' | 'title'>, b: Pick<Paper, 'upvotes' | 'publishedAt' | 'title'>): number {
  return (b.upvotes ?? 0) - (a.upvotes ?? 0) || (b.publishedAt ?? '').localeCompare(a.publishedAt ?? '') || a.title.localeCompare(b.title);
}

/**
 * A search hit that reads its paper and computes its snippet on first use. A class, not an object
 * with closures: a common word makes thousands of hits per search, and only a page is read.
 */
export class LazyHit implements SearchHit {
  readonly id: string;
  readonly title: string;
  readonly publishedAt: string | null;
  readonly upvotes: number;
  private loaded: Paper | undefined;
  private cachedSnippet: Segment[] | undefined;

  constructor(
    private readonly data: CorpusData,
    private readonly doc: number,
    private readonly info: DocInfo,
    public score: number,
    private readonly terms: ReadonlySet<string> | null,
  ) {
    this.id = info.paperId;
    this.title = info.title;
    this.publishedAt = info.publishedAt;
    this.upvotes = info.upvotes;
  }

  get paper(): Paper {
    this.loaded ??= this.data.paper(this.doc) ?? missingPaper(this.info);
    return this.loaded;
  }

  get snippet(): Segment[] {
    if (this.cachedSnippet === undefined) {
      // NOTE: a page's snippets need only the abstracts, not whole papers (a paper's raw text and provenance are parsed on read).
      const abstract = this.loaded?.abstract ?? this.data.abstract(this.doc) ?? '';
      this.cachedSnippet = this.terms ? snippet(abstract, this.terms) : leadSnippet(abstract);
    }
    return this.cachedSnippet;
  }
}

/** A stand-in for a paper removed between ranking and reading it (another process replaced it): its title, no text. */
function missingPaper(info: DocInfo): Paper {
  return {
    id: info.paperId,
    title: info.title,
    abstract: '',
    authors: [],
    authorCount: null,
    org: info.org,
    publishedAt: info.publishedAt,
    upvotes: info.upvotes,
    arxivId: null,
    thumbnail: null,
    sources: [],
  };
}
