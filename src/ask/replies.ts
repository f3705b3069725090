// What every ask answer shape shares: the answered pair (reply and follow-up state), honest "none" replies, date wording.
import type { CommandContext } from '../command.js';
import { UserError } from '../errors.js';
import type { Paper } from '../papers/model.js';
import type { Conversation } from '../ports.js';
import { clip, type Reply } from '../reply.js';
import { parseQuery } from '../search/query.js';
import { paperCard } from '../cards.js';
import type { DateFilter } from './intent.js';

/** A reply, and the state a follow-up in the same thread works on (none when there is nothing to follow up). */
export type Answered = { reply: Reply; state?: Conversation };

/** The closest papers shown when nothing answers a question. */
export const CLOSEST = 3;

/** The heading of an answer: the question as asked, on one line. */
export function heading(asked: string): string {
  return clip(asked.replace(/\s+/g, ' '), 120);
}

/** The dates a question named, as words for a heading (` since 2025-01-01`). */
export function datePhrase(d: Pick<DateFilter, 'since' | 'until'>): string {
  if (d.since && d.until) return ` from ${d.since} to ${d.until}`;
  if (d.since) return ` since ${d.since}`;
  if (d.until) return ` until ${d.until}`;
  return '';
}

/** An answer that says honestly why there is none (no sentence, so nothing is claimed without a source). */
export function noAnswer(title: string, notice: string, related: readonly Paper[] = []): Reply {
  return {
    kind: 'answer',
    title,
    notice,
    sentences: [],
    cards: [],
    ...(related.length > 0 ? { related: related.map((p) => paperCard(p)) } : {}),
    visibility: 'ephemeral',
    shareable: false,
  };
}

/** A search that matches nothing is null here (a UserError only when the user's own filter words are wrong). */
export function searchOrNull(query: string, limit: number, ctx: Pick<CommandContext, 'library'>) {
  const parsed = parseQuery(query);
  if (!parsed.ok) throw UserError.from(parsed.error);
  const q = parsed.value;
  if (q.terms.length === 0 && !q.since && !q.until && !q.org) return null;
  return ctx.library.search(q, 0, limit);
}

/** Whether a paper's date is within the dates (a paper with no date is within no bound). */
export function within(p: { publishedAt: string | null }, d: Pick<DateFilter, 'since' | 'until'>): boolean {
  if (!d.since && !d.until) return true;
  return p.publishedAt !== null && (!d.since || p.publishedAt >= d.since) && (!d.until || p.publishedAt <= d.until);
}
