// A paper's details as an answer ("tell me about KIVI", "tell me more about 2"), and papers like one ("more like [2]").
import { paperCard } from '../cards.js';
import type { CommandContext } from '../command.js';
import { UserError } from '../errors.js';
import type { Paper } from '../papers/model.js';
import { clip } from '../reply.js';
import { heading, type Answered } from './replies.js';

/** Papers shown after a paper's details ("more like this"). */
export const RELATED = 3;
/** Papers shown for "more like [n]". */
export const SIMILAR = 5;

/** One paper's card with its whole abstract, and papers like it (numbered after it for follow-ups). */
export function detailsAnswer(paper: Paper, asked: string, ctx: CommandContext): Answered {
  const card = paperCard(paper);
  card.abstract = paper.abstract;
  const related = ctx.library.related(paper, RELATED);
  const ids = [paper.id, ...related.map((p) => p.id)];
  return {
    reply: {
      kind: 'answer',
      title: heading(asked),
      sentences: [],
      cards: [card],
      ...(related.length > 0 ? { related: related.map((p) => paperCard(p)) } : {}),
      visibility: 'ephemeral',
      shareable: true,
    },
    state: { question: paper.title, cited: ids, pool: ids },
  };
}

/** "More like [n]": papers like the n-th cited paper of the previous answer. */
export function similarAnswer(id: string, n: number, ctx: CommandContext): Answered {
  const paper = ctx.library.get(id);
  if (!paper) throw new UserError(`Paper [${n}] of the previous answer is no longer stored.`);
  const like = ctx.library.related(paper, SIMILAR);
  return {
    reply: {
      kind: 'papers',
      title: `More like [${n}]: ${clip(paper.title, 80)}`,
      ...(like.length === 0 ? { notice: 'No stored paper shares enough of what this one is about to be worth showing.' } : {}),
      cards: like.map((p) => paperCard(p)),
      start: 1,
      total: like.length,
      visibility: 'ephemeral',
      shareable: true,
    },
    state: { question: paper.title, cited: like.map((p) => p.id), pool: like.map((p) => p.id) },
  };
}
