// "How many papers on X?": the count by the topic rule (what `topic` lists), the best few, and what the count includes.
import { paperCard } from '../cards.js';
import type { CommandContext } from '../command.js';
import { clip } from '../reply.js';
import { TOPICS } from '../topics.js';
import { dateFilters } from './compose.js';
import type { DateFilter } from './intent.js';
import { CLOSEST, datePhrase, noAnswer, searchOrNull, within, type Answered } from './replies.js';

/** Papers shown under a count, per page. */
export const COUNT_PAGE = 5;

/** What a count of papers on `topic` includes, in words: the reply says it, so the number can be checked. */
export function countRule(topic: string): string {
  const known = TOPICS.find((t) => t.name === topic.trim().toLowerCase());
  if (known) {
    const phrases = known.phrases.map((p) => `"${p}"`).join(', ');
    return `Counted as \`topic ${known.name}\` lists them: papers with one of ${phrases} in the title, or every word of one at least twice in title and abstract.`;
  }
  return `Counted as \`topic\` counts: papers with every word of "${clip(topic, 80)}" in the title, or each of them at least twice in title and abstract (not every paper that mentions one of the words).`;
}

/**
 * The count and the best papers of it, a page at a time from `offset`. Null when the question names
 * neither a topic nor dates (the caller shows the guide).
 */
export function countAnswer(question: string, topic: string, dates: DateFilter, offset: number, ctx: CommandContext): Answered | null {
  const filters = dateFilters(dates);
  if (topic === '' && filters === '') return null;
  const what = topic === '' ? 'papers' : `papers on "${clip(topic, 80)}"`;
  // Only dates ("how many papers since June?"): every paper in them.
  const hits = topic === '' ? (searchOrNull(filters, 1000, ctx)?.hits ?? []) : ctx.library.onTopic(topic).filter((h) => within(h, dates));
  const total = hits.length;
  if (total === 0) {
    const closest = topic === '' ? null : searchOrNull(topic, CLOSEST, ctx);
    return {
      reply: noAnswer(
        `0 ${what}${datePhrase(dates)}`,
        `I couldn't find ${what}${datePhrase(dates)}.${closest && closest.total > 0 ? ' The closest at any date are below.' : ''}`,
        (closest?.hits ?? []).map((h) => h.paper),
      ),
    };
  }
  const shown = hits.slice(offset, offset + COUNT_PAGE);
  const end = offset + shown.length;
  const ids = hits.slice(0, end).map((h) => h.id);
  return {
    reply: {
      kind: 'papers',
      title: `${total} ${total === 1 ? what.replace(/^papers/, 'paper') : what}${datePhrase(dates)}`,
      ...(topic === '' ? {} : { notice: countRule(topic) }),
      cards: shown.map((h) => paperCard(h.paper)),
      start: offset + 1,
      total,
      ...(end < total ? { next: { command: 'ask', input: { question }, offset: end } } : {}),
      visibility: 'ephemeral',
      shareable: true,
    },
    state: { question: topic, cited: ids, pool: hits.map((h) => h.id) },
  };
}
