// ask: a question in plain words, routed by intent; topic questions get a short answer with numbered citations.
import { z } from 'zod';
import { DEFAULT_PICK } from '../src/ask/answer.js';
import { candidatesOf, dateFilters, extractive, generative, moreLike, questionTerms, type Draft } from '../src/ask/compose.js';
import { threadKey } from '../src/ask/conversations.js';
import { route, type DateFilter, type Routed } from '../src/ask/intent.js';
import { paperCard } from '../src/cards.js';
import { defineCommand, type CommandContext } from '../src/command.js';
import { MAX_INPUT_CHARS } from '../src/dispatch.js';
import { UserError } from '../src/errors.js';
import type { Paper } from '../src/papers/model.js';
import { titleKey } from '../src/papers/model.js';
import { dateInZone, type Conversation } from '../src/ports.js';
import { clip, type Reply } from '../src/reply.js';
import { shownId } from '../src/screen.js';
import { parseQuery } from '../src/search/query.js';
import { normalName, titleName } from '../src/search/rank.js';
import { paper as paperCommand } from './paper.js';
import { search } from './search.js';
import { trending } from './trending.js';

/** Papers shown after a paper's details ("more like this"). */
const RELATED = 3;
/** The closest papers shown when nothing answers a question. */
const CLOSEST = 3;

export const GUIDE: Reply = {
  kind: 'text',
  title: 'Ask me about recent ML papers',
  lines: [
    "what's new on KV cache compression?",
    "what's trending this week?",
    'tell me about KIVI (or paste an arXiv id or a Hugging Face link)',
    'papers from Google since 2025',
    'how many papers on quantization since 2024?',
    'In a thread, follow up with: more like [2] · tell me more about 1 · only since 2025',
  ],
  visibility: 'ephemeral',
};

export const ask = defineCommand({
  name: 'ask',
  description: 'Ask a question; get a short answer with numbered citations',
  usage: "<question>, e.g. what's new on KV cache compression?",
  args: [
    { name: 'question', description: 'A question, e.g. "what\'s new on KV cache compression?"', type: 'string', required: true, maxLength: MAX_INPUT_CHARS },
  ],
  options: z.object({ question: z.string().default('') }),
  fromText: (text) => ({ question: text }),
  run: async ({ question }, ctx) => {
    const q = question.trim();
    if (q.length > MAX_INPUT_CHARS) throw new UserError(`That question is ${q.length} characters long; please keep it to ${MAX_INPUT_CHARS} at most.`);
    const key = threadKey(ctx.caller);
    const previous = key ? ctx.conversations?.get(key) : undefined;
    const today = dateInZone(ctx.clock.now(), ctx.timeZone);
    const routed = route(questionWords(q), { today, followUp: previous !== undefined, namesPaper: (ref) => namesPaper(ref, ctx) });
    ctx.logger.debug({ route: routed.route, intent: routed.intent.kind }, 'ask routed');
    const { reply, state } = await answer(routed, q, previous, ctx);
    if (key && state) remember(ctx, key, state);
    return reply;
  },
});

type Answered = { reply: Reply; state?: Conversation };

/**
 * The words of a question: pings (`@everyone`, `<!channel>`, `<@U…>`), HTML tags and scripts, and
 * Markdown emphasis are not what it is about, so they are neither searched nor answered. The reply
 * still shows the question as typed (escaped by each renderer).
 */
export function questionWords(q: string): string {
  return q
    .replace(/<script\b[\s\S]*?(?:<\/script>|$)/gi, ' ')
    .replace(/<[@#!][^>]*>/g, ' ')
    .replace(/(^|\s)@(?:everyone|here|channel)\b/gi, ' ')
    .replace(/<\/?[a-z][^>]*>/gi, ' ')
    .replace(/\[([^\]]*)\]\((?:[^)]*)\)/g, '$1')
    .replace(/(\*\*|__|~~|`+)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

async function answer(routed: Routed, asked: string, previous: Conversation | undefined, ctx: CommandContext): Promise<Answered> {
  const { intent, dates } = routed;
  switch (intent.kind) {
    case 'guide':
      return { reply: GUIDE };
    case 'trending':
      return { reply: await trending.run(trending.options.parse({ date: intent.period }), ctx) };
    case 'paper':
      return paperDetails(intent.ref, asked, ctx);
    case 'detail':
      return paperDetails(citedId(previous, intent.n), asked, ctx);
    case 'more-like':
      return similar(citedId(previous, intent.n), intent.n, ctx);
    case 'count':
      return count(intent.topic, dates, ctx);
    case 'by':
      return byWho(intent.who, intent.topic, dates, ctx);
    case 'refilter':
      return refilter(previous as Conversation, dates, ctx);
    case 'no-previous':
      throw new UserError('There is no earlier answer here to follow up on.', [
        "Follow-ups (`more like [2]`, `tell me more about 1`, `only since 2025`) work in the thread of an answer, for a day. Ask a question first, e.g. `what's new on KV cache compression?`",
      ]);
    case 'question':
      return topicAnswer(routed.text, intent.topic, dates, asked, ctx);
  }
}

