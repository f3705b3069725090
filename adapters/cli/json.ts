// The CLI's JSON renderer: replies as machine-readable JSON for scripts (`--json`).
import type { Paper } from '../../src/papers/model.js';
import { paperJson } from '../../src/papers/model.js';
import { answerText, type PaperCard, type Reply } from '../../src/reply.js';

/** Looks a paper up by id, for the fields cards do not carry (the whole abstract). */
export type PaperLookup = (id: string) => Paper | undefined;

function cardJson(c: PaperCard, lookup: PaperLookup) {
  const p = lookup(c.id);
  return p
    ? paperJson(p)
    : {
        id: c.id,
        title: c.title,
        abstract: c.abstract ?? '',
        authors: c.authors,
        authorCount: c.authorCount,
        org: c.org,
        publishedAt: c.publishedAt,
        upvotes: c.upvotes,
        links: { page: c.url, arxivAbs: c.arxivUrl, pdf: c.pdfUrl },
      };
}

/**
 * The JSON of a reply. A list is an array of papers with rank, score, snippet and the list's total
 * (so a script can page with `--offset`); a period list (trending) is an object that also says which
 * period was asked for and which is shown, since an empty day is answered with an earlier one.
 * "No papers match" is an empty array: an answer, not a failure. An `ask` answer is
 * `{ answer, citations: [{ n, id, title }] }`, citations in the order of their numbers.
 */
export function replyJson(reply: Reply, lookup: PaperLookup): unknown {
  switch (reply.kind) {
    case 'answer':
      // NOTE: `answer` carries the [n] markers; with no sentence it is the reply's honest notice, or a paper's title (its details).
      return {
        answer: reply.sentences.length > 0 ? answerText(reply.sentences) : reply.notice || reply.cards[0]?.title || '',
        citations: reply.cards.map((c, i) => ({ n: i + 1, id: c.id, title: c.title })),
        ...(reply.related && reply.related.length > 0 ? { related: reply.related.map((c) => ({ id: c.id, title: c.title })) } : {}),
      };
    case 'papers': {
      const papers = reply.cards.map((c, i) => ({
        rank: reply.start + i,
        score: c.score ?? null,
        ...cardJson(c, lookup),
        snippet: c.snippet.map((s) => s.text).join(''),
        total: reply.total,
      }));
      if (!reply.period) return papers;
      return {
        asked: reply.period.asked,
        shown: reply.period.shown,
        ...(reply.notice ? { notice: reply.notice } : {}),
        total: reply.total,
        offset: reply.start - 1,
        papers,
      };
    }
    case 'paper':
      return cardJson(reply.card, lookup);
    case 'choices':
      return { choices: reply.choices.map((c) => ({ label: c.label, ...c.input })) };
    case 'error':
      return reply.code === 'no-match' ? [] : { error: reply.message, hints: reply.hints };
    case 'text':
      return { title: reply.title ?? null, lines: reply.lines };
  }
}

/**
 * `ask --json`: always `{ answer, citations }`, whatever the question was routed to, so a script
 * reads one shape. An answer is as {@link replyJson} gives it; a list (trending, a count, papers by
 * an organisation) or a paper's details has its heading as `answer` and its papers as numbered
 * citations, with the command's own JSON as `result`. Errors stay `{ error, hints }`.
 */
export function askJson(reply: Reply, lookup: PaperLookup): unknown {
  const numbered = (cards: readonly PaperCard[]) => cards.map((c, i) => ({ n: i + 1, id: c.id, title: c.title }));
  switch (reply.kind) {
    case 'answer': {
      // A paper's details (no sentence, one cited paper) carry the paper as `paper --json` prints it.
      const [only] = reply.cards;
      const details = reply.sentences.length === 0 && reply.cards.length === 1 && only;
      return details ? { ...(replyJson(reply, lookup) as object), result: cardJson(only, lookup) } : replyJson(reply, lookup);
    }
    case 'error':
      return replyJson(reply, lookup);
    case 'papers':
      return { answer: [reply.title, reply.notice].filter(Boolean).join(' '), citations: numbered(reply.cards), result: replyJson(reply, lookup) };
    case 'paper':
      return { answer: reply.card.title, citations: numbered([reply.card]), result: replyJson(reply, lookup) };
    case 'choices':
      return { answer: reply.title, citations: [], result: replyJson(reply, lookup) };
    case 'text':
      return { answer: [reply.title, ...reply.lines].filter(Boolean).join('\n'), citations: [], result: replyJson(reply, lookup) };
  }
}
