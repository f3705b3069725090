// Following people and labs: `author:"…"` and `org:…` follows, their folding of case and diacritics, friendly refusals, and alerts that come once after an ingest.
import { describe, expect, it } from 'vitest';
import { AlertDelivery, POLL_MS } from '../../src/follows/delivery.js';
import { foldName, isTheirs, parsePerson } from '../../src/follows/people.js';
import { silentLogger } from '../../src/logger.js';
import type { Paper } from '../../src/papers/model.js';
import type { Caller } from '../../src/ports.js';
import type { Reply } from '../../src/reply.js';
import type { App } from '../../src/app.js';
import { HfClient } from '../../src/papers/hf.js';
import { FakeHf, recordedList } from '../fakes/hf.js';
import { createTestCore, FakeClock } from '../support/core.js';
import { ManualTicker, paper, RecordingAdapter } from './support.js';

const ALICE: Caller = { platform: 'slack', user: 'U0ALICE', channel: 'C0GENERAL', mayManage: () => Promise.resolve(true) };

const BY_DAO: Paper = { ...paper('2512.00101', 'FlashAttention-4 on New Hardware', 'Faster attention kernels.', 40), authors: ['Jay Shah', 'Tri Dao'] };
const BY_BJORN: Paper = { ...paper('2512.00102', 'In-Context Learning with Latent Reasoning', 'A small reasoning model.', 12), authors: ['Björn Engdahl'] };
const FROM_MEMTENSOR: Paper = {
  ...paper('2512.00103', 'MemOS: A Memory Operating System for LLMs', 'Memory as a managed resource.', 20),
  org: 'MemTensor (Shanghai) Technology Co., Ltd.',
  orgHandle: 'MemTensor',
};
const FROM_MIT: Paper = {
  ...paper('2512.00104', 'EvoArena', 'Memory evolution for agents.', 9),
  org: 'Massachusetts Institute of Technology',
  orgHandle: 'MIT',
};
const OTHER: Paper = { ...paper('2512.00105', 'Unrelated Work', 'Nothing to see.', 3), authors: ['Tri Daolin'], org: 'MemTensorial Lab' };

const text = (r: Reply) => (r.kind === 'text' ? [r.title ?? '', ...r.lines].join('\n') : r.kind === 'error' ? [r.message, ...r.hints].join('\n') : '');

async function core(): Promise<{ app: App; clock: FakeClock }> {
  const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
  return { app: await createTestCore({ clock }), clock };
}

async function ingest(app: App, clock: FakeClock, papers: Paper[]): Promise<void> {
  clock.advance(1_000);
  await app.library.ingest(papers);
}

