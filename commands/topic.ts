// topic: papers on a subject, most relevant first (ties: upvotes, then date); no subject lists known topics.
import { z } from 'zod';
import { paperCard } from '../src/cards.js';
import { defineCommand } from '../src/command.js';
import { UserError } from '../src/errors.js';
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
    const { hits, closest } = ctx.library.topic(subject);
    if (hits.length === 0) {
      throw new UserError(`No papers on "${clip(subject, 60)}" yet.`, ['Send `topic` alone to list known topics.']);
    }
    checkOffset(offset, hits.length, `topic "${clip(subject, 60)}"`, limit);
    const page = hits.slice(offset, offset + limit);
    const end = offset + page.length;
    return {
      kind: 'papers',
      title: `Topic: ${subject}`,
      ...(closest
        ? { notice: `No paper has enough of these words in its title or abstract to be about "${clip(subject, 60)}"; the closest matches are below.` }
        : {}),
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