function remember(ctx: CommandContext, key: string, state: Conversation): void {
  try {
    ctx.conversations?.put(key, state);
  } catch (e) {
    // A read-only database still answers; only the follow-up is lost.
    ctx.logger.warn({ err: e, key }, 'could not keep the conversation for follow-ups');
  }
}

/** Whether text names one stored paper by id, exact title or title name (`KIVI`, `A-MEM`): what makes "tell me about X" a paper. */
function namesPaper(ref: string, ctx: CommandContext): boolean {
  const text = ref.trim();
  if (text.length < 2 || text.length > 300) return false;
  if (ctx.library.get(text)) return true;
  const name = normalName(text);
  const key = titleKey(text).toLowerCase();
  for (const s of ctx.library.completeTitles(text, 5)) {
    if (titleKey(s.title).toLowerCase() === key || (name !== '' && titleName(s.title) === name)) return true;
  }
  return false;
}

/** The paper shown as number `n` in the last numbered list of this thread (an answer's, a search's, …). */
function citedId(previous: Conversation | undefined, n: number): string {
  const found = shownId(previous, n);
  if (!found.ok) throw new UserError(found.message, ["Ask a new question, e.g. `what's new on KV cache compression?`"]);
  return found.id;
}

/** A paper's details, with papers like it; several matches give the paper command's pick list. */
async function paperDetails(ref: string, asked: string, ctx: CommandContext): Promise<Answered> {
  const found = ctx.library.get(ref) ? [ctx.library.get(ref) as Paper] : ctx.library.findPapers(ref);
  const [only] = found;
  if (!only || found.length > 1) return { reply: await paperCommand.run({ id: ref }, ctx) };
  const card = paperCard(only);
  card.abstract = only.abstract;
  const related = moreLike(only, ctx.library, RELATED);
  return {
    reply: {
      kind: 'answer',
      title: clip(asked.replace(/\s+/g, ' '), 120),
      sentences: [],
      cards: [card],
      ...(related.length > 0 ? { related: related.map((p) => paperCard(p)) } : {}),
      visibility: 'ephemeral',
      shareable: true,
    },
    state: { question: only.title, cited: [only.id, ...related.map((p) => p.id)], pool: [only.id, ...related.map((p) => p.id)] },
  };
}

/** "More like [n]": papers like the n-th cited paper of the previous answer. */
async function similar(id: string, n: number, ctx: CommandContext): Promise<Answered> {
  const paper = ctx.library.get(id);
  if (!paper) throw new UserError(`Paper [${n}] of the previous answer is no longer stored.`);
  const like = moreLike(paper, ctx.library, 5);
  return {
    reply: {
      kind: 'papers',
      title: `More like [${n}]: ${clip(paper.title, 80)}`,
      cards: like.map((p) => paperCard(p)),
      start: 1,
      total: like.length,
      visibility: 'ephemeral',
      shareable: true,
    },
    state: { question: paper.title, cited: like.map((p) => p.id), pool: like.map((p) => p.id) },
  };
}

function datePhrase(d: DateFilter): string {
  if (d.since && d.until) return ` from ${d.since} to ${d.until}`;
  if (d.since) return ` since ${d.since}`;
  if (d.until) return ` until ${d.until}`;
  return '';
}

/** "How many papers on X since June?": the count, and the best few. */
async function count(topic: string, dates: DateFilter, ctx: CommandContext): Promise<Answered> {
  const filters = dateFilters(dates);
  if (topic === '' && filters === '') return { reply: GUIDE };
  const page = searchOrNull(`${topic} ${filters}`, CLOSEST, ctx);
  const what = topic === '' ? 'papers' : `papers on "${clip(topic, 80)}"`;
  const total = page?.total ?? 0;
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
  return {
    reply: {
      kind: 'papers',
      title: `${total} ${total === 1 ? what.replace(/^papers/, 'paper') : what}${datePhrase(dates)}`,
      cards: (page?.hits ?? []).map((h) => paperCard(h.paper, h.snippet, h.score)),
      start: 1,
      total,
      ...(page && total > page.hits.length
        ? { next: { command: 'search', input: { query: `${topic} ${filters}`.trim(), limit: 5 }, offset: page.hits.length } }
        : {}),
      visibility: 'ephemeral',
      shareable: true,
    },
    state: page ? { question: topic, cited: page.hits.map((h) => h.id), pool: page.hits.map((h) => h.id) } : undefined,
  };
}

