// "How / why / what is / compare A and B": a short answer whose sentences say what papers propose or find, each cited.
import { paperCard } from '../cards.js';
import type { CommandContext } from '../command.js';
import type { Conversation } from '../ports.js';
import { clip } from '../reply.js';
import { DEFAULT_PICK, numberCitations } from './answer.js';
import { candidatesOf, extractive, generative, lookUp, questionTerms, type Draft } from './compose.js';
import type { DateFilter } from './intent.js';
import { CLOSEST, datePhrase, heading, noAnswer, type Answered } from './replies.js';

/** "compare A and B", "A vs B", "difference between A and B": the two sides, else null. */
export function comparedSides(text: string): [string, string] | null {
  const m =
    /^(?:how\s+does\s+|how\s+do\s+)?(?:compare|comparing|contrast)\s+(.+?)\s+(?:and|with|to|vs\.?|versus)\s+(.+?)\s*[?.!]*$/i.exec(text) ??
    /^(?:what(?:'s| is| are)\s+)?(?:the\s+)?differences?\s+between\s+(.+?)\s+and\s+(.+?)\s*[?.!]*$/i.exec(text) ??
    /^(.+?)\s+(?:vs\.?|versus)\s+(.+?)\s*[?.!]*$/i.exec(text);
  if (!m) return null;
  const a = (m[1] ?? '').trim();
  const b = (m[2] ?? '').trim();
  return a && b ? [a, b] : null;
}

/** A question about a topic: the answer with citations, or an honest "I found no papers on …". */
export async function synthesisAnswer(text: string, topic: string, dates: DateFilter, asked: string, ctx: CommandContext): Promise<Answered> {
  const shown = clip((topic || text).replace(/\s+/g, ' '), 80);
  // NOTE: the question's words are analysed here, once; the search and the sentence picker share the result.
  const query = lookUp(text, dates);
  if (topic === '' || query.terms.length === 0) {
    return {
      reply: noAnswer(
        heading(asked),
        `I couldn't find anything to look up in "${clip(asked.replace(/\s+/g, ' '), 60)}". Ask about a topic in English, e.g. "what's new on KV cache compression?"`,
      ),
    };
  }
  const sides = comparedSides(text);
  if (sides) {
    const compared = compare(sides, dates, ctx);
    if (compared) return draftAnswer(heading(asked), text, compared, datePhrase(dates), shown);
  }
  const page = ctx.library.search(query, 0, DEFAULT_PICK.pool);
  if (page.total === 0) {
    const topics = ctx.library.relatedTopics(query, 4);
    const hints = [
      ...(page.suggestions.length > 0 ? [`Did you mean: ${page.suggestions.join(', ')}?`] : []),
      ...(topics.length > 0 ? [`Related topics: ${topics.join(' · ')}.`] : []),
    ];
    return { reply: noAnswer(heading(asked), [`I couldn't find papers on "${shown}"${datePhrase(dates)}.`, ...hints].join(' ')) };
  }
  // A question most of whose words no paper has (another language, gibberish) is not answered from the rest.
  const typed = query.terms.filter((t) => !t.of).length;
  if (page.unmatched.length * 2 >= typed) {
    const words = page.unmatched.slice(0, 4).map((w) => `"${clip(w, 30)}"`);
    return {
      reply: noAnswer(
        heading(asked),
        `I couldn't find papers on "${shown}": no paper has the words ${words.join(', ')}. The closest are below.`,
        page.hits.slice(0, CLOSEST).map((h) => h.paper),
      ),
    };
  }
  const candidates = candidatesOf(page);
  const draft =
    (ctx.writer ? await generative(ctx.writer, text, candidates, ctx.logger) : null) ??
    extractive(questionTerms(query, page.corrected), candidates, DEFAULT_PICK, ctx.library.corpus());
  return draftAnswer(heading(asked), text, draft, datePhrase(dates), shown);
}

/**
 * "Compare A and B": the best sentences on A and those on B, half the answer each, so both are
 * cited. Null when either side finds nothing (the question is then answered as one).
 */
function compare([a, b]: [string, string], dates: DateFilter, ctx: CommandContext): Draft | null {
  const half = { ...DEFAULT_PICK, maxSentences: Math.max(1, Math.ceil(DEFAULT_PICK.maxSentences / 2)) };
  const drafts = [a, b].map((side) => {
    const query = lookUp(side, dates);
    if (query.terms.length === 0) return null;
    const page = ctx.library.search(query, 0, DEFAULT_PICK.pool);
    return page.total === 0 ? null : extractive(questionTerms(query, page.corrected), candidatesOf(page), half);
  });
  const [da, db] = drafts;
  if (!da || !db || da.sentences.length === 0 || db.sentences.length === 0) return null;
  const byNumber = (d: Draft) => d.sentences.map((s) => ({ text: s.text, paperIds: s.cites.map((n) => d.cited[n - 1]?.id ?? '') }));
  const { sentences, papers } = numberCitations([...byNumber(da), ...byNumber(db)]);
  const all = new Map([...da.pool, ...db.pool].map((p) => [p.id, p]));
  return { sentences, cited: papers.flatMap((id) => all.get(id) ?? []), pool: [...all.values()], generated: false };
}

/** "Only since 2025": the previous question again, over the previous answer's papers within the new dates. */
export async function refilterAnswer(previous: Conversation, dates: DateFilter, ctx: CommandContext): Promise<Answered> {
  const inPool = new Set(previous.pool);
  const papers = previous.pool.flatMap((id) => ctx.library.get(id) ?? []);
  const kept = papers.filter((p) => p.publishedAt !== null && (!dates.since || p.publishedAt >= dates.since) && (!dates.until || p.publishedAt <= dates.until));
  const title = `${clip(previous.question, 80)}${datePhrase(dates)}`;
  if (kept.length === 0) {
    return { reply: noAnswer(title, `None of the previous answer's ${papers.length} papers was published${datePhrase(dates)}.`) };
  }
  const query = lookUp(previous.question, dates);
  const page = ctx.library.search(query, 0, 50);
  const ranked = page.hits.filter((h) => inPool.has(h.id));
  const top = ranked[0]?.score ?? 1;
  const candidates = ranked.length > 0 ? ranked.map((h) => ({ paper: h.paper, relevance: h.score / top })) : kept.map((paper) => ({ paper, relevance: 1 }));
  const draft =
    (ctx.writer ? await generative(ctx.writer, previous.question, candidates, ctx.logger) : null) ??
    extractive(questionTerms(query, page.corrected), candidates, DEFAULT_PICK, ctx.library.corpus());
  return draftAnswer(title, previous.question, draft, datePhrase(dates), clip(previous.question, 80));
}

function draftAnswer(title: string, question: string, draft: Draft, period: string, shown: string): Answered {
  const pool = draft.pool.map((p) => p.id);
  if (draft.sentences.length === 0) {
    const closest = draft.pool.slice(0, CLOSEST);
    return {
      reply: noAnswer(title, `I found no papers on "${shown}"${period}; the closest are below.`, closest),
      state: { question, cited: closest.map((p) => p.id), pool },
    };
  }
  return {
    reply: {
      kind: 'answer',
      title,
      ...(period ? { notice: `Papers${period}.` } : {}),
      sentences: draft.sentences,
      cards: draft.cited.map((p) => paperCard(p)),
      visibility: 'ephemeral',
      shareable: true,
    },
    state: { question, cited: draft.cited.map((p) => p.id), pool },
  };
}
