// The one mapping between a paper and its `papers` row (both engines), and the merge decision every upsert makes with the stored row.
import { cleanPaperText } from '../papers/displayText.js';
import { mergePapers } from '../papers/merge.js';
import type { Paper, Provenance } from '../papers/model.js';
import { titleKey } from '../papers/model.js';
import type { ChangedPaper } from '../ports.js';

/** A `papers` row as both engines store it (JSON in text columns, instants as ISO text). */
export interface PaperRow {
  id: string;
  title_key: string;
  title: string;
  abstract: string;
  authors: string;
  author_count: number | null;
  org: string | null;
  published_at: string | null;
  upvotes: number | null;
  arxiv_id: string | null;
  thumbnail: string | null;
  sources: string;
  updated_at: string;
  github_repo: string | null;
  github_stars: number | null;
  project_page: string | null;
  ai_summary: string | null;
  /** A JSON array of strings. */
  ai_keywords: string | null;
  num_comments: number | null;
  /** A JSON object, `Paper.rawText`. */
  raw_text: string | null;
  org_handle: string | null;
}

/** The columns of a paper row, in the order statements list them. */
export const PAPER_COLUMNS: ReadonlyArray<keyof PaperRow> = [
  'id',
  'title_key',
  'title',
  'abstract',
  'authors',
  'author_count',
  'org',
  'published_at',
  'upvotes',
  'arxiv_id',
  'thumbnail',
  'sources',
  'updated_at',
  'github_repo',
  'github_stars',
  'project_page',
  'ai_summary',
  'ai_keywords',
  'num_comments',
  'raw_text',
  'org_handle',
];

/** The row for a paper, stamped `updatedAt`. */
export function toRow(p: Paper, updatedAt: string): PaperRow {
  return {
    id: p.id,
    // NOTE: keyed on the source's title, so a paper stored before display cleaning keeps its key.
    title_key: titleKey(p.rawText?.title ?? p.title),
    title: p.title,
    abstract: p.abstract,
    authors: JSON.stringify(p.authors),
    author_count: p.authorCount,
    org: p.org,
    published_at: p.publishedAt,
    upvotes: p.upvotes,
    arxiv_id: p.arxivId,
    thumbnail: p.thumbnail,
    sources: JSON.stringify(p.sources),
    updated_at: updatedAt,
    github_repo: p.githubRepo ?? null,
    github_stars: p.githubStars ?? null,
    project_page: p.projectPage ?? null,
    ai_summary: p.aiSummary ?? null,
    ai_keywords: p.aiKeywords ? JSON.stringify(p.aiKeywords) : null,
    num_comments: p.numComments ?? null,
    raw_text: p.rawText ? JSON.stringify(p.rawText) : null,
    org_handle: p.orgHandle ?? null,
  };
}

/** A stored paper as shown: text stored by an older paperboy is cleaned on read (papers/displayText.ts), so no residue outlives an upgrade. */
export function fromRow(r: PaperRow): Paper {
  return cleanPaperText(storedRow(r));
}

/** A stored paper exactly as its row holds it. */
export function storedRow(r: Omit<PaperRow, 'title_key' | 'updated_at'>): Paper {
  return {
    id: r.id,
    title: r.title,
    abstract: r.abstract,
    authors: JSON.parse(r.authors) as string[],
    authorCount: r.author_count,
    org: r.org,
    publishedAt: r.published_at,
    upvotes: r.upvotes,
    arxivId: r.arxiv_id,
    thumbnail: r.thumbnail,
    sources: JSON.parse(r.sources) as Provenance[],
    // NOTE: the same key order as mergePapers gives, so an unchanged paper compares equal as JSON.
    ...(r.github_repo !== null ? { githubRepo: r.github_repo } : {}),
    ...(r.github_stars !== null ? { githubStars: r.github_stars } : {}),
    ...(r.project_page !== null ? { projectPage: r.project_page } : {}),
    ...(r.ai_summary !== null ? { aiSummary: r.ai_summary } : {}),
    ...(r.ai_keywords !== null ? { aiKeywords: JSON.parse(r.ai_keywords) as string[] } : {}),
    ...(r.num_comments !== null ? { numComments: r.num_comments } : {}),
    ...(r.raw_text !== null ? { rawText: JSON.parse(r.raw_text) as NonNullable<Paper['rawText']> } : {}),
    // NOTE: a row from before the column (an old copy read as it is) has none.
    ...(r.org_handle !== null && r.org_handle !== undefined ? { orgHandle: r.org_handle } : {}),
  };
}

/** How a paper is found among the stored ones, in order: its arXiv id, its id, its title's key. */
export function lookupKeys(p: Paper): { arxivId: string | null; id: string; titleKey: string } {
  return { arxivId: p.arxivId, id: p.id, titleKey: titleKey(p.rawText?.title ?? p.title) };
}

/** What an upsert does with one paper, given the row it matched (if any). */
export type PaperWrite =
  { kind: 'insert'; paper: Paper; change: ChangedPaper } | { kind: 'update'; paper: Paper; oldId: string; change: ChangedPaper } | { kind: 'unchanged' };

/**
 * Merges `p` into the stored row it matched (mergePapers), or inserts it. NOTE: merged from the
 * cleaned text but compared with the row as stored, so a paper stored with LaTeX residue by an older
 * paperboy is rewritten clean (and re-indexed) when a source sends it again.
 */
export function paperWrite(existingRow: PaperRow | undefined, p: Paper): PaperWrite {
  if (!existingRow) return { kind: 'insert', paper: p, change: { paper: p } };
  const existing = storedRow(existingRow);
  const merged = mergePapers(cleanPaperText(existing), p);
  if (JSON.stringify(merged) === JSON.stringify(existing)) return { kind: 'unchanged' };
  return {
    kind: 'update',
    paper: merged,
    oldId: existing.id,
    change: merged.id === existing.id ? { paper: merged } : { paper: merged, previousId: existing.id },
  };
}

/**
 * The `updated_at` for a write: `now`, or 1 ms past `last` (the newest stored one, read inside the
 * write transaction) when the clock has not moved past it (two writes in one millisecond, a clock set
 * back, a fake clock). So it increases across every writer: the search index finds what is pending
 * by it (the newest one moved, and a paper's differs from what was indexed).
 */
export function stampAfter(now: string, last: string | null): string {
  return last === null || now > last ? now : new Date(Date.parse(last) + 1).toISOString();
}
