// What a scheduled trending post says: a day's list, top N by upvotes, or one honest line when there is nothing new.
import { paperCard } from '../cards.js';
import type { PaperLibrary } from '../library.js';
import { dateInZone } from '../ports.js';
import type { Reply } from '../reply.js';
import { periodContaining } from '../trending/period.js';
import { describeLocal } from './spec.js';

/**
 * The newest daily list on or before today (today in `timeZone`, the zone Hugging Face dates its
 * lists in), or null when no paper is stored on or before it.
 */
export function newestList(library: PaperLibrary, now: Date, timeZone: string): string | null {
  const today = dateInZone(now, timeZone);
  const list = library.trending(periodContaining('day', today));
  // NOTE: the library falls back to a later day when none is earlier; a scheduled post never shows the future.
  return list.papers.length > 0 && list.shown.label <= today ? list.shown.label : null;
}

/**
 * A day's list as the channel sees it: the header names the list's date, the cards are its top
 * `top` by upvotes (the library's trending order), "More" pages on through the `trending` command.
 */
export function trendingPost(library: PaperLibrary, listDate: string, top: number): Reply | null {
  const period = periodContaining('day', listDate);
  const list = library.trending(period);
  if (list.papers.length === 0 || list.shown.label !== listDate) return null;
  const page = list.papers.slice(0, top);
  const info = { kind: period.kind, label: period.label, from: period.from, to: period.to };
  return {
    kind: 'papers',
    title: `Trending on ${listDate}`,
    cards: page.map((p) => paperCard(p)),
    start: 1,
    total: list.papers.length,
    period: { asked: info, shown: info },
    ...(page.length < list.papers.length ? { next: { command: 'trending', input: { date: listDate, limit: top }, offset: page.length } } : {}),
    visibility: 'public',
    shareable: false,
  };
}

/** The one line posted when there is no list this subscription has not posted yet (weekend, holiday, source down). */
export function nothingNewPost(lastList: string | null, next: Date, zone: string): Reply {
  const since = lastList ? `No new papers since the ${lastList} list` : 'No papers to post yet';
  return { kind: 'text', lines: [`${since}; the next post is due ${describeLocal(next, zone)}.`], visibility: 'public' };
}
