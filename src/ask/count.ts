// "How many papers on X?": the count by the topic rule (what `topic` lists), the best few, and what the count includes.
import { paperCard } from '../cards.js';
import type { CommandContext } from '../command.js';
import type { TopicRuleFor } from '../library.js';
import { clip } from '../reply.js';
import { dateFilters } from './compose.js';
import type { DateFilter } from './intent.js';
import { CLOSEST, datePhrase, noAnswer, searchOrNull, within, type Answered } from './replies.js';

/** Papers shown under a count, per page. */
export const COUNT_PAGE = 5;

/**
 * When a paper is about free words, as the rule applies to them (`rule.kind` 'words'): how many of
 * them it needs and how often; what a count includes and what `topic` lists first.
 */
export function wordsRule(rule: Extract<TopicRuleFor, { kind: 'words' }>): string {
  const n = rule.words.length;
  const which = n === 1 ? 'its word' : rule.need < n ? `at least ${rule.need} of its ${n} words` : `each of its ${n} words`;
  const often = rule.mentions === 1 ? 'mentioned' : `mentioned at least ${rule.mentions === 2 ? 'twice' : `${rule.mentions} times`}`;
  return `papers with ${which} (${rule.words.join(' · ')}) in the title or ${often} in title and abstract, an abbreviation or another form of a word counting as the word`;
}

/** What a count of papers on `topic` includes, in words: the reply says it, so the number can be checked. */
export function countRule(topic: string, rule: TopicRuleFor): string {
  if (rule.kind === 'known') {
    const phrases = rule.topic.phrases.map((p) => `"${p}"`).join(', ');
    return `Counted as \`topic ${rule.topic.name}\` lists them: papers with one of ${phrases} in the title, or every word of one at least twice in title and abstract.`;
  }
  if (rule.kind === 'none') return `Counted as \`topic ${clip(topic, 80)}\` lists them first.`;
  return `Counted as \`topic ${clip(topic, 80)}\` lists them first: ${wordsRule(rule)}; not every paper that mentions one of them.`;
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
      ...(topic === '' ? {} : { notice: countRule(topic, ctx.library.topicRule(topic)) }),
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
