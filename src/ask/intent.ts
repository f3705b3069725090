// Reads a question's intent and dates with no network and no model: one ordered table of patterns.
import { arxivIdOf } from '../papers/model.js';
import { addDays, dayPeriod, isoWeekOf, monthPeriod, weekPeriod } from '../trending/period.js';

/** Dates a question named, as inclusive `YYYY-MM-DD` bounds, and the words that named them (for headings). */
export interface DateFilter {
  since: string | null;
  until: string | null;
  /** The phrases as typed, lowercased (`since june`, `this week`). */
  phrases: string[];
}

export type Intent =
  | { kind: 'guide' }
  | { kind: 'trending'; period: string }
  | { kind: 'paper'; ref: string }
  | { kind: 'by'; who: string; topic: string }
  | { kind: 'count'; topic: string }
  | { kind: 'more-like'; n: number }
  | { kind: 'detail'; n: number }
  | { kind: 'refilter' }
  /** A follow-up ("more like [2]", "only since 2025") in a thread with no earlier answer. */
  | { kind: 'no-previous' }
  /** "Which papers …", "anything on …", "what's new on …": the matching papers, listed. */
  | { kind: 'list'; topic: string }
  /** "How / why / what is / compare A and B", or bare topic words: a short answer from the papers' sentences. */
  | { kind: 'question'; topic: string };

export interface Routed {
  intent: Intent;
  dates: DateFilter;
  /** The question without its date words: what a search for it uses. */
  text: string;
  /** The name of the route that matched, for logs and tests. */
  route: string;
}

