// search: full-text search over the stored papers.
import { z } from 'zod';
import { paperCard } from '../src/cards.js';
import { defineCommand } from '../src/command.js';
import { UserError } from '../src/errors.js';
import { clip } from '../src/reply.js';
import { helpReply } from './help.js';
import { checkOffset, paging, textOption } from './options.js';

const PAGING = paging(5, 50);

export const search = defineCommand({
  name: 'search',
  description: 'Search papers by topic words or a whole question',
  usage: '<words or question> [since:YYYY[-MM[-DD]]] [until:…] [org:name] [-exclude]',
  args: [
    { name: 'query', description: 'Words or a question, e.g. "kv cache quantization since:2025"', type: 'string', required: true, maxLength: 500 },
    ...PAGING.args,
  ],
  options: z.object({ query: textOption, ...PAGING.shape }),
  fromText: (text) => ({ query: text }),
  run: async ({ query, offset, limit }, ctx) => {
    if (query === '') return helpReply(ctx.commands, 'search');
    const page = ctx.library.search(query, offset, limit);
    if (page.total === 0) {
      const hints = page.suggestions.length > 0 ? [`Did you mean: ${page.suggestions.join(', ')}?`] : [];
      const topics = ctx.library.relatedTopics(query, 4);
      if (topics.length > 0) hints.push(`Related topics: ${topics.join(' · ')} (try \`topic <name>\`)`);
      hints.push(page.query.since || page.query.until || page.query.org ? 'Dropping a filter may help.' : 'Fewer or more general words may help.');
      throw new UserError(`No papers match "${clip(query, 80)}".`, hints, 'no-match');
    }
    checkOffset(offset, page.total, `"${clip(query, 60)}"`, limit);
    const shownEnd = offset + page.hits.length;
    const notices: string[] = [];
    if (page.corrected.length > 0) {
      notices.push(
        `No exact match for ${page.corrected.map((c) => `"${c.word}"`).join(', ')}; read as ${page.corrected.map((c) => c.to.map((t) => `"${t}"`).join(' or ')).join(', ')}.`,
      );
    } else if (page.fuzzy) {
      notices.push('No exact match for some words; showing close spellings.');
    }
    return {
      kind: 'papers',
      title: `Search: ${clip(query.replace(/\s+/g, ' '), 80)}`,
      ...(notices.length > 0 ? { notice: notices.join(' ') } : {}),
      cards: page.hits.map((h) => paperCard(h.paper, h.snippet, h.score)),
      start: offset + 1,
      total: page.total,
      ...(shownEnd < page.total ? { next: { command: 'search', input: { query, limit }, offset: shownEnd } } : {}),
      visibility: 'ephemeral',
      shareable: true,
    };
  },
});
