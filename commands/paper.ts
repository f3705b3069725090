// paper: one paper's details, by id or title words; several matches give a short pick list.
import { z } from 'zod';
import { paperCard } from '../src/cards.js';
import { defineCommand } from '../src/command.js';
import { arxivIdOf } from '../src/papers/model.js';
import { UserError } from '../src/errors.js';
import { clip } from '../src/reply.js';
import { nothingToLookUp } from '../src/search/query.js';
import { textOption } from './options.js';

export const paper = defineCommand({
  name: 'paper',
  description: "A paper's details by arXiv id or title words",
  usage: '<arXiv id | title words>',
  args: [{ name: 'id', description: 'arXiv id or title words', type: 'string', required: true, autocomplete: true, maxLength: 500 }],
  options: z.object({ id: textOption.pipe(z.string().min(1, 'give an arXiv id or some title words, e.g. `paper Informer`')) }),
  fromText: (text) => ({ id: text }),
  run: async ({ id }, ctx) => {
    const arxiv = arxivIdOf(id);
    if (arxiv && !ctx.library.get(id)) {
      throw new UserError(`No paper with arXiv id ${arxiv} is stored.`, [
        'Papers read from Daily Papers page dumps carry no arXiv id; look them up by title words, e.g. `paper KIVI`.',
      ]);
    }
    const found = ctx.library.findPapers(id);
    // Text with no words ("🚀", "!!") names no paper: close matches for it would be noise.
    if (found.length !== 1 && !arxiv && nothingToLookUp(id)) {
      throw new UserError(`"${clip(id, 60)}" has no words I can look a paper up by.`, ['Give an arXiv id or some title words, e.g. `paper Informer`.']);
    }
    const [only] = found;
    if (!only) {
      const sug = ctx.library.completeTitles(id, 3).map((t) => t.title);
      throw new UserError(
        `No paper matches "${clip(id, 60)}".`,
        sug.length > 0 ? [`Closest titles: ${sug.join(' | ')}`] : ['Try `search` with a few topic words.'],
      );
    }
    if (found.length === 1) {
      const card = paperCard(only);
      card.abstract = only.abstract;
      return { kind: 'paper', card, visibility: 'ephemeral', shareable: true };
    }
    return {
      kind: 'choices',
      title: `${found.length} papers match "${id}". Which one?`,
      choices: found.map((p) => ({ label: p.title, command: `paper ${p.id}`, input: { id: p.id } })),
      visibility: 'ephemeral',
    };
  },
  complete: (_arg, partial, ctx) => ctx.library.completeTitles(partial, 25).map((t) => ({ name: clip(t.title, 100), value: t.id })),
});