export interface RouteContext {
  /** Today in the bot's time zone (`YYYY-MM-DD`). */
  today: string;
  /** Whether this thread has a previous answer that follow-ups can work on. */
  followUp: boolean;
  /** Whether some text names a stored paper (its id, exact title or title name such as `KIVI`). */
  namesPaper(ref: string): boolean;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MONTH = `(${MONTHS.map((m) => `${m.slice(0, 3)}${m.length > 3 ? `(?:${m.slice(3)})?` : ''}`).join('|')})\\.?`;

function monthIndex(word: string): number {
  return MONTHS.findIndex((m) => m.startsWith(word.toLowerCase().slice(0, 3)));
}

/** A month named without a year is the latest such month on or before today. */
function monthOf(word: string, year: string | undefined, today: string): string {
  const mi = monthIndex(word) + 1;
  const thisYear = Number(today.slice(0, 4));
  const y = year ? Number(year) : mi <= Number(today.slice(5, 7)) ? thisYear : thisYear - 1;
  return `${y}-${String(mi).padStart(2, '0')}`;
}

type Bounds = { since?: string; until?: string };

const span = (p: { from: string; to: string }): Bounds => ({ since: p.from, until: p.to });

/**
 * Date phrases, tried in order on what is left of the question; each matched phrase is removed.
 * NOTE: weeks are ISO weeks (Monday to Sunday) and months calendar months, as in `trending`.
 */
const DATE_RULES: ReadonlyArray<{ re: RegExp; read: (m: RegExpExecArray, today: string) => Bounds }> = [
  {
    re: new RegExp(`\\b(?:since|after|from)\\s+${MONTH}(?:\\s+(\\d{4}))?\\b`, 'i'),
    read: (m, t) => ({ since: monthPeriod(monthOf(m[1] ?? '', m[2], t)).from }),
  },
  {
    re: new RegExp(`\\b(?:before|until)\\s+${MONTH}(?:\\s+(\\d{4}))?\\b`, 'i'),
    read: (m, t) => ({ until: addDays(monthPeriod(monthOf(m[1] ?? '', m[2], t)).from, -1) }),
  },
  { re: new RegExp(`\\b(?:in|during)\\s+${MONTH}(?:\\s+(\\d{4}))?\\b`, 'i'), read: (m, t) => span(monthPeriod(monthOf(m[1] ?? '', m[2], t))) },
  {
    re: /\b(?:since|after|from)\s+(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\b/i,
    read: (m) => ({ since: m[3] ? `${m[1]}-${m[2]}-${m[3]}` : m[2] ? `${m[1]}-${m[2]}-01` : `${m[1]}-01-01` }),
  },
  { re: /\b(?:before|until)\s+(\d{4})\b(?!-)/i, read: (m) => ({ until: `${Number(m[1]) - 1}-12-31` }) },
  { re: /\b(?:in|during)\s+(\d{4})\b(?!-)/i, read: (m) => ({ since: `${m[1]}-01-01`, until: `${m[1]}-12-31` }) },
  {
    re: /\b(?:since|in the past|over the past|in the last)\s+(?:a|one)?\s*(week|month|year)\b/i,
    read: (m, t) => ({ since: addDays(t, m[1]?.toLowerCase() === 'week' ? -7 : m[1]?.toLowerCase() === 'month' ? -30 : -365), until: t }),
  },
  // Dates as `trending` takes them: a day, an ISO week, a month (checked: 2026-13-40 is no date and stays text).
  { re: /\b(?:(?:on|for|of)\s+)?(\d{4}-\d{2}-\d{2})\b/i, read: (m) => (validDay(m[1] ?? '') ? span(dayPeriod(m[1] ?? '')) : {}) },
  {
    re: /\b(?:(?:in|during|for|of)\s+)?(\d{4})-W(\d{2})\b/i,
    read: (m) => (Number(m[2]) >= 1 && Number(m[2]) <= 53 ? span(weekPeriod({ year: Number(m[1]), week: Number(m[2]) })) : {}),
  },
  {
    re: /\b(?:(?:in|during|for|of)\s+)?(\d{4})-(\d{2})\b(?!-)/i,
    read: (m) => (Number(m[2]) >= 1 && Number(m[2]) <= 12 ? span(monthPeriod(`${m[1]}-${m[2]}`)) : {}),
  },
  { re: /\bthis year\b/i, read: (_m, t) => ({ since: `${t.slice(0, 4)}-01-01`, until: t }) },
  { re: /\blast year\b/i, read: (_m, t) => ({ since: `${Number(t.slice(0, 4)) - 1}-01-01`, until: `${Number(t.slice(0, 4)) - 1}-12-31` }) },
  { re: /\bthis month\b/i, read: (_m, t) => span(monthPeriod(t.slice(0, 7))) },
  { re: /\blast month\b/i, read: (_m, t) => span(monthPeriod(addDays(`${t.slice(0, 7)}-01`, -1).slice(0, 7))) },
  { re: /\bthis week\b/i, read: (_m, t) => span(weekPeriod(isoWeekOf(t))) },
  { re: /\blast week\b/i, read: (_m, t) => span(weekPeriod(isoWeekOf(addDays(t, -7)))) },
  { re: /\byesterday\b/i, read: (_m, t) => span(dayPeriod(addDays(t, -1))) },
  { re: /\btoday\b/i, read: (_m, t) => span(dayPeriod(t)) },
];

/** A real calendar day in `YYYY-MM-DD`. */
function validDay(d: string): boolean {
  const t = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d;
}

/** Removes the date phrases from a question and reads them as bounds (several narrow each other). */
export function extractDates(text: string, today: string): { rest: string; dates: DateFilter } {
  let rest = text;
  let since: string | null = null;
  let until: string | null = null;
  const phrases: string[] = [];
  for (const rule of DATE_RULES) {
    const m = rule.re.exec(rest);
    if (!m) continue;
    const b = rule.read(m, today);
    if (!b.since && !b.until) continue;
    if (b.since && (since === null || b.since > since)) since = b.since;
    if (b.until && (until === null || b.until < until)) until = b.until;
    phrases.push(m[0].toLowerCase().replace(/\s+/g, ' '));
    rest = `${rest.slice(0, m.index)} ${rest.slice(m.index + m[0].length)}`;
  }
  return { rest: rest.replace(/\s+/g, ' ').trim(), dates: { since, until, phrases } };
}

/** Words that frame a question rather than say what it is about ("what's new on …", "any papers about …"). */
const FRAME =
  /\b(?:hey|hi|please|paperboy|what'?s|what|whats|which|who|where|when|why|how|is|are|was|were|do|does|did|can|could|would|should|there|any|anything|some|something|new|latest|recent|recently|lately|papers?|works?|research|studies|study|articles?|publications?|published|tell|me|us|show|find|give|list|about|on|regarding|i|want|know|to|the|a|an|of|in|for)\b/gi;

/** What a question is about once its framing words and punctuation are gone (may be empty). */
export function topicOf(text: string): string {
  return text
    .replace(FRAME, ' ')
    .replace(/[?!.,;:]+(\s|$)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const REF = /\[?(\d{1,2})\]?/.source;

/** How a question that wants an explanation starts ("how", "why", "what is", "does X work", "compare A and B"). */
const SYNTHESIS =
  /^(?:(?:hey|hi|ok|so|please)[,\s]+)?(?:how|why|what(?:'s| is| are| does| do)|does|do|is|are|can|could|should|explain|compare|contrast|difference)\b|\b(?:vs\.?|versus)\s/i;

/** Openings that look like an explanation question but ask for papers ("are there any papers on …", "what's new on …"). */
const ASKS_LIST =
  /\bwhat(?:'?s| is| are)\s+(?:new|recent|the latest)\b|^(?:are|is)\s+there\b|^(?:do|can|could)\s+you\s+(?:have|know|find|show|list|recommend|suggest)\b/i;

/**
 * The routes, tried in order; the first whose pattern matches and whose `when` holds wins.
 * `text` is the question with its date phrases removed.
 */
const ROUTES: ReadonlyArray<{
  name: string;
  re: RegExp;
  when?: (m: RegExpExecArray, ctx: RouteContext, dates: DateFilter) => boolean;
  build: (m: RegExpExecArray, dates: DateFilter, ctx: RouteContext) => Intent;
}> = [
  { name: 'empty', re: /^\s*$/, when: (_m, _c, d) => d.phrases.length === 0, build: () => ({ kind: 'guide' }) },
  {
    name: 'more-like',
    re: new RegExp(
      `^(?:(?:show|find|give)(?: me)?\\s+)?(?:(?:more|papers?|others?|anything)\\s+(?:like|similar to)|similar to|related to)\\s+(?:paper\\s+)?${REF}\\s*[?.!]*$`,
      'i',
    ),
    build: (m, _d, c) => (c.followUp ? { kind: 'more-like', n: Number(m[1]) } : { kind: 'no-previous' }),
  },
  {
    name: 'detail',
    re: new RegExp(
      `^(?:(?:tell me|say)\\s+)?(?:more\\s+(?:about|on)|details?\\s+(?:about|on|of|for)|expand\\s+(?:on)?|what about|and|about)?\\s*(?:paper\\s+)?${REF}\\s*[?.!]*$`,
      'i',
    ),
    // Without an earlier answer, only wording that can mean nothing else is a follow-up ("tell me more about 2", "[2]").
    when: (m, c) => c.followUp || /\[\d|\bmore\b|\bdetails?\b/i.test(m[0]),
    build: (m, _d, c) => (c.followUp ? { kind: 'detail', n: Number(m[1]) } : { kind: 'no-previous' }),
  },
  {
    name: 'refilter',
    re: /^(?:(?:and|but|ok|okay)\s+)?(?:only|just|now)?\s*(?:ones?|those|papers)?\s*[?.!]*$/i,
    when: (m, c, d) => d.phrases.length > 0 && (c.followUp || /\b(?:only|just|those|ones)\b/i.test(m[0])),
    build: (_m, _d, c) => (c.followUp ? { kind: 'refilter' } : { kind: 'no-previous' }),
  },
  {
    name: 'paper-link',
    re: /(?:https?:\/\/(?:www\.)?(?:arxiv\.org\/(?:abs|pdf)|(?:huggingface|hf)\.co\/papers)\/\d{4}\.\d{4,5}(?:v\d+)?(?:\.pdf)?\/?|(?:arxiv:)?\b\d{4}\.\d{4,5}(?:v\d+)?\b)/i,
    build: (m) => ({ kind: 'paper', ref: arxivIdOf(m[0]) ?? m[0] }),
  },
  {
    name: 'trending',
    re: /\b(?:trending|popular|hot|most upvoted|top papers|hottest)\b/i,
    build: (_m, d) => ({ kind: 'trending', period: trendingPeriod(d) }),
  },
  {
    name: 'count',
    re: /^how many\b(?:\s+(?:new\s+)?(?:papers?|works?|articles?|studies))?(?:\s+(?:are there|were there|have there been|do you have|are|were|came out|have been published|were published))?\s*(?:on|about|regarding|in|for|with|mention(?:ing)?)?\s*(.*?)\s*[?.!]*$/i,
    build: (m) => ({ kind: 'count', topic: topicOf(m[1] ?? '') }),
  },
  {
    name: 'by',
    re: /\b(?:papers?|works?|research|publications?|anything|something|articles?|what(?:'s| is)? new)\s+(?:from|by)\s+(.+?)(?:\s+(?:on|about|regarding)\s+(.+?))?\s*[?.!]*$/i,
    build: (m) => ({ kind: 'by', who: (m[1] ?? '').trim(), topic: topicOf(m[2] ?? '') }),
  },
  {
    name: 'paper-name',
    re: /^(?:(?:can you\s+)?(?:tell me|tell us)\s+(?:more\s+)?about|what(?:'s| is| are)|explain|summari[sz]e|describe|details?\s+(?:of|on|for|about)|who wrote|show me)\s+(?:the\s+)?(?:paper\s+)?["“]?(.+?)["”]?(?:\s+paper)?\s*[?.!]*$/i,
    when: (m, c) => c.namesPaper(m[1] ?? ''),
    build: (m) => ({ kind: 'paper', ref: (m[1] ?? '').trim() }),
  },
  // A bare title name ("KIVI", "A-MEM"); longer text is a question, so no title look-up is spent on it.
  {
    name: 'paper-alone',
    re: /^["“]?(.+?)["”]?\s*[?.!]*$/,
    when: (m, c) => (m[1] ?? '').split(/\s+/).length <= 8 && c.namesPaper(m[1] ?? ''),
    build: (m) => ({ kind: 'paper', ref: (m[1] ?? '').trim() }),
  },
  {
    name: 'list',
    re: /^(?:(?:hey|hi|ok|so|please)[,\s]+)?(?:which|what)\s+(?:(?:recent|new|latest|newest|other)\s+)?(?:papers?|works?|studies|articles?|publications?|research)\b|\b(?:any|some)\s+(?:(?:recent|new|newer|good|other)\s+)?(?:papers?|works?|research|studies|articles?|publications?)\b|\banything\b|^(?:(?:show|find|list|give)(?:\s+(?:me|us))?\s+)?(?:(?:the|some|all)\s+)?(?:(?:recent|new|latest|newest)\s+)?(?:papers?|works?|articles?|publications?|research)\s+(?:on|about|regarding|that|which|using|for|with|in)\b|\bwhat(?:'?s| is| are)\s+(?:new|recent|the latest)\b|\b(?:latest|newest|recent)\b/i,
    // "How do recent methods …?" asks for an explanation, not a list.
    when: (m) => !SYNTHESIS.test(m.input) || ASKS_LIST.test(m.input),
    build: (m) => ({ kind: 'list', topic: topicOf(m.input) }),
  },
  { name: 'question', re: /^[\s\S]*$/, build: (m) => ({ kind: 'question', topic: topicOf(m[0]) }) },
];

/** The period `trending` is asked for: the one the question named, else today. */
function trendingPeriod(d: DateFilter): string {
  const phrase = d.phrases[0] ?? 'today';
  if (phrase === 'this week') return 'week';
  if (phrase === 'this month') return 'month';
  if (phrase === 'today' || phrase === 'yesterday') return phrase;
  if (phrase === 'last month' && d.since) return d.since.slice(0, 7);
  if (d.since && d.until) {
    const w = isoWeekOf(d.since);
    if (weekPeriod(w).from === d.since && weekPeriod(w).to === d.until) return `${w.year}-W${String(w.week).padStart(2, '0')}`;
    if (d.since === d.until) return d.since;
    if (monthPeriod(d.since.slice(0, 7)).to === d.until) return d.since.slice(0, 7);
  }
  return 'today';
}

/** Routes a question: its intent, and the dates it named (for every intent that lists papers). */
export function route(question: string, ctx: RouteContext): Routed {
  const { rest, dates } = extractDates(question.trim(), ctx.today);
  for (const r of ROUTES) {
    const m = r.re.exec(rest);
    if (!m || (r.when && !r.when(m, ctx, dates))) continue;
    return { intent: r.build(m, dates, ctx), dates, text: rest, route: r.name };
  }
  return { intent: { kind: 'question', topic: topicOf(rest) }, dates, text: rest, route: 'question' };
}
