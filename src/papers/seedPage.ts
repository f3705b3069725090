// Parser for Hugging Face Daily Papers page dumps (the text files in seeds/).
import type { Paper } from './model.js';
import { normalizeWhitespace, slugId } from './model.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const DATE_LINE = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{1,2})(?:, (\d{4}))?(?: (\d+))?$/;
const AUTHORS_LINE = /^•\s*(\d+) authors?$/;
const PAGE_DATE = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{1,2})$/;
/** The page title every dump carries in its chrome, on a line of its own. */
const PAGE_TITLE = /^daily\s+papers$/i;
/** The byline under the title (`byAK and the research community`), also when spelt `by AK`. */
const BYLINE = /^by\s*AK\b|\bresearch community$/i;
/** How many non-blank lines into a file the page title may be (real dumps have it 4th, after the "new" badge and Subscribe). */
const HEADER_LINES = 20;

export interface SeedWarning {
  file: string;
  line: number;
  message: string;
}

/** One entry as read from a page, before merging across pages. */
export interface SeedEntry {
  title: string;
  abstract: string;
  line: number;
  authorCount: number | null;
  org: string | null;
  /** Month/day as printed; `year` is set only when the page printed it. */
  date: { month: number; day: number; year: number | null } | null;
  upvotes: number | null;
}

export interface SeedPage {
  file: string;
  /** False when the file has no Daily Papers header: it is not a page dump, and nothing was read from it. */
  isPage: boolean;
  /** The page's own date; `year` is inferred (null when the page gives no way to infer it). */
  pageDate: { month: number; day: number; year: number | null } | null;
  entries: SeedEntry[];
  warnings: SeedWarning[];
}

interface Block {
  line: number;
  lines: string[];
}

interface Header {
  /** The page's own date line (`Nov 27`), when the header has one. */
  date: RegExpExecArray | null;
  /** 0-based indexes of the "Daily Papers" line and of the first line after the header. */
  title: number;
  end: number;
}

/**
 * Finds the page chrome: a line that is just `Daily Papers` near the top, then (optionally) the
 * byline, then the page date. Badges, the newsletter prompt, blank lines, a BOM or CRLF around it
 * do not matter; a file without the title line is not a page dump.
 */
function findHeader(lines: readonly string[]): Header | null {
  let title = -1;
  for (let i = 0, seen = 0; i < lines.length && seen < HEADER_LINES && title < 0; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    seen += 1;
    if (PAGE_TITLE.test(line)) title = i;
  }
  if (title < 0) return null;
  // The next two non-blank lines: the byline and the date, or just the date, or the first entry.
  const after: number[] = [];
  for (let i = title + 1; i < lines.length && after.length < 2; i++) if ((lines[i] ?? '').trim() !== '') after.push(i);
  for (const i of after) {
    const date = PAGE_DATE.exec((lines[i] ?? '').trim());
    if (date) return { date, title, end: i + 1 };
  }
  const first = after[0];
  if (first !== undefined && BYLINE.test((lines[first] ?? '').trim())) return { date: null, title, end: first + 1 };
  return { date: null, title, end: title + 1 };
}

/**
 * Reads one page dump. Never throws: a file without the Daily Papers header is reported as not a
 * page (with a warning naming it), and a block that fits no entry shape is skipped with a warning
 * naming the file and line while the rest of the page is kept.
 */
