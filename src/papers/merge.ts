// Domain rule for combining what two sources say about one paper (seed pages, the HF API, re-ingests).
import type { Paper } from './model.js';

/**
 * Merges what a new source says into what is stored: gaps are filled, never overwritten
 * with less. An arXiv id, once known, becomes the paper's id; upvotes only grow; the
 * longer author list wins; sources accumulate without duplicates. Pure, so idempotent.
 */
export function mergePapers(a: Paper, b: Paper): Paper {
  const arxivId = a.arxivId ?? b.arxivId;
  const sources = [...a.sources];
  for (const s of b.sources) if (!sources.some((x) => x.name === s.name && x.ref === s.ref)) sources.push(s);
  const authors = b.authors.length > a.authors.length ? b.authors : a.authors;
  const counts = [a.authorCount, b.authorCount, authors.length || null].filter((n): n is number => n !== null);
  return {
    id: arxivId ?? a.id,
    title: a.title,
    abstract: a.abstract.length >= b.abstract.length ? a.abstract : b.abstract,
    authors,
    authorCount: counts.length > 0 ? Math.max(...counts) : null,
    org: a.org ?? b.org,
    publishedAt: a.publishedAt ?? b.publishedAt,
    upvotes: a.upvotes === null ? b.upvotes : b.upvotes === null ? a.upvotes : Math.max(a.upvotes, b.upvotes),
    arxivId,
    thumbnail: a.thumbnail ?? b.thumbnail,
    sources,
  };
}
