// Finds paper links in a message: arXiv (abs, pdf, html), Hugging Face papers (huggingface.co, hf.co) and alphaXiv, each with its arXiv id.
import { normalArxivId } from '../papers/hf.js';

/** A paper link as it was written, and the paper it names (arXiv id without version). */
export interface PaperLink {
  url: string;
  arxivId: string;
}

/** The most links one message turns into cards: a message pasting a reading list gets the first few, not a wall. */
export const MAX_LINK_CARDS = 5;

/** The most characters of a message scanned for links (a Discord message holds 4000 at most). */
const MAX_SCAN_CHARS = 8_000;

const ID = String.raw`(\d{4}\.\d{4,5}(?:v\d+)?)`;

/** Each site's paper paths; the id is group 1. NOTE: matched on the parsed URL's path, so a query or fragment never hides a link. */
const SITES: ReadonlyArray<{ hosts: ReadonlySet<string>; path: RegExp }> = [
  { hosts: new Set(['arxiv.org', 'www.arxiv.org', 'export.arxiv.org']), path: new RegExp(`^/(?:abs|pdf|html)/${ID}(?:\\.pdf)?(?:/.*)?$`, 'i') },
  { hosts: new Set(['huggingface.co', 'www.huggingface.co', 'hf.co']), path: new RegExp(`^/papers/${ID}/?$`, 'i') },
  { hosts: new Set(['alphaxiv.org', 'www.alphaxiv.org']), path: new RegExp(`^/(?:abs/|overview/|pdf/)?${ID}(?:\\.pdf)?/?$`, 'i') },
];

/** A URL in running text: it ends at white space or at what closes a link in chat markup (`<url|label>`, `<url>`, `[label](url)`). */
const URL_IN_TEXT = /https?:\/\/[^\s<>|"'`()[\]]+/gi;

/** The arXiv id a paper link names, or null when the URL is not a paper link of a known site. */
export function paperLinkId(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  const host = parsed.hostname.toLowerCase();
  for (const site of SITES) {
    if (!site.hosts.has(host)) continue;
    const m = site.path.exec(parsed.pathname);
    return m?.[1] ? normalArxivId(m[1]) : null;
  }
  return null;
}

/**
 * The paper links in `text` (or in a list of URLs), in order, each URL once, exactly as written
 * (trailing sentence punctuation aside). Links to the same paper are all kept: each URL gets its card.
 */
export function paperLinksIn(text: string | readonly string[]): PaperLink[] {
  const candidates = typeof text === 'string' ? (text.slice(0, MAX_SCAN_CHARS).match(URL_IN_TEXT) ?? []) : text;
  const out: PaperLink[] = [];
  const seen = new Set<string>();
  for (const raw of candidates) {
    const url = typeof text === 'string' ? raw.replace(/[.,;:!?]+$/, '') : raw;
    if (seen.has(url)) continue;
    const arxivId = paperLinkId(url);
    if (!arxivId) continue;
    seen.add(url);
    out.push({ url, arxivId });
  }
  return out;
}

/**
 * The links that get cards: those of the first {@link MAX_LINK_CARDS} distinct papers (a second
 * link to one of those papers shares its card, and costs no fetch).
 */
export function linksToCard(links: readonly PaperLink[]): PaperLink[] {
  const papers = new Set<string>();
  return links.filter((l) => {
    if (papers.has(l.arxivId)) return true;
    if (papers.size >= MAX_LINK_CARDS) return false;
    papers.add(l.arxivId);
    return true;
  });
}
