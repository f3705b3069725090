// The paper model shared by every source, the store, search and the replies.
import { z } from 'zod';
import { err, ok, type Result } from '../errors.js';
import { boundPaper } from './bounds.js';
import { cleanPaperText } from './displayText.js';

/** `YYYY-MM-DD`, a calendar date with no time zone attached. */
export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

/** Where a paper was seen: which source, and where in it. */
export const provenanceSchema = z.object({
  /** e.g. `seed:000_9b85d3675956baf2.txt`, `hf:daily_papers`. */
  name: z.string(),
  /** Where in the source it was seen (a line number for page dumps). */
  ref: z.string().optional(),
});

export const paperSchema = z.object({
  /** arXiv id without version when known, else `t-<slug>-<hash>` from the title. */
  id: z.string().min(1),
  title: z.string().min(1),
  abstract: z.string(),
  authors: z.array(z.string()),
  authorCount: z.number().int().nonnegative().nullable(),
  org: z.string().nullable(),
  publishedAt: isoDate.nullable(),
  upvotes: z.number().int().nonnegative().nullable(),
  arxivId: z.string().nullable(),
  thumbnail: z.url().nullable(),
  sources: z.array(provenanceSchema),
  // What the Hugging Face API adds; absent when no source has said (seed pages do not).
  /** The paper's code, e.g. `https://github.com/org/repo`. */
  githubRepo: z.url().optional(),
  githubStars: z.number().int().nonnegative().optional(),
  projectPage: z.url().optional(),
  /** Hugging Face's one-sentence machine summary (plain text). */
  aiSummary: z.string().optional(),
  /** Hugging Face's machine-chosen key phrases; indexed for search beside the abstract. */
  aiKeywords: z.array(z.string()).optional(),
  /** Comments on the paper's Hugging Face page. */
  numComments: z.number().int().nonnegative().optional(),
  /**
   * The source's own title or abstract where it held LaTeX or PDF residue: `title` and `abstract`
   * are shown cleaned (papers/displayText.ts), and search indexes these as they were.
   */
  rawText: z.object({ title: z.string().optional(), abstract: z.string().optional() }).optional(),
  /** The organization's Hugging Face handle (e.g. `MiniMaxAI`, where `org` is its display name `MiniMax`); `org:` follows match either. */
  orgHandle: z.string().min(1).max(100).optional(),
});

/** A paper as the core knows it. Nulls mean "no source has said". */
export type Paper = z.infer<typeof paperSchema>;
export type Provenance = z.infer<typeof provenanceSchema>;

