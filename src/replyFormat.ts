// Rules every renderer shares (author line, clipping, paging text, URL safety, the More cursor after a cut), so each renderer keeps only its platform's markup.
import type { PagerCursor, PaperCard, Reply } from './reply.js';

/**
 * Who wrote a paper, in one short line: the org when known (it says more than a list of names),
 * else up to three names ("A, B, C et al." past three), else only the count ("4 authors").
 * Null when nothing is known. The text is raw: the renderer escapes it for its markup.
 */
export function authorLine(c: Pick<PaperCard, 'org' | 'authors' | 'authorCount'>): string | null {
  if (c.org) return c.org;
  if (c.authors.length > 3) return `${c.authors.slice(0, 3).join(', ')} et al.`;
  if (c.authors.length > 0) return c.authors.join(', ');
  if (c.authorCount !== null) return `${c.authorCount} author${c.authorCount === 1 ? '' : 's'}`;
  return null;
}

export interface ClipOptions {
  /**
   * What `max` counts: code points (the default: what a person sees as characters, and how Slack
   * counts) or UTF-16 code units (how Discord and JavaScript's `length` count).
   * NOTE: an emoji is 1 code point but 2 UTF-16 units, so a UTF-16 budget keeps fewer of them.
   */
  units?: 'codePoints' | 'utf16';
}

// NOTE: made on first use: building a Segmenter loads ICU's break rules (about 25 ms), which `help` and `--version` never need.
let graphemes: Intl.Segmenter | undefined;

/**
 * Shortens text to at most `max` characters, the ellipsis included, marking the cut with `…`.
 * The cut falls between graphemes, so it never leaves half a surrogate pair (which platforms
 * reject or show as �) or half an emoji sequence such as a flag or a skin tone.
 */
export function clip(s: string, max: number, opts: ClipOptions = {}): string {
  // NOTE: a string's UTF-16 length is never less than its code point count, so this fits either way.
  if (s.length <= max) return s;
  if (max <= 0) return '';
  const utf16 = opts.units === 'utf16';
  let used = 0;
  let keep = 0;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (const { segment } of graphemes.segment(s)) {
    used += utf16 ? segment.length : Array.from(segment).length;
    if (used > max) return `${s.slice(0, keep)}…`;
    if (used <= max - 1) keep += segment.length;
  }
  return s;
}

/**
 * The range of cards on a page, compact: "6–10 of 22" (an en dash). For places with little room,
 * such as a Discord button label; {@link pageText} is the sentence built from it.
 */
export function pageRange(start: number, end: number, total: number): string {
  return `${start}–${end} of ${total}`;
}

/** Where a page of results sits in the whole list, worded the same on every platform: "Showing 1–5 of 22." */
export function pageText(start: number, end: number, total: number): string {
  return `Showing ${pageRange(start, end, total)}.`;
}

/**
 * The More cursor once a platform has shown only the first `shown` cards of a papers reply
 * (Slack's 50-block or Discord's 10-embed limit): it continues right after the last card shown,
 * so no card is skipped. With every card shown it is the reply's own cursor. When the reply had
 * no cursor (its cards were the last ones), `origin`, the invocation that produced it, is re-run.
 */
export function cursorAfterShown(
  reply: Pick<Extract<Reply, { kind: 'papers' }>, 'cards' | 'start' | 'next'>,
  shown: number,
  origin?: PagerCursor,
): PagerCursor | undefined {
  // A cursor with no command cannot be re-run, so it gives no More button.
  if (shown >= reply.cards.length) return reply.next?.command ? reply.next : undefined;
  const base = reply.next ?? origin;
  if (!base?.command) return undefined;
  return { command: base.command, input: base.input, offset: reply.start - 1 + Math.max(0, shown) };
}

/** The longest URL a renderer links; Discord refuses longer ones in embeds (Slack allows 3000). */
export const MAX_URL_LENGTH = 2048;

export interface SafeUrlOptions {
  /**
   * The caller escapes link delimiters itself, so `<`, `>`, `(`, `)` and `|` need not be refused:
   * Slack writes a link as `<url|label>` with `|` sent as `%7C` and `<`, `>` as entities.
   * Default false: Discord's `[label](url)` and `<url>` have no escape for them.
   */
  delimitersEscaped?: boolean;
}

/**
 * The URL when a renderer may link it, else undefined: http or https only (never `javascript:`,
 * `data:` or an app scheme), parseable with a host, at most {@link MAX_URL_LENGTH} characters,
 * and without white space, control characters or the characters that end a link in chat markup.
 * Card URLs come from outside (seed pages, the HF API), so each one is checked before it is linked.
 */
export function safeUrl(u: string | null | undefined, opts: SafeUrlOptions = {}): string | undefined {
  if (typeof u !== 'string' || u.length > MAX_URL_LENGTH || !/^https?:\/\/./i.test(u)) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f-\u009f\\"`]/.test(u)) return undefined;
  if (!opts.delimitersEscaped && /[<>()|]/.test(u)) return undefined;
  try {
    const parsed = new URL(u);
    if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') return undefined;
  } catch {
    return undefined;
  }
  return u;
}

/**
 * Where citation `[n]` of an answer links: the page of card `n`, when it is safe to link (see
 * {@link safeUrl}); undefined shows the number unlinked. One rule, so every platform links the same paper.
 */
export function citationUrl(reply: Extract<Reply, { kind: 'answer' }>, n: number, opts: SafeUrlOptions = {}): string | undefined {
  return safeUrl(reply.cards[n - 1]?.url, opts);
}

/** The label a citation or a cited card carries: `[1]`. */
export function citationLabel(n: number): string {
  return `[${n}]`;
}

/**
 * A card's links beyond its page and PDF (code, with its stars; the project page), safe URLs only,
 * labelled alike on every platform.
 */
export function extraLinks(c: Pick<PaperCard, 'codeUrl' | 'codeStars' | 'projectUrl'>, opts: SafeUrlOptions = {}): Array<{ label: string; url: string }> {
  const out: Array<{ label: string; url: string }> = [];
  const code = safeUrl(c.codeUrl, opts);
  if (code) out.push({ label: c.codeStars !== undefined ? `Code (★ ${c.codeStars})` : 'Code', url: code });
  const project = safeUrl(c.projectUrl, opts);
  if (project) out.push({ label: 'Project page', url: project });
  return out;
}

/**
 * What a paper does, in one line, for compact cards (link unfurls): the card's snippet (its gist, see
 * `ask/gist.ts`) as plain text on one line, clipped to `max` characters. Raw text: the renderer escapes it.
 */
export function oneLine(c: Pick<PaperCard, 'snippet'>, max: number): string {
  return clip(
    c.snippet
      .map((s) => s.text)
      .join('')
      .replace(/\s+/g, ' ')
      .trim(),
    max,
  );
}
