// topic: papers on a subject, most relevant first (ties: upvotes, then date), the ones a count counts before the also related; no subject lists known topics.
import { z } from 'zod';
import { wordsRule } from '../src/ask/count.js';
import { paperCard } from '../src/cards.js';
import { defineCommand } from '../src/command.js';
import { UserError } from '../src/errors.js';
import type { PaperLibrary } from '../src/library.js';
import { clip } from '../src/reply.js';
import { checkOffset, paging, textOption } from './options.js';

const PAGING = paging(5, 10);

export const topic = defineCommand({
  name: 'topic',
  description: 'Papers on a topic, most relevant first (popular and fresh first among equals)',
  usage: '[topic words]  (no words: list known topics)',
  args: [
    { name: 'topic', description: 'A topic, e.g. "kv cache" (empty: list topics)', type: 'string', required: false, autocomplete: true, maxLength: 500 },
    ...PAGING.args,
  ],
  options: z.object({ topic: textOption, ...PAGING.shape }),
  fromText: (text) => ({ topic: text }),
  run: async ({ topic: subject, offset, limit }, ctx) => {
    if (subject === '') {
      const topics = ctx.library.topics().filter((t) => t.count > 0);
      return {
        kind: 'text',
        title: 'Known topics',
        lines: [...topics.map((t) => `${t.name} (${t.count} paper${t.count === 1 ? '' : 's'})`), 'Any other words work too: topic <words>.'],
        visibility: 'ephemeral',
      };
    }
    const { hits, counted } = ctx.library.topic(subject);
    if (hits.length === 0) {
      throw new UserError(`No papers on "${clip(subject, 60)}" yet.`, ['Send `topic` alone to list known topics.']);
    }
    checkOffset(offset, hits.length, `topic "${clip(subject, 60)}"`, limit);
    const page = hits.slice(offset, offset + limit);
    const end = offset + page.length;
    return {
      kind: 'papers',
      title: `Topic: ${subject}`,
      ...(counted < hits.length ? { notice: partsNotice(subject, counted, offset, ctx.library) } : {}),
      cards: page.map((h) => paperCard(h.paper, h.snippet, h.score)),
      start: offset + 1,
      total: hits.length,
      ...(end < hits.length ? { next: { command: 'topic', input: { topic: subject, limit }, offset: end } } : {}),
      visibility: 'ephemeral',
      shareable: true,
    };
  },
  complete: (_arg, partial, ctx) => {
    const p = partial.trim().toLowerCase();
    return ctx.library
      .topics()
      .filter((t) => t.count > 0 && (p === '' || t.name.includes(p)))
      .map((t) => ({ name: `${t.name} (${t.count})`, value: t.name }));
  },
});

/**
 * The line that tells the counted papers from the also related ones: papers 1 to `counted` are about
 * the words by the topic rule (what `ask "how many papers on …?"` counts); the rest are close matches
 * that do not meet it. Said on every page, from where the page starts.
 */
function partsNotice(subject: string, counted: number, offset: number, library: PaperLibrary): string {
  const s = clip(subject, 60);
  if (counted === 0) return `No paper has enough of these words in its title or abstract to be about "${s}"; the closest matches are below.`;
  const first = counted === 1 ? 'Paper 1 is' : `Papers 1-${counted} are`;
  const count = `what \`ask "how many papers on ${s}?"\` counts`;
  if (offset >= counted) return `Also related: close matches to "${s}" that do not meet the topic rule. ${first} about it, ${count}.`;
  const rule = library.topicRule(subject);
  const how = rule.kind === 'words' ? `: ${wordsRule(rule)}` : '';
  return `${first} about "${s}" by the topic rule, ${count}${how}. Also related, from ${counted + 1} on: close matches that do not meet the rule.`;
}
