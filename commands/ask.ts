// ask: a question in plain words, routed by what it asks to one answer shape (src/ask/: count, list, synthesis, details).
import { z } from 'zod';
import { threadKey } from '../src/ask/conversations.js';
import { countAnswer } from '../src/ask/count.js';
import { detailsAnswer, similarAnswer } from '../src/ask/details.js';
import { route, type DateFilter, type Routed } from '../src/ask/intent.js';
import { listAnswer } from '../src/ask/list.js';
import { datePhrase, noAnswer, searchOrNull, type Answered } from '../src/ask/replies.js';
import { refilterAnswer, synthesisAnswer } from '../src/ask/synthesis.js';
import { dateFilters } from '../src/ask/compose.js';
import { defineCommand, type CommandArg, type CommandContext } from '../src/command.js';
import { MAX_INPUT_CHARS } from '../src/dispatch.js';
import { UserError } from '../src/errors.js';
import type { Paper } from '../src/papers/model.js';
import { titleKey } from '../src/papers/model.js';
import { dateInZone, type Conversation } from '../src/ports.js';
import { clip, type Reply } from '../src/reply.js';
import { shownId } from '../src/screen.js';
import { normalName, titleName } from '../src/search/ranking/names.js';
import { paging } from './options.js';
import { paper as paperCommand } from './paper.js';
import { search } from './search.js';
import { trending } from './trending.js';

/** The paging of list and count answers (only `offset` is an option of ask). */
const PAGING = paging(5, 50);

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
    // NOTE: "More" under a list or a count asks the same question again from here.
    PAGING.args.find((a) => a.name === 'offset') as CommandArg,
  ],
  options: z.object({ question: z.string().default(''), offset: PAGING.shape.offset }),
  fromText: (text) => ({ question: text }),
  run: async ({ question, offset }, ctx) => {
    const q = question.trim();
    if (q.length > MAX_INPUT_CHARS) throw new UserError(`That question is ${q.length} characters long; please keep it to ${MAX_INPUT_CHARS} at most.`);
    const key = threadKey(ctx.caller);
    const previous = key ? await ctx.conversations?.get(key) : undefined;
    const today = dateInZone(ctx.clock.now(), ctx.timeZone);
    const routed = route(questionWords(q), { today, followUp: previous !== undefined, namesPaper: (ref) => namesPaper(ref, ctx) });
    ctx.logger.debug({ route: routed.route, intent: routed.intent.kind }, 'ask routed');
    const { reply, state } = await answer(routed, q, previous, offset, ctx);
    if (key && state) await remember(ctx, key, state);
    return reply;
  },
});

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

async function answer(routed: Routed, asked: string, previous: Conversation | undefined, offset: number, ctx: CommandContext): Promise<Answered> {
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
      return similarAnswer(citedId(previous, intent.n), intent.n, ctx);
    case 'count':
      return countAnswer(asked, intent.topic, dates, offset, ctx) ?? { reply: GUIDE };
    case 'by':
      return byWho(intent.who, intent.topic, dates, ctx);
    case 'refilter':
      return refilterAnswer(previous as Conversation, dates, ctx);
    case 'no-previous':
      throw new UserError('There is no earlier answer here to follow up on.', [
        "Follow-ups (`more like [2]`, `tell me more about 1`, `only since 2025`) work in the thread of an answer, for a day. Ask a question first, e.g. `what's new on KV cache compression?`",
      ]);
    case 'list':
      // A list is the papers themselves (never a model's words); no paper matching is said by the synthesis path.
      return listAnswer(asked, intent.topic, dates, offset, ctx) ?? synthesisAnswer(routed.text, intent.topic, dates, asked, ctx);
    case 'question':
      return synthesisAnswer(routed.text, intent.topic, dates, asked, ctx);
  }
}

async function remember(ctx: CommandContext, key: string, state: Conversation): Promise<void> {
  try {
    await ctx.conversations?.put(key, state);
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
  return detailsAnswer(only, asked, ctx);
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
