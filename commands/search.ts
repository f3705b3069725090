// search: full-text search over the stored papers.
import { z } from 'zod';
import { paperCard } from '../src/cards.js';
import { defineCommand } from '../src/command.js';
import { UserError } from '../src/errors.js';
import type { SearchPage } from '../src/library.js';
import { dateInZone } from '../src/ports.js';
import { clip } from '../src/reply.js';
import { MAX_QUERY_TERMS } from '../src/search/query.js';
import { MAX_TERM_LENGTH } from '../src/search/analysis/tokenizer.js';
import { helpReply } from './help.js';
import { checkOffset, paging, textOption } from './options.js';

const PAGING = paging(5, 50);

export const search = defineCommand({
  name: 'search',
  description: 'Search papers by topic words or a whole question',
  usage: '<words or question> [since:YYYY[-MM[-DD]]] [until:…] [org:name] [-exclude] [today | yesterday | this week | last week | this month | last month]',
  args: [
    { name: 'query', description: 'Words or a question, e.g. "kv cache quantization since:2025"', type: 'string', required: true, maxLength: 500 },
    ...PAGING.args,
  ],
  options: z.object({ query: textOption, ...PAGING.shape }),
  fromText: (text) => ({ query: text }),
  run: async ({ query, offset, limit }, ctx) => {
    if (query === '') return helpReply(ctx.commands, 'search');
    // NOTE: "today", "this week", … are the bot's calendar in its time zone, as for trending.
    const page = ctx.library.search(query, offset, limit, { today: dateInZone(ctx.clock.now(), ctx.timeZone) });
    const period = page.query.period?.range ? `${page.query.period.phrase} (${page.query.since} to ${page.query.until})` : null;
    if (page.total === 0) {
      const hints = page.suggestions.length > 0 ? [`Did you mean: ${page.suggestions.join(', ')}?`] : [];
      const topics = ctx.library.relatedTopics(query, 4);
      if (topics.length > 0) hints.push(`Related topics: ${topics.join(' · ')} (try \`topic <name>\`)`);
      hints.push(page.query.since || page.query.until || page.query.org ? 'Dropping a filter may help.' : 'Fewer or more general words may help.');
      const limits = incompleteNotice(page);
      if (limits) hints.push(limits);
      if (period) hints.unshift(`Only papers from ${period} were searched.`);
      throw new UserError(`No papers match "${clip(query, 80)}".`, hints, 'no-match');
    }
    checkOffset(offset, page.total, `"${clip(query, 60)}"`, limit);
    const shownEnd = offset + page.hits.length;
    // The bounds' notice first: it says the list itself may be short.
    const notices: string[] = [];
    const limits = incompleteNotice(page);
    if (limits) notices.push(limits);
    if (period) notices.push(`Papers from ${period}.`);
    const missing = unmatchedNotice(page);
    if (missing) notices.push(missing);
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

/**
 * The words that matched nothing and the words the results are about, so a search that quietly
 * lost a word says so (`No paper mentions "protein"; showing papers on "folding".`); null when every word matched.
 */
function unmatchedNotice(page: SearchPage): string | null {
  if (page.unmatched.length === 0) return null;
  const missing = new Set(page.unmatched);
  const quoted = (ws: readonly string[], n: number) =>
    `${ws
      .slice(0, n)
      .map((w) => `"${w}"`)
      .join(', ')}${ws.length > n ? ` and ${ws.length - n} more` : ''}`;
  const rest = page.query.terms.filter((t) => !t.of && !missing.has(t.word)).map((t) => t.word);
  return `No paper mentions ${quoted(page.unmatched, 4)}; showing papers on ${clip(quoted(rest, 6), 80)}.`;
}

/** What the bounds on one search left out (STYLE habit 17), as one sentence; null when nothing was. */
function incompleteNotice(page: SearchPage): string | null {
  const parts: string[] = [];
  if (page.query.dropped.length > 0) parts.push(`only the first ${MAX_QUERY_TERMS} words were searched (ignored: ${clip(page.query.dropped.join(' '), 60)})`);
  if (page.query.tooLong.length > 0) parts.push(`words longer than ${MAX_TERM_LENGTH} characters were not searched`);
  if (page.incomplete) parts.push('close spellings and related word forms were not tried for every word, to answer in time');
  return parts.length > 0 ? `Results may be incomplete: ${parts.join('; ')}.` : null;
}
