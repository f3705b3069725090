// The rules every renderer shares: author line, clipping, paging text, URL safety, the More cursor after a cut.
import { describe, expect, it } from 'vitest';
import { clip as clipFromReply, type PagerCursor } from '../src/reply.js';
import { authorLine, clip, cursorAfterShown, MAX_URL_LENGTH, pageRange, pageText, safeUrl } from '../src/replyFormat.js';
import { testCard } from './fakes/papers.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const who = (over: { org?: string | null; authors?: string[]; authorCount?: number | null }) => ({ org: null, authors: [], authorCount: null, ...over });

describe('authorLine', () => {
  it('is null when nothing is known about the authors', () => {
    expect(authorLine(who({}))).toBeNull();
  });

  it('names one author, or up to three, in order', () => {
    expect(authorLine(who({ authors: ['Ada Lovelace'] }))).toBe('Ada Lovelace');
    expect(authorLine(who({ authors: ['A', 'B', 'C'] }))).toBe('A, B, C');
  });

  it('past three authors shows the first three and "et al."', () => {
    expect(authorLine(who({ authors: ['A', 'B', 'C', 'D'] }))).toBe('A, B, C et al.');
    expect(authorLine(who({ authors: ['A', 'B', 'C', 'D', 'E', 'F'], authorCount: 6 }))).toBe('A, B, C et al.');
  });

  it('the org wins over the names and the count', () => {
    expect(authorLine(who({ org: 'Rice University', authors: ['A', 'B'], authorCount: 2 }))).toBe('Rice University');
  });

  it('with only a count, says how many authors, singular for one', () => {
    expect(authorLine(who({ authorCount: 4 }))).toBe('4 authors');
    expect(authorLine(who({ authorCount: 1 }))).toBe('1 author');
  });
});

describe('clip', () => {
  it('leaves text that fits alone and marks a cut with an ellipsis within the limit', () => {
    expect(clip('hello', 5)).toBe('hello');
    expect(clip('hello world', 6)).toBe('hello…');
    expect(Array.from(clip('x'.repeat(500), 80))).toHaveLength(80);
  });

  it('never splits a surrogate pair: an emoji is kept whole or dropped whole', () => {
    const s = '😀'.repeat(10);
    for (let max = 1; max <= 12; max += 1) {
      const out = clip(s, max);
      expect(out).not.toMatch(LONE_SURROGATE);
      expect(Array.from(out).length).toBeLessThanOrEqual(max);
    }
    expect(clip(s, 4)).toBe('😀😀😀…');
  });

  it('never splits an emoji sequence (a flag, a skin tone, a family)', () => {
    const flags = '🇫🇷🇩🇪🇯🇵';
    const out = clip(flags, 4);
    expect(out).toBe('🇫🇷…');
    expect(clip('👍🏽👍🏽👍🏽', 4)).toBe('👍🏽…');
    expect(clip('ab👨‍👩‍👧', 4)).toBe('ab…');
  });

  it('counts code points by default, so an emoji title keeps as many characters as it can', () => {
    expect(clip('😀😀😀', 3)).toBe('😀😀😀');
  });

  it('with a UTF-16 budget (Discord) the result fits in code units and is still well formed', () => {
    const out = clip('a😀😀😀😀', 6, { units: 'utf16' });
    expect(out).toBe('a😀😀…');
    expect(out.length).toBeLessThanOrEqual(6);
    expect(clip('a😀😀😀😀', 6, { units: 'utf16' })).not.toMatch(LONE_SURROGATE);
    expect(clip('😀😀😀', 3, { units: 'utf16' })).toBe('😀…');
    expect(clip('😀😀', 1, { units: 'utf16' })).toBe('…');
  });

  it('a limit of zero gives empty text', () => {
    expect(clip('abc', 0)).toBe('');
  });

  it('is the same function commands import from the reply model', () => {
    expect(clipFromReply).toBe(clip);
  });
});

describe('pageText', () => {
  it('words a page the same way for every platform, with an en dash', () => {
    expect(pageText(1, 5, 22)).toBe('Showing 1–5 of 22.');
    expect(pageText(21, 22, 22)).toBe('Showing 21–22 of 22.');
  });

  it('its compact range (for a button label) is the same wording without "Showing"', () => {
    expect(pageRange(6, 10, 22)).toBe('6–10 of 22');
    expect(pageText(6, 10, 22)).toBe(`Showing ${pageRange(6, 10, 22)}.`);
  });
});

