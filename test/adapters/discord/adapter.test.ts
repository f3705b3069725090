// The Discord adapter end to end: the real discord.js client against the fake Discord REST API and gateway.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { APOLOGY } from '../../../src/dispatch.js';
import { EXPIRED_BUTTON } from '../../../adapters/discord/index.js';
import { MemoryCursors } from '../../../src/pager.js';
import { seenFrom, unescape, USER, type CallbackBody, type MessageBody } from '../../fakes/discord.js';
import { paperRun } from '../../fakes/papers.js';
import { HOSTILE_TITLE, testPapers } from '../../support/papers.js';
import { DM_CHANNEL, GUILD, recordingLogger, startDiscord, type Running } from './harness.js';
import { gate } from '../../support/gate.js';

/** Eight extra papers on one made-up subject, so a search has more than one page. */
const quokkaPapers = paperRun('quokka attention', 8);
/** Twenty-five papers on one day: three pages of trending (ten a page). */
const crowdedDay = paperRun('lantern trends', 25, { ids: '2510', date: () => '2025-10-15' });

const HOUR = 60 * 60 * 1000;

const buttons = (body: MessageBody) => (body.components ?? []).flatMap((r) => r.components);
const callbacks = (run: Running, token: string) => run.fake.requests.filter((r) => r.path.includes(`/${token}/callback`));

