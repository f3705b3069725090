// Domain rule for combining what two sources say about one paper (seed pages, the HF API, re-ingests).
import type { Paper } from './model.js';

/** Provenance names of live sources: what they say of counts is current, so it replaces what is stored. */
export function isLiveSource(p: Pick<Paper, 'sources'>): boolean {
  return p.sources.some((s) => s.name.startsWith('hf:'));
}

/**
 * Merges what a new source says into what is stored: gaps are filled, never overwritten
 * with less. An arXiv id, once known, becomes the paper's id; the longer author list wins;
 * sources accumulate without duplicates. Counts (upvotes, stars, comments) from a live source
 * (the Hugging Face API) replace the stored ones, since they are current and may go down;
 * from any other source (a page dump, an old snapshot) they only grow. Pure, so idempotent.
 */
export function mergePapers(a: Paper, b: Paper): Paper {
  const live = isLiveSource(b);
  const count = (x: number | undefined, y: number | undefined) => (live ? (y ?? x) : x === undefined ? y : y === undefined ? x : Math.max(x, y));
  const arxivId = a.arxivId ?? b.arxivId;
  const sources = [...a.sources];
  for (const s of b.sources) if (!sources.some((x) => x.name === s.name && x.ref === s.ref)) sources.push(s);
  const authors = b.authors.length > a.authors.length ? b.authors : a.authors;
  const abstractFrom = a.abstract.length >= b.abstract.length ? a : b;
  const rawText = defined({ title: a.rawText?.title, abstract: abstractFrom.rawText?.abstract });
  const counts = [a.authorCount, b.authorCount, authors.length || null].filter((n): n is number => n !== null);
  return {
    id: arxivId ?? a.id,
    title: a.title,
    abstract: abstractFrom.abstract,
    authors,
    authorCount: counts.length > 0 ? Math.max(...counts) : null,
    org: a.org ?? b.org,
    publishedAt: a.publishedAt ?? b.publishedAt,
    upvotes: count(a.upvotes ?? undefined, b.upvotes ?? undefined) ?? null,
    arxivId,
    thumbnail: a.thumbnail ?? b.thumbnail,
    sources,
    ...defined({
      githubRepo: a.githubRepo ?? b.githubRepo,
      githubStars: count(a.githubStars, b.githubStars),
      projectPage: a.projectPage ?? b.projectPage,
      // A newer machine summary or keyword list (HF regenerates them) replaces the old one.
      aiSummary: live ? (b.aiSummary ?? a.aiSummary) : (a.aiSummary ?? b.aiSummary),
      aiKeywords: live ? (b.aiKeywords ?? a.aiKeywords) : (a.aiKeywords ?? b.aiKeywords),
      numComments: count(a.numComments, b.numComments),
      // The source text search indexes goes with the title and abstract kept.
      rawText: Object.keys(rawText).length > 0 ? rawText : undefined,
      orgHandle: a.orgHandle ?? b.orgHandle,
    }),
  };
}

/** The fields of `o` that are set: absent stays absent (the store compares merged papers as JSON). */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
