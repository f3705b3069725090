// The most paperboy keeps of a paper's text and lists, whatever a source sends: one rule for every source, applied before storing.
import type { Paper } from './model.js';

/**
 * Caps per field. Real papers sit far below them (titles under 300 characters, abstracts under
 * 3,000, Hugging Face's key phrases about 15): a value past one is a broken or hostile source, and
 * every reply and search that shows it would pay for it.
 */
export const PAPER_LIMITS = {
  /** Characters. */
  title: 500,
  /** Characters. */
  abstract: 10_000,
  /** Characters of Hugging Face's one-sentence summary. */
  aiSummary: 2_000,
  /** Characters of the organization's name. */
  org: 200,
  /** Characters of one author's name, and of one key phrase. */
  name: 200,
  /** Authors kept, in order (`authorCount` still says how many there are). */
  authors: 100,
  /** Key phrases kept, in order. */
  aiKeywords: 50,
  /** Characters of a link (code, project page, thumbnail); a longer one is dropped, not cut. */
  url: 2_000,
} as const;

/** `s` cut to at most `max` characters, ending in `…`, never inside a surrogate pair. */
function clipText(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max - 1;
  const code = s.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${s.slice(0, end)}…`;
}

/**
 * The paper with every field inside {@link PAPER_LIMITS}, and one line naming the paper and what was
 * cut (null when nothing was). Sources call it through `checkPaper`, so every one follows the same rule.
 */
export function boundPaper(p: Paper): { paper: Paper; clipped: string | null } {
  const cut: string[] = [];
  const text = (field: string, value: string, max: number): string => {
    if (value.length > max) cut.push(`${field} (${value.length.toLocaleString('en-US')} characters, kept ${max.toLocaleString('en-US')})`);
    return clipText(value, max);
  };
  const list = (field: string, values: readonly string[], max: number): string[] => {
    if (values.length > max) cut.push(`${field} (${values.length.toLocaleString('en-US')}, kept the first ${max})`);
    const kept = values.slice(0, max);
    if (kept.some((v) => v.length > PAPER_LIMITS.name)) cut.push(`long ${field} entries (kept ${PAPER_LIMITS.name} characters each)`);
    return kept.map((v) => clipText(v, PAPER_LIMITS.name));
  };
  const url = (field: string, value: string | undefined): string | undefined => {
    if (value === undefined || value.length <= PAPER_LIMITS.url) return value;
    cut.push(`${field} (a link of ${value.length.toLocaleString('en-US')} characters, dropped)`);
    return undefined;
  };
  const title = text('title', p.title, PAPER_LIMITS.title);
  const bounded: Paper = {
    ...p,
    title,
    abstract: text('abstract', p.abstract, PAPER_LIMITS.abstract),
    authors: list('authors', p.authors, PAPER_LIMITS.authors),
    org: p.org === null ? null : text('org', p.org, PAPER_LIMITS.org),
    thumbnail: p.thumbnail !== null && p.thumbnail.length > PAPER_LIMITS.url ? (url('thumbnail', p.thumbnail) ?? null) : p.thumbnail,
  };
  const githubRepo = url('githubRepo', p.githubRepo);
  const projectPage = url('projectPage', p.projectPage);
  if (githubRepo === undefined) delete bounded.githubRepo;
  if (projectPage === undefined) delete bounded.projectPage;
  if (p.aiSummary !== undefined) bounded.aiSummary = text('aiSummary', p.aiSummary, PAPER_LIMITS.aiSummary);
  if (p.aiKeywords !== undefined) bounded.aiKeywords = list('aiKeywords', p.aiKeywords, PAPER_LIMITS.aiKeywords);
  if (p.rawText !== undefined)
    bounded.rawText = {
      ...(p.rawText.title !== undefined ? { title: clipText(p.rawText.title, PAPER_LIMITS.title) } : {}),
      ...(p.rawText.abstract !== undefined ? { abstract: clipText(p.rawText.abstract, PAPER_LIMITS.abstract) } : {}),
    };
  if (cut.length === 0) return { paper: p, clipped: null };
  const shown = title.length > 60 ? `${title.slice(0, 59)}…` : title;
  return { paper: bounded, clipped: `paper ${p.id} ("${shown}"): clipped ${cut.join('; ')}` };
}