/** "Papers from Google this year": the org filter, else the name among the authors. */
async function byWho(who: string, topic: string, dates: DateFilter, ctx: CommandContext): Promise<Answered> {
  const name = who.replace(/["“”]/g, '').trim();
  const filters = dateFilters(dates);
  const heading = `Papers from ${clip(name, 60)}${topic ? ` on ${clip(topic, 60)}` : ''}${datePhrase(dates)}`;
  for (const query of [`${topic} org:"${name}" ${filters}`, `${topic} ${name} ${filters}`]) {
    const page = searchOrNull(query, 5, ctx);
    if (page && page.total > 0) {
      const reply = await search.run({ query: query.trim(), offset: 0, limit: 5 }, ctx);
      if (reply.kind === 'papers')
        return {
          reply: { ...reply, title: heading },
          state: { question: `${topic} ${name}`.trim(), cited: reply.cards.map((c) => c.id), pool: reply.cards.map((c) => c.id) },
        };
    }
  }
  return { reply: noAnswer(heading, `I couldn't find papers from "${clip(name, 60)}"${datePhrase(dates)}.`) };
}

/** "Only since 2025": the previous question again, over the previous answer's papers within the new dates. */
async function refilter(previous: Conversation, dates: DateFilter, ctx: CommandContext): Promise<Answered> {
  const inPool = new Set(previous.pool);
  const papers = previous.pool.flatMap((id) => ctx.library.get(id) ?? []);
  const kept = papers.filter((p) => p.publishedAt !== null && (!dates.since || p.publishedAt >= dates.since) && (!dates.until || p.publishedAt <= dates.until));
  const title = `${clip(previous.question, 80)}${datePhrase(dates)}`;
  if (kept.length === 0) {
    return { reply: noAnswer(title, `None of the previous answer's ${papers.length} papers was published${datePhrase(dates)}.`) };
  }
  const page = searchOrNull(`${previous.question} ${dateFilters(dates)}`, 50, ctx);
  const ranked = (page?.hits ?? []).filter((h) => inPool.has(h.id));
  const top = ranked[0]?.score ?? 1;
  const candidates = ranked.length > 0 ? ranked.map((h) => ({ paper: h.paper, relevance: h.score / top })) : kept.map((paper) => ({ paper, relevance: 1 }));
  return draftReply(title, previous.question, questionTerms(previous.question), candidates, datePhrase(dates), ctx);
}

/** A search that matches nothing is null here (a UserError only when the user's own filter words are wrong). */
function searchOrNull(query: string, limit: number, ctx: CommandContext) {
  const parsed = parseQuery(query);
  if (!parsed.ok) throw UserError.from(parsed.error);
  const q = parsed.value;
  if (q.terms.length === 0 && !q.since && !q.until && !q.org) return null;
  return ctx.library.search(query, 0, limit);
}

/** A question about a topic: the answer with citations, or an honest "I found no papers on …". */
async function topicAnswer(text: string, topic: string, dates: DateFilter, asked: string, ctx: CommandContext): Promise<Answered> {
  const shown = clip((topic || text).replace(/\s+/g, ' '), 80);
  const parsed = parseQuery(text);
  if (!parsed.ok) throw UserError.from(parsed.error);
  if (topic === '' || parsed.value.terms.length === 0) {
    return {
      reply: noAnswer(
        clip(asked.replace(/\s+/g, ' '), 120),
        `I couldn't find anything to look up in "${clip(asked.replace(/\s+/g, ' '), 60)}". Ask about a topic in English, e.g. "what's new on KV cache compression?"`,
      ),
    };
  }
  const page = ctx.library.search(`${text} ${dateFilters(dates)}`, 0, DEFAULT_PICK.pool);
  if (page.total === 0) {
    const topics = ctx.library.relatedTopics(text, 4);
    const hints = [
      ...(page.suggestions.length > 0 ? [`Did you mean: ${page.suggestions.join(', ')}?`] : []),
      ...(topics.length > 0 ? [`Related topics: ${topics.join(' · ')}.`] : []),
    ];
    return { reply: noAnswer(clip(asked.replace(/\s+/g, ' '), 120), [`I couldn't find papers on "${shown}"${datePhrase(dates)}.`, ...hints].join(' ')) };
  }
  // A question most of whose words no paper has (another language, gibberish) is not answered from the rest.
  const typed = parsed.value.terms.filter((t) => !t.of).length;
  if (page.unmatched.length * 2 >= typed) {
    const words = page.unmatched.slice(0, 4).map((w) => `"${clip(w, 30)}"`);
    return {
      reply: noAnswer(
        clip(asked.replace(/\s+/g, ' '), 120),
        `I couldn't find papers on "${shown}": no paper has the words ${words.join(', ')}. The closest are below.`,
        page.hits.slice(0, CLOSEST).map((h) => h.paper),
      ),
    };
  }
  return draftReply(clip(asked.replace(/\s+/g, ' '), 120), text, questionTerms(text, page.corrected), candidatesOf(page), datePhrase(dates), ctx, shown);
}

/** An answer that says honestly why there is none (no sentence, so nothing is claimed without a source). */
function noAnswer(title: string, notice: string, related: readonly Paper[] = []): Reply {
  return {
    kind: 'answer',
    title,
    notice,
    sentences: [],
    cards: [],
    ...(related.length > 0 ? { related: related.map((p) => paperCard(p)) } : {}),
    visibility: 'ephemeral',
    shareable: false,
  };
}

async function draftReply(
  title: string,
  question: string,
  terms: ReadonlySet<string>,
  candidates: ReturnType<typeof candidatesOf>,
  period: string,
  ctx: CommandContext,
  shown = clip(question, 80),
): Promise<Answered> {
  const draft: Draft = (ctx.writer ? await generative(ctx.writer, question, candidates, ctx.logger) : null) ?? extractive(terms, candidates);
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
