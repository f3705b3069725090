// Two replicas on one database: what a later request needs (More, Share and "Which one?" buttons, numbered follow-ups, reply-chain links) reaches the other replica.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../commands/index.js';
import { createApp, pagerCursorsFor, type App } from '../src/app.js';
import { silentLogger } from '../src/logger.js';
import type { Caller } from '../src/ports.js';
import type { Reply } from '../src/reply.js';
import { openDatabase } from '../src/store/database.js';
import { FEATURES } from '../src/store/features.js';
import type { MessageBody } from './fakes/discord.js';
import { paperRun } from './fakes/papers.js';
import { startDiscord, type Running } from './adapters/discord/harness.js';
import { FakeClock } from './support/core.js';
import { testPapers } from './support/papers.js';

/** Eight papers on one made-up subject, so a search has a second page. */
const quokkaPapers = paperRun('quokka attention', 8);

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Two apps over one SQLite file, as two serve processes (or hosts sharing a database) have. */
async function twoReplicas(): Promise<[App, App]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-replicas-'));
  cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'paperboy.db');
  const clock = new FakeClock(new Date('2025-11-27T15:00:00Z'));
  const open = async () => {
    const app = await createApp({
      config: { dataDir: dir, timeZone: 'America/New_York' },
      logger: silentLogger,
      clock,
      commands,
      database: await openDatabase({ file, now: () => clock.now(), features: FEATURES }),
    });
    cleanup.push(() => app.close());
    return app;
  };
  const a = await open();
  await a.library.ingest([...testPapers, ...quokkaPapers]);
  return [a, await open()];
}

const buttons = (body: MessageBody) => (body.components ?? []).flatMap((r) => r.components);
const titles = (body: MessageBody) => (body.embeds ?? []).map((e) => e.title ?? '');

describe('two replicas on one database', () => {
  it('a Discord More button rendered by replica A turns the page when clicked on replica B', async () => {
    const [a, b] = await twoReplicas();
    const onA: Running = await startDiscord({ core: a, adapter: { cursors: pagerCursorsFor(a) } });
    cleanup.push(() => onA.close());
    const onB: Running = await startDiscord({ core: b, adapter: { cursors: pagerCursorsFor(b) } });
    cleanup.push(() => onB.close());
    const first = await onA.fake.answer(onA.fake.command('search', { query: 'quokka' }).token);
    const more = buttons(first.body).find((x) => x.label?.startsWith('More'));
    expect(more?.label).toBe('More (6–8 of 8)');
    const page = await onB.fake.answer(onB.fake.button(more?.custom_id ?? '').token);
    expect(page.body.content ?? '').not.toMatch(/expired/i);
    expect(titles(page.body)).toHaveLength(3);
    expect(titles(page.body).every((t) => /quokka/i.test(t))).toBe(true);
    expect(titles(page.body).some((t) => titles(first.body).includes(t))).toBe(false);
    const share = buttons(first.body).find((x) => x.label === 'Share in channel');
    const shared = await onB.fake.answer(onB.fake.button(share?.custom_id ?? '').token);
    expect(titles(shared.body)).toEqual(titles(first.body));
  });

  it('a number typed on replica B picks from the list replica A showed in that thread', async () => {
    const [a, b] = await twoReplicas();
    const thread: Caller = { platform: 'slack', channel: 'C1', thread: 'T1' };
    const listed = await a.dispatcher.runText('search quokka', thread);
    const second = listed.kind === 'papers' ? listed.cards[1] : undefined;
    expect(second).toBeDefined();
    const picked: Reply = await b.dispatcher.runText('2', thread);
    expect(picked.kind === 'answer' || picked.kind === 'paper').toBe(true);
    const shown = picked.kind === 'answer' ? picked.cards[0] : picked.kind === 'paper' ? picked.card : undefined;
    expect(shown?.id).toBe(second?.id);
  });

  it('an answer linked on replica A is followed up on replica B (Discord reply chains), and an ask follow-up too', async () => {
    const [a, b] = await twoReplicas();
    const question: Caller = { platform: 'discord', channel: 'C9', thread: 'question-msg' };
    const first = await a.dispatcher.runText('kv cache quantization', question);
    expect(first.kind).toBe('answer');
    await a.dispatcher.linkThread(question, 'answer-msg');
    const more = await b.dispatcher.runText('tell me more about 1', { ...question, thread: 'answer-msg' });
    expect(more.kind === 'answer' && first.kind === 'answer' && more.cards[0]?.id).toBe(first.kind === 'answer' ? first.cards[0]?.id : 'none');
    const narrowed = await b.dispatcher.runText('only since 2025-11', question);
    expect(narrowed.kind === 'answer' && narrowed.notice).not.toMatch(/no earlier answer/);
  });
});