describe('discord adapter', () => {
  let run: Running;
  const slow = gate();
  const logger = recordingLogger();
  let clock = 0;

  beforeAll(async () => {
    run = await startDiscord({
      papers: [...testPapers, ...quokkaPapers, ...crowdedDay],
      logger,
      adapter: { deferAfterMs: 100, cursors: new MemoryCursors(HOUR, 5000, () => clock) },
      dispatcher: (core) => ({
        commands: core.dispatcher.commands,
        find: (name) => core.dispatcher.find(name),
        complete: (c, a, p) => core.dispatcher.complete(c, a, p),
        runText: (t, c) => core.dispatcher.runText(t, c),
        linkThread: (c, alias) => core.dispatcher.linkThread(c, alias),
        run: async (inv, c) => {
          await slow.wait();
          return core.dispatcher.run(inv, c);
        },
      }),
    });
  });
  afterAll(async () => {
    await run.close();
  });

  const ask = async (sub: string, options: Record<string, string> = {}) => {
    const { token } = run.fake.command(sub, options);
    return { token, ...(await run.fake.answer(token)) };
  };

  it('search: answers privately with one embed per paper, matched terms in bold, and More and Share buttons', async () => {
    const a = await ask('search', { query: 'quokka' });
    expect(a.via).toBe('reply');
    expect(a.body.flags).toBe(64);
    expect(a.body.allowed_mentions).toEqual({ parse: [], replied_user: false });
    expect(a.body.embeds).toHaveLength(5);
    const first = a.body.embeds?.[0];
    expect(first?.description).toMatch(/\*\*quokka\*\*/i);
    expect(first?.fields?.map((f) => f.name)).toEqual(['Published', 'Upvotes', 'Authors']);
    expect(a.body.content).toMatch(/1–5 of 8/);
    const labels = buttons(a.body).map((b) => b.label);
    expect(labels).toEqual(['More (6–8 of 8)', 'Share in channel']);
    for (const b of buttons(a.body)) expect((b.custom_id ?? '').length).toBeLessThanOrEqual(100);
  });

  it('paging: More buttons name the range they lead to, pages are direct replies, and the last page has no buttons', async () => {
    const page1 = await ask('trending', { date: '2025-10-15' });
    const [more1] = buttons(page1.body);
    expect(more1?.label).toBe('More (11–20 of 25)');
    // Every click on the channel's button is answered at once (no deferral, no follow-up).
    for (let n = 0; n < 2; n += 1) {
      const again = await run.fake.answer(run.fake.button(more1?.custom_id ?? '').token);
      expect(again.via).toBe('reply');
    }
    const page2 = await run.fake.answer(run.fake.button(more1?.custom_id ?? '').token);
    const [more2] = buttons(page2.body);
    expect(more2?.label).toBe('More (21–25 of 25)');
    const page3 = await run.fake.answer(run.fake.button(more2?.custom_id ?? '').token);
    expect(buttons(page3.body)).toHaveLength(0);
  });

  it('buttons: an unknown or expired key gets a friendly private message', async () => {
    const a = await run.fake.answer(run.fake.button('pb:more:doesnotexist').token);
    expect(seenFrom(a.body).ephemeral).toBe(true);
    expect(seenFrom(a.body).text).toBe(EXPIRED_BUTTON);
  });

  it('buttons: a More button past its hour gets the "expired" message', async () => {
    const a = await ask('search', { query: 'quokka' });
    const [more] = buttons(a.body);
    clock += HOUR - 1;
    const live = await run.fake.answer(run.fake.button(more?.custom_id ?? '').token);
    expect(live.body.content).toMatch(/6–8 of 8/);
    clock += 2;
    const expired = await run.fake.answer(run.fake.button(more?.custom_id ?? '').token);
    expect(seenFrom(expired.body).ephemeral).toBe(true);
    expect(seenFrom(expired.body).text).toBe(EXPIRED_BUTTON);
  });

  it('trending: posts the day publicly, also for `week` typed as the date', async () => {
    const day = await ask('trending', { date: '2025-11-27' });
    expect(seenFrom(day.body).ephemeral).toBe(false);
    expect(seenFrom(day.body).titles.map((t) => t.slice(0, 4))).toEqual(['QJL:', 'KIVI']);
    const week = await ask('trending', { date: 'week' });
    expect(seenFrom(week.body).text).toMatch(/Trending in week 2025-W48/);
  });

  it('paper: an id shows the abstract, links and a share button; title words matching several papers offer buttons that pick one', async () => {
    const one = await ask('paper', { id: '2402.02750' });
    const embed = one.body.embeds?.[0];
    expect(unescape(embed?.title ?? '')).toMatch(/^KIVI/);
    expect(embed?.description).toMatch(/2\.6x/);
    expect(embed?.fields?.find((f) => f.name === 'Links')?.value).toContain('https://arxiv.org/pdf/2402.02750');

    const many = await ask('paper', { id: 'Quokka attention variant' });
    const picks = buttons(many.body);
    expect(picks.length).toBeGreaterThan(1);
    const picked = await run.fake.answer(run.fake.button(picks[0]?.custom_id ?? '').token);
    expect(seenFrom(picked.body).titles).toEqual([picks[0]?.label]);
  });

  it('topic: no words lists the known topics; words give papers', async () => {
    const list = await ask('topic');
    expect(seenFrom(list.body).titles).toEqual(['Known topics']);
    const kv = await ask('topic', { topic: 'kv cache' });
    expect(seenFrom(kv.body).titles.some((t) => t.startsWith('KIVI'))).toBe(true);
  });

  it('help: lists every command', async () => {
    const a = await ask('help');
    for (const c of run.core.dispatcher.commands) expect(seenFrom(a.body).text).toContain(c.name);
  });

  it('autocomplete: paper ids complete from stored titles and topics from known topics', async () => {
    const paper = await run.fake.answer(run.fake.autocomplete('paper', 'id', 'KIV').token);
    expect(paper.via).toBe('choices');
    expect(paper.body.choices).toContainEqual({ name: 'KIVI: A Tuning-Free Asymmetric 2bit Quantization for KV Cache', value: '2402.02750' });
    const topic = await run.fake.answer(run.fake.autocomplete('topic', 'topic', '').token);
    expect(topic.body.choices?.length).toBeGreaterThan(0);
    for (const c of topic.body.choices ?? []) expect(c.name.length).toBeLessThanOrEqual(100);
  });

  it("autocomplete: a non-manager typing subscribe's zone is offered zones, and completing writes nothing", async () => {
    run.fake.memberPermissions = '0';
    const zones = await run.fake.answer(run.fake.autocomplete('subscribe', 'zone', 'berl').token);
    expect(zones.via).toBe('choices');
    expect((zones.body.choices ?? []).map((c) => c.value)).toContain('Europe/Berlin');
    expect(await run.core.schedules?.list('discord', GUILD.channels[0]?.id ?? '')).toEqual([]);
  });

  it('autocomplete: trending dates suggest relative periods and days with papers, and any typed period is accepted', async () => {
    const all = await run.fake.answer(run.fake.autocomplete('trending', 'date', '').token);
    expect(all.via).toBe('choices');
    const choices = all.body.choices ?? [];
    expect(choices.length).toBeLessThanOrEqual(25);
    for (const c of choices) {
      expect(c.name.length).toBeLessThanOrEqual(100);
      expect(c.value.length).toBeLessThanOrEqual(100);
    }
    expect(choices.map((c) => c.value)).toContain('today');
    expect(choices.find((c) => c.value === '2025-11-27')?.name).toMatch(/2025-11-27.*\b2 papers/);

    const typed = await run.fake.answer(run.fake.autocomplete('trending', 'date', '2025-11-2').token);
    const values = (typed.body.choices ?? []).map((c) => c.value);
    expect(values).toContain('2025-11-27');
    expect(values.every((v) => v.startsWith('2025-11-2'))).toBe(true);
    // A well-formed period with no papers is still offered, so the user's own text can be picked.
    const empty = await run.fake.answer(run.fake.autocomplete('trending', 'date', '2025-12-01').token);
    expect((empty.body.choices ?? []).map((c) => c.value)).toContain('2025-12-01');

    // Autocomplete options take free text: whatever the user typed arrives as the value.
    const week = await ask('trending', { date: '2025-W48' });
    expect(seenFrom(week.body).text).toMatch(/Trending in week 2025-W48/);
    const month = await ask('trending', { date: '2025-11' });
    expect(seenFrom(month.body).text).toMatch(/Trending in 2025-11/);
    expect(seenFrom(month.body).titles.length).toBeGreaterThan(0);
  });

  it('defer: slow private work is deferred privately, then the deferral is filled in', async () => {
    slow.hold();
    const { token } = run.fake.command('search', { query: 'kv cache' });
    const deferral = await run.fake.waitFor((r) => r.path.includes(`/${token}/callback`));
    expect(deferral.body).toEqual({ type: 5, data: { flags: 64 } });
    slow.release();
    const a = await run.fake.answer(token);
    expect(a.via).toBe('edit');
    expect(seenFrom(a.body).titles.some((t) => t.startsWith('KIVI'))).toBe(true);
  });

  it('defer: slow public work is posted as a visible follow-up and the placeholder removed', async () => {
    slow.hold();
    const { token } = run.fake.command('trending', { date: '2025-11-27' });
    await run.fake.waitFor((r) => r.path.includes(`/${token}/callback`));
    slow.release();
    const a = await run.fake.answer(token);
    expect(a.via).toBe('followup');
    expect(seenFrom(a.body).ephemeral).toBe(false);
    await run.fake.waitFor((r) => r.method === 'DELETE' && r.path.includes(`/${token}/messages/@original`));
  });

  it('mentions: channel chatter without a mention and other bots are ignored', async () => {
    const chatter = run.fake.message('search kv cache', run.fake.defaultPlace());
    const otherBot = run.fake.message('search kv cache', { channelId: DM_CHANNEL }, { ...USER, id: '800000000000000009', bot: true });
    const marker = run.fake.message('help', { channelId: DM_CHANNEL });
    await run.fake.replyTo(marker);
    const repliedTo = run.fake.requests.map((r) => (r.body as MessageBody | null)?.message_reference?.message_id);
    expect(repliedTo).not.toContain(chatter);
    expect(repliedTo).not.toContain(otherBot);
  });

  it('DMs: a direct message is answered without a mention', async () => {
    const id = run.fake.message('trending 2025-11-27', { channelId: DM_CHANNEL });
    const body = await run.fake.replyTo(id);
    expect(seenFrom(body).titles.map((t) => t.slice(0, 4))).toEqual(['QJL:', 'KIVI']);
  });

  it('DMs: a question is answered with citations, and a reply to that answer, or a new DM, follows up on it', async () => {
    const id = run.fake.message('how is the kv cache quantized?', { channelId: DM_CHANNEL });
    const first = seenFrom(await run.fake.replyTo(id));
    expect(first.text).toMatch(/\[1\]/);
    const cited = first.titles[0];
    const answerId = run.fake.sentReplyTo(id);
    expect(answerId).toBeDefined();
    const follow = run.fake.message('tell me more about 1', { channelId: DM_CHANNEL }, undefined, false, answerId);
    expect(seenFrom(await run.fake.replyTo(follow)).titles[0]).toBe(cited);
    // A DM that replies to nothing is still the same conversation: "1" is the paper the DM last showed as [1].
    const fresh = run.fake.message('tell me more about 1', { channelId: DM_CHANNEL });
    expect(seenFrom(await run.fake.replyTo(fresh)).titles[0]).toBe(cited);
  });

  it('escaping: the hostile paper renders literally, escaped for markdown, and pings nobody', async () => {
    const a = await ask('search', { query: 'zebrafish' });
    const title = a.body.embeds?.[0]?.title ?? '';
    expect(unescape(title)).toBe(HOSTILE_TITLE);
    expect(title).not.toMatch(/(?<!\\)@(everyone|here)/);
    expect(title).not.toMatch(/(?<!\\)<@/);
    expect(title).not.toMatch(/(?<!\\)\[click\]/);
    expect(title).not.toMatch(/(?<!\\)\*\*x/);
    expect(a.body.embeds?.[0]?.description ?? '').not.toMatch(/(?<!\\)@(everyone|here)/);
    expect(seenFrom(a.body).pings).toBe(false);
  });

  it('posting: post() sends the reply into the channel with the bot token and no mentions parsed', async () => {
    const channel = GUILD.channels[1]?.id ?? '';
    const reply = await run.core.dispatcher.run({ command: 'trending', input: { date: '2025-11-27' } });
    await run.adapter.post({ channel, guildId: GUILD.id }, reply);
    const r = await run.fake.waitFor((q) => q.method === 'POST' && q.path === `/api/v10/channels/${channel}/messages`);
    expect(r.headers.authorization).toBe(`Bot ${run.config.token}`);
    expect(seenFrom(r.body as MessageBody).titles.map((t) => t.slice(0, 4))).toEqual(['QJL:', 'KIVI']);
    expect((r.body as MessageBody).allowed_mentions?.parse).toEqual([]);
  });

  it('posting: an unknown channel rejects with a clear error and is logged with context', async () => {
    const reply = await run.core.dispatcher.run({ command: 'help', input: {} });
    await expect(run.adapter.post({ channel: '199999999999999999' }, reply)).rejects.toThrow(/channel 199999999999999999/);
    expect(logger.entries.some((e) => e.msg === 'could not post to a channel' && JSON.stringify(e.obj).includes('199999999999999999'))).toBe(true);
  });

  it('registration: register() PUTs /papers with every registered command as a subcommand', async () => {
    const result = await run.adapter.register();
    const put = await run.fake.waitFor((r) => r.method === 'PUT');
    expect(put.path).toBe(`/api/v10/applications/${run.config.appId}/commands`);
    const [cmd] = put.body as { name: string; options: { name: string; type: number }[] }[];
    expect(cmd?.name).toBe('papers');
    expect(cmd?.options.map((o) => o.name)).toEqual(run.core.dispatcher.commands.map((c) => c.name));
    expect(cmd?.options.every((o) => o.type === 1)).toBe(true);
    expect(result).toEqual({ scope: 'global', subcommands: run.core.dispatcher.commands.map((c) => c.name) });
  });

  it('failures: a failing interaction API is logged with context, the user gets an apology and the bot keeps serving', async () => {
    const before = logger.entries.length;
    run.fake.failNext((r) => r.path.endsWith('/callback'));
    const { token } = run.fake.command('search', { query: 'kv cache' });
    await run.fake.waitFor(() => callbacks(run, token).length >= 2);
    const apology = callbacks(run, token)[1]?.body as CallbackBody;
    expect(unescape(apology.data?.content ?? '')).toBe(APOLOGY);
    expect(apology.data?.flags).toBe(64);

    const logged = logger.entries.slice(before).find((e) => e.level === 'error');
    expect(logged?.msg).toBe('could not answer an interaction');
    expect(logged?.obj).toMatchObject({ command: 'search', err: { status: 500, method: 'POST' } });
    const all = JSON.stringify(logger.entries);
    expect(all).not.toContain(token);
    expect(all).not.toContain(run.config.token);
    expect(all).not.toMatch(/\bat .+\.(ts|js):\d+/);

    const again = await ask('search', { query: 'kv cache' });
    expect(seenFrom(again.body).titles.length).toBeGreaterThan(0);
  });
});