export function parseSeedPage(text: string, file: string): SeedPage {
  const warnings: SeedWarning[] = [];
  const all = String(text)
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split('\n');
  const header = findHeader(all);
  if (!header) {
    warnings.push({
      file,
      line: 1,
      message: `not a Daily Papers page dump (no "Daily Papers" header in its first ${HEADER_LINES} non-blank lines); the file was skipped`,
    });
    return { file, isPage: false, pageDate: null, entries: [], warnings };
  }
  const pageDateMatch = header.date;
  if (!pageDateMatch) {
    warnings.push({ file, line: header.title + 1, message: 'no page date after the "Daily Papers" header (expected e.g. "Nov 27")' });
  }

  const blocks: Block[] = [];
  let current: Block | null = null;
  for (let i = header.end; i < all.length; i++) {
    const raw = all[i] ?? '';
    if (raw.trim() === '') {
      current = null;
      continue;
    }
    if (!current) {
      current = { line: i + 1, lines: [] };
      blocks.push(current);
    }
    current.lines.push(raw);
  }

  const entries: SeedEntry[] = [];
  let i = 0;
  while (i < blocks.length) {
    const titleBlock = blocks[i];
    const abstractBlock = blocks[i + 1];
    if (!titleBlock) break;
    if (titleBlock.lines.length !== 1 || isMetaBlock(titleBlock)) {
      warnings.push({ file, line: titleBlock.line, message: `skipped a block that is not an entry title (${titleBlock.lines.length} lines)` });
      i += 1;
      continue;
    }
    if (!abstractBlock || abstractBlock.lines.length !== 1 || isMetaBlock(abstractBlock)) {
      warnings.push({ file, line: titleBlock.line, message: 'skipped an entry with no abstract line after its title' });
      i += 1;
      continue;
    }
    const entry: SeedEntry = {
      title: normalizeWhitespace(titleBlock.lines[0] ?? ''),
      abstract: normalizeWhitespace(abstractBlock.lines[0] ?? ''),
      line: titleBlock.line,
      authorCount: null,
      org: null,
      date: null,
      upvotes: null,
    };
    i += 2;
    const metaBlock = blocks[i];
    if (metaBlock && isMetaBlock(metaBlock)) {
      applyMeta(entry, metaBlock);
      i += 1;
    }
    if (entry.title === '' || entry.abstract === '') {
      warnings.push({ file, line: entry.line, message: 'skipped an entry with an empty title or abstract' });
      continue;
    }
    entries.push(entry);
  }

  const pageDate = pageDateMatch ? { month: monthIndex(pageDateMatch[1] ?? '') + 1, day: Number(pageDateMatch[2]), year: inferPageYear(entries) } : null;
  return { file, isPage: true, pageDate, entries, warnings };
}

function isMetaBlock(b: Block): boolean {
  if (b.lines.length !== 3) return false;
  const [who, dot, date] = b.lines.map((l) => l.trim());
  return dot === '·' && DATE_LINE.test(date ?? '') && (who ?? '') !== '';
}

function applyMeta(entry: SeedEntry, b: Block): void {
  const who = (b.lines[0] ?? '').trim();
  const authors = AUTHORS_LINE.exec(who);
  if (authors) entry.authorCount = Number(authors[1]);
  else entry.org = orgDisplayName(who);
  const d = DATE_LINE.exec((b.lines[2] ?? '').trim());
  if (d) {
    entry.date = { month: monthIndex(d[1] ?? '') + 1, day: Number(d[2]), year: d[3] ? Number(d[3]) : null };
    // NOTE: a count after the date is the upvote count; a metadata block without one shows 0 upvotes.
    entry.upvotes = d[4] ? Number(d[4]) : 0;
  }
}

/** `NJU-LINK NJU-LINK Lab` → `NJU-LINK Lab`: the line is `<org-id> <display name>`. */
function orgDisplayName(line: string): string {
  const sp = line.indexOf(' ');
  return sp > 0 ? line.slice(sp + 1).trim() || line : line;
}

function monthIndex(m: string): number {
  return MONTHS.indexOf(m as (typeof MONTHS)[number]);
}

/**
 * The page year is not printed. In these dumps it is one more than the largest explicit year
 * on the page (papers from earlier years print theirs; the page's own year is left out).
 * A page with no explicit year gives no way to infer it: null.
 */
export function inferPageYear(entries: readonly SeedEntry[]): number | null {
  let max: number | null = null;
  for (const e of entries) if (e.date?.year != null && (max === null || e.date.year > max)) max = e.date.year;
  return max === null ? null : max + 1;
}

/** Turns a page's entries into papers, resolving year-less dates against the page date. */
export function seedPageToPapers(page: SeedPage): Paper[] {
  const pageYear = page.pageDate?.year ?? null;
  return page.entries.map((e) => {
    let publishedAt: string | null = null;
    if (e.date) {
      let year = e.date.year;
      if (year === null && pageYear !== null) {
        year = pageYear;
        // A year-less date after the page date would be in the future: it belongs to the year before.
        const pd = page.pageDate;
        if (pd && (e.date.month > pd.month || (e.date.month === pd.month && e.date.day > pd.day))) year -= 1;
      }
      if (year !== null && isValidDate(year, e.date.month, e.date.day)) publishedAt = ymd(year, e.date.month, e.date.day);
    }
    return {
      id: slugId(e.title),
      title: e.title,
      abstract: e.abstract,
      authors: [],
      authorCount: e.authorCount,
      org: e.org,
      publishedAt,
      upvotes: e.upvotes,
      arxivId: null,
      thumbnail: null,
      sources: [{ name: `seed:${page.file}`, ref: `line ${e.line}` }],
    };
  });
}

function isValidDate(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

function ymd(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
