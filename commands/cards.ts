// cards: the cards of the papers linked in a message (arXiv, Hugging Face, alphaXiv links), fetching papers not stored yet.
import { z } from 'zod';
import { paperCard } from '../src/cards.js';
import { defineCommand } from '../src/command.js';
import { UserError } from '../src/errors.js';
import { linksToCard, MAX_LINK_CARDS, paperLinksIn } from '../src/links/parse.js';
import type { Paper } from '../src/papers/model.js';
import type { PaperCard } from '../src/reply.js';

/** What counts as a paper link, for the message that finds none. */
export const LINK_KINDS = 'arxiv.org (abs, pdf or html), huggingface.co/papers, hf.co/papers or alphaxiv.org';

export const cards = defineCommand({
  name: 'cards',
  description: 'Cards for the papers linked in a message (arXiv, Hugging Face, alphaXiv links)',
  usage: '<paper links>',
  args: [{ name: 'links', description: 'One or more paper links', type: 'string', required: true, maxLength: 500 }],
  // NOTE: adapters pass the URLs they found (`links`, any number: only the first papers get cards); typed text is scanned.
  options: z.object({
    links: z.union([z.string(), z.array(z.string().max(4_000)).max(100)]).default(''),
  }),
  fromText: (text) => ({ links: text }),
  run: async ({ links: given }, ctx) => {
    const links = linksToCard(paperLinksIn(given));
    if (links.length === 0) {
      throw new UserError('I see no paper links there.', [`Paper links are ${LINK_KINDS} links, e.g. \`cards https://arxiv.org/abs/2402.02750\`.`]);
    }
    const where = ctx.caller?.channel ?? ctx.caller?.user ?? '';
    const resolved = ctx.links ? await ctx.links.resolve(links, where) : links.map((link) => ({ link, paper: ctx.library.get(link.arxivId) ?? null }));
    const shown = new Map<string, Paper>();
    for (const r of resolved) if (r.paper && !shown.has(r.paper.id)) shown.set(r.paper.id, r.paper);
    const missing = new Set(resolved.filter((r) => !r.paper).map((r) => r.link.arxivId));
    if (shown.size === 0) {
      throw new UserError(
        missing.size === 1 ? `I could not find the linked paper (arXiv ${[...missing][0] ?? ''}).` : `I could not find the ${missing.size} linked papers.`,
        [`Hugging Face may not know ${missing.size === 1 ? 'it' : 'them'} yet, or could not be reached; \`search\` finds stored papers by topic words.`],
      );
    }
    const notes: string[] = [];
    if (missing.size > 0) notes.push(`Not found: arXiv ${[...missing].join(', ')}.`);
    if (new Set(paperLinksIn(given).map((l) => l.arxivId)).size > MAX_LINK_CARDS) notes.push(`Cards for the first ${MAX_LINK_CARDS} papers only.`);
    const list: PaperCard[] = [...shown.values()].map((p) => paperCard(p));
    return {
      kind: 'papers',
      title: list.length === 1 ? 'The linked paper' : `The ${list.length} linked papers`,
      ...(notes.length > 0 ? { notice: notes.join(' ') } : {}),
      cards: list,
      start: 1,
      total: list.length,
      visibility: 'ephemeral',
      shareable: false,
    };
  },
});