describe('discord adapter start-up', () => {
  it('registration: DISCORD_REGISTER_ON_START registers to the configured guild before connecting', async () => {
    const run = await startDiscord({ config: { registerOnStart: true, guildId: GUILD.id } });
    try {
      const putAt = run.fake.requests.findIndex((r) => r.method === 'PUT');
      const gatewayAt = run.fake.requests.findIndex((r) => r.path === '/api/v10/gateway/bot');
      expect(run.fake.requests[putAt]?.path).toBe(`/api/v10/applications/${run.config.appId}/guilds/${GUILD.id}/commands`);
      expect(putAt).toBeLessThan(gatewayAt);
    } finally {
      await run.close();
    }
  });

  it('mentions: a failing message API is logged and the next message is still answered', async () => {
    const logger = recordingLogger();
    const error = vi.spyOn(logger, 'error');
    const run = await startDiscord({ logger });
    try {
      run.fake.failNext((r) => r.method === 'POST' && r.path.includes('/messages'));
      const first = run.fake.message('help', { channelId: DM_CHANNEL });
      await run.fake.waitFor(() => run.fake.requests.filter((r) => (r.body as MessageBody | null)?.message_reference?.message_id === first).length >= 2);
      expect(error).toHaveBeenCalled();
      const second = run.fake.message('help', { channelId: DM_CHANNEL });
      expect(seenFrom(await run.fake.replyTo(second)).text).toMatch(/search/);
    } finally {
      await run.close();
    }
  });
});
