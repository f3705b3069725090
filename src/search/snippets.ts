// Snippets: an abstract split into sentences, the sentence matching the most query terms with its matches marked, or the opening.
import type { Segment } from '../reply.js';
import { matchedWords, type MatchedWord } from './matchedWords.js';
import { DEFAULT_RANKING } from './ranking/parameters.js';

const SNIPPET_MAX = DEFAULT_RANKING.snippetMaxChars;
const SNIPPET_LEAD = DEFAULT_RANKING.snippetLeadChars;

/**
 * Splits an abstract into sentences, keeping offsets. A sentence ends at `.`, `!` or `?` followed by
 * white space and a capital, digit or bracket, except after abbreviations such as "e.g." or "et al.".
 */
export function sentences(text: string): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  let start = 0;
  for (const m of text.matchAll(/[.!?]+(?=\s|$)/g)) {
    const end = m.index + m[0].length;
    if (end < text.length) {
      if (/(?:\b(?:e\.g|i\.e|et al|vs|etc|cf|approx|resp|Fig|Figs|Eq|Sec|No)\.)$/i.test(text.slice(Math.max(start, end - 8), end))) continue;
      const next = /\S/.exec(text.slice(end))?.[0] ?? '';
      if (!/[\p{Lu}\p{N}([{"'“‘]/u.test(next)) continue;
    }
    if (text.slice(start, end).trim() !== '') out.push({ start, end });
    start = end;
  }
  if (start < text.length && text.slice(start).trim() !== '') out.push({ start, end: text.length });
  return out;
}

/**
 * The abstract sentence that matches the most distinct query terms, with the matching
 * words marked. Falls back to the abstract's opening when nothing matches.
 */
export function snippet(abstract: string, terms: ReadonlySet<string>): Segment[] {
  if (terms.size === 0) return leadSnippet(abstract);
  // NOTE: words never span sentences (a sentence ends after punctuation), so one pass over the abstract finds every sentence's words.
  const matched = matchedWords(abstract, terms);
  let best: { start: number; end: number; score: number } | null = null;
  let k = 0;
  for (const s of sentences(abstract)) {
    while (k < matched.length && (matched[k] as MatchedWord).start < s.start) k++;
    const found = new Set<string>();
    for (let j = k; j < matched.length && (matched[j] as MatchedWord).start < s.end; j++) found.add((matched[j] as MatchedWord).term);
    if (found.size > 0 && (!best || found.size > best.score)) best = { ...s, score: found.size };
  }
  if (!best) return leadSnippet(abstract);
  let { start, end } = best;
  while (start < end && /\s/.test(abstract[start] ?? '')) start++;
  const marks = matched.filter((w) => w.start >= start && w.end <= end);
  // Keep long sentences short, centred on the first match.
  let prefix = '';
  let suffix = '';
  if (end - start > SNIPPET_MAX) {
    const first = marks[0]?.start ?? start;
    const from = Math.max(start, Math.min(first - SNIPPET_LEAD, end - SNIPPET_MAX));
    if (from > start) {
      const sp = abstract.indexOf(' ', from);
      start = sp > 0 && sp < first ? sp + 1 : from;
      prefix = '…';
    }
    if (end - start > SNIPPET_MAX) {
      const sp = abstract.lastIndexOf(' ', start + SNIPPET_MAX);
      end = sp > start ? sp : start + SNIPPET_MAX;
      suffix = '…';
    }
  }
  return segmentsOf(abstract, start, end, marks, prefix, suffix);
}

function segmentsOf(text: string, start: number, end: number, marks: ReadonlyArray<{ start: number; end: number }>, prefix: string, suffix: string): Segment[] {
  const out: Segment[] = [];
  let pos = start;
  const push = (s: Segment) => {
    if (s.text !== '') out.push(s);
  };
  if (prefix) push({ text: prefix });
  for (const m of marks) {
    if (m.start < pos || m.end > end) continue;
    push({ text: text.slice(pos, m.start) });
    push({ text: text.slice(m.start, m.end), match: true });
    pos = m.end;
  }
  push({ text: text.slice(pos, end).trimEnd() });
  if (suffix) push({ text: suffix });
  return out;
}

/** The opening of an abstract, cut at a word boundary. */
export function leadSnippet(abstract: string): Segment[] {
  const first = sentences(abstract)[0];
  const end = first ? first.end : abstract.length;
  if (end <= SNIPPET_MAX) return [{ text: abstract.slice(0, end).trim() }];
  const sp = abstract.lastIndexOf(' ', SNIPPET_MAX);
  return [{ text: `${abstract.slice(0, sp > 0 ? sp : SNIPPET_MAX).trim()}…` }];
}