describe('safeUrl', () => {
  it('accepts http and https URLs as they are', () => {
    expect(safeUrl('https://huggingface.co/papers/2509.00001')).toBe('https://huggingface.co/papers/2509.00001');
    expect(safeUrl('http://arxiv.org/abs/2509.00001?v=2')).toBe('http://arxiv.org/abs/2509.00001?v=2');
  });

  it('rejects other schemes: javascript:, data:, app links, protocol-relative', () => {
    expect(safeUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeUrl('JavaScript://%0Aalert(1)')).toBeUndefined();
    expect(safeUrl('data:text/html,<script>alert(1)</script>')).toBeUndefined();
    expect(safeUrl('slack://open')).toBeUndefined();
    expect(safeUrl('//evil.example/x')).toBeUndefined();
  });

  it('rejects white space and control characters anywhere', () => {
    expect(safeUrl('https://a.example/x y')).toBeUndefined();
    expect(safeUrl('https://a.example/x\ny')).toBeUndefined();
    expect(safeUrl(' https://a.example/')).toBeUndefined();
    expect(safeUrl('https://a.example/\u0000')).toBeUndefined();
  });

  it('rejects link delimiters <, >, (, ) and |, unless the caller escapes them itself', () => {
    for (const u of ['https://a.example/<b', 'https://a.example/a>b', 'https://a.example/x)y', 'https://a.example/(x', 'https://a.example/a|b']) {
      expect(safeUrl(u)).toBeUndefined();
      expect(safeUrl(u, { delimitersEscaped: true })).toBe(u);
    }
    expect(safeUrl('javascript:alert(1)', { delimitersEscaped: true })).toBeUndefined();
  });

  it('rejects URLs longer than 2048 characters and ones that do not parse', () => {
    const base = 'https://a.example/';
    expect(safeUrl(base + 'x'.repeat(MAX_URL_LENGTH - base.length))).toBeDefined();
    expect(safeUrl(base + 'x'.repeat(MAX_URL_LENGTH - base.length + 1))).toBeUndefined();
    expect(safeUrl('https://exa mple.com/')).toBeUndefined();
    expect(safeUrl('https://[::1/')).toBeUndefined();
  });

  it('treats a missing URL as unsafe', () => {
    expect(safeUrl(null)).toBeUndefined();
    expect(safeUrl(undefined)).toBeUndefined();
    expect(safeUrl('')).toBeUndefined();
  });
});

describe('cursorAfterShown', () => {
  const cards = Array.from({ length: 20 }, (_, i) => testCard(i + 11));
  const next: PagerCursor = { command: 'search', input: { query: 'kv' }, offset: 30 };
  const origin: PagerCursor = { command: 'trending', input: { date: '2025-11-27' }, offset: 10 };

  it("keeps the reply's cursor when every card was shown", () => {
    expect(cursorAfterShown({ cards, start: 11, next }, 20)).toEqual(next);
    expect(cursorAfterShown({ cards, start: 11 }, 20, origin)).toBeUndefined();
  });

  it('continues right after the last card shown when the platform cut the list', () => {
    expect(cursorAfterShown({ cards, start: 11, next }, 7)).toEqual({ command: 'search', input: { query: 'kv' }, offset: 17 });
  });

  it('with no cursor of its own, a cut list continues by re-running the origin', () => {
    expect(cursorAfterShown({ cards, start: 11 }, 10, origin)).toEqual({ command: 'trending', input: { date: '2025-11-27' }, offset: 20 });
    expect(cursorAfterShown({ cards, start: 11 }, 10)).toBeUndefined();
  });

  it('gives no cursor for one without a command, which could not be re-run', () => {
    expect(cursorAfterShown({ cards, start: 11 }, 10, { command: '', input: {}, offset: 0 })).toBeUndefined();
    expect(cursorAfterShown({ cards, start: 11, next: { ...next, command: '' } }, 20)).toBeUndefined();
  });
});