describe('people and lab names', () => {
  it('fold case, diacritics, punctuation and spacing', () => {
    expect(foldName('  Björn   ENGDAHL ')).toBe('bjorn engdahl');
    expect(foldName('Tri Dào')).toBe(foldName('tri dao'));
    expect(foldName('NJU-LINK Lab')).toBe('nju link lab');
  });

  it('an author matches by full name only; a lab by its handle or display name, in any case', () => {
    const dao = parsePerson('author:"tri DAO"');
    const handle = parsePerson('org:memtensor');
    const display = parsePerson('org:"massachusetts institute of technology"');
    if (!dao?.ok || !handle?.ok || !display?.ok) throw new Error('expected people');
    expect(isTheirs(dao.value, BY_DAO)).toBe(true);
    expect(isTheirs(dao.value, OTHER)).toBe(false);
    expect(isTheirs(handle.value, FROM_MEMTENSOR)).toBe(true);
    expect(isTheirs(handle.value, OTHER)).toBe(false);
    expect(isTheirs(display.value, FROM_MIT)).toBe(true);
  });

  it.each([
    ['author:', /Name the author to follow/],
    ['author:""', /Name the author to follow/],
    ['org:', /Name the lab to follow/],
    ['author:Dao', /by their full name/],
    ['venue:NeurIPS', /I can't follow "venue:"/],
    [`author:"${'x '.repeat(60)}"`, /at most 100 characters/],
  ])('`follow %s` gets a friendly message, never a stack trace', async (line, message) => {
    const { app } = await core();
    const reply = await app.dispatcher.runText(`follow ${line}`, ALICE);
    expect(reply.kind).toBe('error');
    expect(text(reply)).toMatch(message);
    expect(text(reply)).not.toMatch(/\bat .+\.(ts|js):\d+/);
  });

  it('topic words with a colon and a space are still a topic, and search filters are still refused as filters', async () => {
    const { app } = await core();
    expect(text(await app.dispatcher.runText('follow RAG: retrieval augmented generation', ALICE))).toMatch(/^Following "/);
    expect(text(await app.dispatcher.runText('follow since:2025 kv cache', ALICE))).toMatch(/has search filters/);
  });
});

describe('following people and labs', () => {
  it('follow author/org replies say the follow matches live-source papers only, and following lists them', async () => {
    const { app } = await core();
    const author = await app.dispatcher.runText('follow author:"Tri Dao"', ALICE);
    expect(text(author)).toMatch(/^Following author:"Tri Dao" \(id 1\)/);
    expect(text(author)).toMatch(/New papers by Tri Dao will come to you by direct message/);
    expect(text(author)).toMatch(/seed pages carry no author names, so this follow matches papers from the live source \(Hugging Face\) only/);
    const org = await app.dispatcher.runText('follow org:MemTensor', ALICE);
    expect(text(org)).toMatch(/^Following org:MemTensor \(id 2\)/);
    expect(text(org)).toMatch(/live source/);
    expect(text(await app.dispatcher.runText('follow author:"TRI DAO"', ALICE))).toMatch(/You already follow author:"Tri Dao" \(id 1\)/);
    expect(text(await app.dispatcher.runText('following', ALICE))).toMatch(/1: author:"Tri Dao" \(since 2025-11-28\)\n2: org:MemTensor/);
    expect(text(await app.dispatcher.runText('unfollow 2', ALICE))).toMatch(/Stopped following/);
  });

  it('an author follow and an org follow each alert once after an ingest, folded, and never again', async () => {
    const { app, clock } = await core();
    await app.dispatcher.runText('follow author:"tri dao"', ALICE);
    await app.dispatcher.runText('follow author:"Bjorn Engdahl"', ALICE);
    await app.dispatcher.runText('follow org:memtensor', ALICE);
    const slack = new RecordingAdapter('slack');
    const ticker = new ManualTicker();
    if (!app.follows) throw new Error('the test app has follows');
    const delivery = new AlertDelivery({ follows: app.follows, clock, logger: silentLogger, ticker });
    delivery.start([slack]);
    await ingest(app, clock, [BY_DAO, BY_BJORN, FROM_MEMTENSOR, OTHER]);
    await ingest(app, clock, [BY_DAO, { ...FROM_MEMTENSOR, upvotes: 99 }]);
    clock.advance(POLL_MS);
    ticker.fire();
    await delivery.idle();
    ticker.fire();
    await delivery.idle();
    await delivery.stop();
    expect(slack.direct).toHaveLength(1);
    const reply = slack.direct[0]?.reply;
    expect(reply).toMatchObject({ kind: 'papers', title: 'New papers by tri dao, by Bjorn Engdahl, from memtensor', total: 3 });
    expect(reply?.kind === 'papers' && reply.cards.map((c) => c.title).sort()).toEqual([BY_BJORN.title, BY_DAO.title, FROM_MEMTENSOR.title].sort());
  });

  it('a real Hugging Face daily list alerts an org follow by handle (MIT) and by display name, and an author follow', async () => {
    const { app, clock } = await core();
    const BOB: Caller = { ...ALICE, user: 'U0BOB' };
    const CAROL: Caller = { ...ALICE, user: 'U0CAROL' };
    await app.dispatcher.runText('follow org:mit', ALICE);
    await app.dispatcher.runText('follow org:"Shanghai Jiao Tong University"', BOB);
    // NOTE: the recorded list spells him "Etienne Casanova" (first author of 2606.00467).
    await app.dispatcher.runText('follow author:"ÉTIENNE casanova"', CAROL);
    const hf = await new FakeHf().listen();
    try {
      hf.days.set('2026-06-12', recordedList());
      const batch = await new HfClient({ apiUrl: hf.apiUrl, timeoutMs: 5_000 }).daily('2026-06-12');
      await ingest(app, clock, batch.papers);
    } finally {
      await hf.close();
    }
    expect(app.library.get('2606.13681')?.orgHandle).toBe('MIT');
    const got = (await app.follows?.outbox())?.map((o) => [
      o.owner.kind === 'user' ? o.owner.user : '',
      o.reply.kind === 'papers' ? o.reply.cards.map((c) => c.id) : [],
    ]);
    expect(got).toEqual([
      ['U0ALICE', ['2606.13681']],
      ['U0BOB', ['2606.08103']],
      ['U0CAROL', expect.arrayContaining(['2606.00467'])],
    ]);
  });

  it('a channel subscribes to an author or a lab with subscribe topic, and gets their new papers posted', async () => {
    const { app, clock } = await core();
    const sub = await app.dispatcher.runText('subscribe topic org:"Massachusetts Institute of Technology"', ALICE);
    expect(text(sub)).toMatch(/This channel will get new papers from Massachusetts Institute of Technology \(id 1\)/);
    expect(text(sub)).toMatch(/live source/);
    await ingest(app, clock, [FROM_MIT, OTHER]);
    const outbox = await app.follows?.outbox();
    expect(outbox?.map((o) => [o.owner, o.reply.kind === 'papers' ? o.reply.cards.map((c) => c.title) : []])).toEqual([
      [{ kind: 'channel', channel: 'C0GENERAL' }, [FROM_MIT.title]],
    ]);
  });

  it('following, a repeated follow, subscriptions and unsubscribe name authors and labs as people read them, not as quoted topics', async () => {
    const { app } = await core();
    await app.dispatcher.runText('follow author:"Tri Dao"', ALICE);
    await app.dispatcher.runText('follow org:MemTensor', ALICE);
    await app.dispatcher.runText('follow kv cache', ALICE);
    expect(text(await app.dispatcher.runText('following', ALICE))).toMatch(/^You follow 3 of at most 25 topics, people and labs\n/);
    expect(text(await app.dispatcher.runText('follow author:"TRI DAO"', ALICE))).toMatch(/^You already follow author:"Tri Dao" \(id 1\)\./);
    expect(text(await app.dispatcher.runText('follow KV caches', ALICE))).toMatch(/^You already follow "kv cache" \(id 3\)\./);

    const channel: Caller = { ...ALICE, channel: 'C0LAB' };
    await app.dispatcher.runText('subscribe topic author:"Tri Dao"', channel);
    await app.dispatcher.runText('subscribe topic org:MemTensor', channel);
    await app.dispatcher.runText('subscribe topic kv cache', channel);
    const list = text(await app.dispatcher.runText('subscriptions', channel));
    expect(list).toContain('4: new papers by Tri Dao.\n5: new papers from MemTensor.\n6: new papers on "kv cache".');
    expect(text(await app.dispatcher.runText('unsubscribe 4', channel))).toMatch(/^\nUnsubscribed 4: no more alerts of new papers by Tri Dao here\.$/);
    expect(text(await app.dispatcher.runText('unsubscribe 6', channel))).toMatch(/^\nUnsubscribed 6: no more alerts of new papers on "kv cache" here\.$/);
  });
});