/** A schema issue in words an operator reads (zod's own wording never reaches a terminal). */
function issueWords(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return 'is larger than paperboy can store';
    case 'too_small':
      return 'is below the smallest allowed value';
    case 'invalid_type':
      return `is not ${issue.expected === 'number' || issue.expected === 'int' ? 'a whole number' : `a ${issue.expected}`}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'is not in the expected form (YYYY-MM-DD for dates)' : `is not a valid ${issue.format}`;
    default:
      return 'is not a valid value';
  }
}

/**
 * Checks a paper a source produced before anything is written: the store refuses a batch with one
 * bad paper in it, so sources skip bad ones by this, one by one. The error is one line that names
 * each bad field and its value (never a ZodError dump). A paper that fits is cut to `PAPER_LIMITS`
 * (papers/bounds.ts), and `onClipped` gets a line naming the paper and what was cut. The title,
 * abstract and summary are stored cleaned of LaTeX and PDF residue (papers/displayText.ts).
 */
export function checkPaper(input: unknown, onClipped?: (message: string) => void): Result<Paper, string> {
  const parsed = paperSchema.safeParse(input);
  if (parsed.success) {
    // NOTE: every source's papers pass here, so the size limits are one rule for all of them.
    const { paper, clipped } = boundPaper(cleanPaperText(parsed.data));
    if (clipped !== null) onClipped?.(clipped);
    return ok(paper);
  }
  const problems = parsed.error.issues.slice(0, 3).map((issue) => {
    const field = issue.path.join('.') || 'the paper';
    const value = valueAt(input, issue.path);
    const shown = value === undefined ? '' : ` (${clip(typeof value === 'string' ? JSON.stringify(value) : String(value))})`;
    return `${field}${shown} ${issueWords(issue)}`;
  });
  const more = parsed.error.issues.length > 3 ? `; and ${parsed.error.issues.length - 3} more` : '';
  return err(`${problems.join('; ')}${more}`);
}

function valueAt(input: unknown, at: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of at) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return typeof v === 'object' && v !== null ? undefined : v;
}

function clip(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Collapses runs of whitespace: the key titles are merged on, and how they are shown. */
export function normalizeWhitespace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** The merge key for a title: whitespace-normalised, exact otherwise (look-alike titles stay apart). */
export function titleKey(title: string): string {
  return normalizeWhitespace(title);
}

/** A stable id for a paper with no arXiv id: readable slug plus a short hash of the exact title. */
export function slugId(title: string): string {
  const key = titleKey(title);
  const slug = key
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return `t-${slug || 'paper'}-${fnv1a(key).toString(36).slice(0, 6)}`;
}

/** 32-bit FNV-1a: small, stable across runs and platforms, good enough for id suffixes. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const ARXIV_REF = /^(?:arxiv:|https?:\/\/(?:www\.)?(?:arxiv\.org\/(?:abs|pdf)|(?:huggingface\.co|hf\.co)\/papers)\/)?(\d{4}\.\d{4,5})(?:v\d+)?(?:\.pdf)?\/?$/i;

/**
 * The arXiv id in what a user pasted: `2402.02750`, `2402.02750v2`, `arXiv:2402.02750`, or an
 * arXiv / Hugging Face paper URL. Null when the text is not one of those.
 */
export function arxivIdOf(text: string): string | null {
  return ARXIV_REF.exec(text.trim())?.[1] ?? null;
}

/** Links users click: the HF page and arXiv pages when the id is known, else an HF search for the title. */
export interface PaperLinks {
  page: string;
  arxivAbs: string | null;
  pdf: string | null;
}

/**
 * `encodeURIComponent`, plus the characters it leaves that end a link in chat markup
 * (`(`, `)` in Discord's `[label](url)`, `'`, `!`, `*`), so a title like "KIVI (2-bit)" still links.
 */
function queryComponent(s: string): string {
  return encodeURIComponent(s).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function paperLinks(p: Pick<Paper, 'arxivId' | 'title'>): PaperLinks {
  if (p.arxivId) {
    return {
      page: `https://huggingface.co/papers/${p.arxivId}`,
      arxivAbs: `https://arxiv.org/abs/${p.arxivId}`,
      pdf: `https://arxiv.org/pdf/${p.arxivId}`,
    };
  }
  return { page: `https://huggingface.co/papers?q=${queryComponent(titleKey(p.title))}`, arxivAbs: null, pdf: null };
}

/** The JSON shape the CLI prints for `papers --json` and `--json` card output. */
export function paperJson(p: Paper) {
  return {
    id: p.id,
    title: p.title,
    abstract: p.abstract,
    authors: p.authors,
    authorCount: p.authorCount,
    org: p.org,
    publishedAt: p.publishedAt,
    upvotes: p.upvotes,
    links: paperLinks(p),
    // What the Hugging Face API adds, present only when a source said it (as the API itself does).
    ...(p.githubRepo !== undefined ? { githubRepo: p.githubRepo } : {}),
    ...(p.githubStars !== undefined ? { githubStars: p.githubStars } : {}),
    ...(p.projectPage !== undefined ? { projectPage: p.projectPage } : {}),
    ...(p.aiSummary !== undefined ? { aiSummary: p.aiSummary } : {}),
    ...(p.aiKeywords !== undefined ? { aiKeywords: p.aiKeywords } : {}),
    ...(p.numComments !== undefined ? { numComments: p.numComments } : {}),
  };
}
