// "Which papers …?", "anything on …?", "what's new on …?": the matching papers, each with one line of what it does, numbered, with More.
import { paperCard } from '../cards.js';
import type { CommandContext } from '../command.js';
import { dateInZone, type SearchHit } from '../ports.js';
import { addDays } from '../trending/period.js';
import { dateFilters } from './compose.js';
import type { DateFilter } from './intent.js';
import { datePhrase, heading, within, type Answered } from './replies.js';

/**
 * How a list answer is made (tuning numbers together). `cutoff` and `recentDays` are chosen by the
 * answer cross-validation of `npm run eval` (`LIST_GRID` in scripts/evalAnswers.ts).
 */
export interface ListOptions {
  /** Papers below this share of the best hit's score are passing mentions, not listed. */
  cutoff: number;
  /** Papers per page. */
  pageSize: number;
  /** What "new", "recent" and "latest" mean when the question names no dates: this many days up to today. */
  recentDays: number;
  /** The most papers a list holds (pages included): a bound on the work. */
  most: number;
}

export const DEFAULT_LIST: ListOptions = { cutoff: 0.5, pageSize: 5, recentDays: 365, most: 100 };

/** Words that ask for the newest papers first. */
const RECENT = /\b(?:new|newest|recent|recently|latest|lately)\b/i;

/** Whether a question asks for the newest papers ("what's new on …", "latest …", "anything recent on …"). */
export function asksRecent(question: string): boolean {
  return RECENT.test(question);
}

const newestFirst = (a: SearchHit, b: SearchHit) => (b.publishedAt ?? '').localeCompare(a.publishedAt ?? '') || b.score - a.score;

/**
 * The list answer, a page from `offset`: the papers on the topic best first (newest first, within
 * the last `recentDays`, when the question asks what is new), each card opening with the paper's
 * gist. Null when no paper matches (the caller says so, with suggestions).
 */
export function listAnswer(
  question: string,
  topic: string,
  dates: DateFilter,
  offset: number,
  ctx: CommandContext,
  options: ListOptions = DEFAULT_LIST,
): Answered | null {
  if (topic === '') return null;
  const page = ctx.library.search(`${topic} ${dateFilters(dates)}`, 0, options.most);
  const top = page.hits[0]?.score ?? 0;
  if (page.total === 0 || top <= 0) return null;
  let papers = page.hits.filter((h) => h.score >= top * options.cutoff);
  let notice: string | undefined;
  if (asksRecent(question)) {
    // Sorted by date, relevance no longer keeps passing mentions out: the papers about the topic (what `topic` lists) do.
    const about = new Set(ctx.library.onTopic(topic, 'newest').map((h) => h.id));
    if (papers.some((h) => about.has(h.id))) papers = papers.filter((h) => about.has(h.id));
    const named = datePhrase(dates);
    if (named) {
      notice = `Newest first, published${named}.`;
    } else {
      const today = dateInZone(ctx.clock.now(), ctx.timeZone);
      const since = addDays(today, -options.recentDays);
      const recent = papers.filter((h) => within(h, { since, until: null }));
      if (recent.length > 0) {
        papers = recent;
        notice = `Newest first, from the last ${options.recentDays} days (since ${since}).`;
      } else {
        notice = `None from the last ${options.recentDays} days (since ${since}); the newest at any date first.`;
      }
    }
    papers = [...papers].sort(newestFirst);
  } else if (dates.since || dates.until) {
    notice = `Papers${datePhrase(dates)}, most relevant first.`;
  }
  const shown = papers.slice(offset, offset + options.pageSize);
  const end = offset + shown.length;
  return {
    reply: {
      kind: 'papers',
      title: heading(question),
      ...(notice ? { notice } : {}),
      cards: shown.map((h) => paperCard(h.paper)),
      start: offset + 1,
      total: papers.length,
      ...(end < papers.length ? { next: { command: 'ask', input: { question }, offset: end } } : {}),
      visibility: 'ephemeral',
      shareable: true,
    },
    state: { question: topic, cited: papers.slice(0, end).map((h) => h.id), pool: papers.map((h) => h.id) },
  };
}
