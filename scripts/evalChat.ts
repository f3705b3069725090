// npm run eval, part three: the chat questions (eval/chat-questions.json) asked through the real `ask` command, as a user's go, and what an answer cites and counts.
import { commands } from '../commands/index.js';
import { createApp } from '../src/app.js';
import { silentLogger } from '../src/logger.js';
import type { Paper } from '../src/papers/model.js';
import type { Reply } from '../src/reply.js';
import { openDatabase } from '../src/store/database.js';
import { FEATURES } from '../src/store/features.js';

/**
 * NOTE: "now" for every question: the day after the seed corpus's newest paper (2026-03-15), as a
 * user who has just seeded would ask; fixed so that "what's new" questions give the same figures each run.
 */
export const CHAT_NOW = new Date('2026-03-16T15:00:00Z');

/** The papers an answer shows as its citations or results (cards, in order), and the count it states. */
export function answerOf(reply: Reply): { cited: string[]; count: number | null } {
  if (reply.kind === 'answer' || reply.kind === 'papers') {
    const said = `${reply.title} ${reply.notice ?? ''}`;
    const stated = /(\d[\d,]*)\s+(?:\S+\s+)?papers?\b/i.exec(said);
    const count = reply.kind === 'papers' ? reply.total : stated ? Number(stated[1]?.replace(/,/g, '')) : /couldn't find|no papers/i.test(said) ? 0 : null;
    return { cited: reply.cards.map((c) => c.title), count };
  }
  if (reply.kind === 'paper') return { cited: [reply.card.title], count: null };
  return { cited: [], count: null };
}

/**
 * An app over the seed papers with the clock at {@link CHAT_NOW}, whose library remembers every
 * search page and every word's holders: the same question searches the same way at every grid
 * point, so remembering only saves time. `ask` puts a question through the dispatcher as a user's goes.
 */
export async function chatAsker(papers: readonly Paper[]) {
  const clock = { now: () => new Date(CHAT_NOW) };
  const app = await createApp({
    config: { dataDir: '/nonexistent', timeZone: 'America/New_York' },
    logger: silentLogger,
    clock,
    commands,
    database: await openDatabase({ file: ':memory:', now: () => clock.now(), features: FEATURES }),
  });
  await app.library.ingest([...papers]);
  const search = app.library.search.bind(app.library);
  const pages = new Map<string, ReturnType<typeof search>>();
  app.library.search = (...args: Parameters<typeof search>) => {
    const key = JSON.stringify(args);
    const page = pages.get(key) ?? search(...args);
    pages.set(key, page);
    return page;
  };
  const corpus = app.library.corpus();
  const holders = new Map<string, string[]>();
  const remembered = {
    size: corpus.size,
    holders: (word: string) => {
      const known = holders.get(word) ?? [...corpus.holders(word)];
      holders.set(word, known);
      return known;
    },
  };
  app.library.corpus = () => remembered;
  return {
    library: app.library,
    ask: async (question: string) => answerOf(await app.dispatcher.run({ command: 'ask', text: question })),
    close: () => app.close(),
  };
}
