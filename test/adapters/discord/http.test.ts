// Discord interactions over HTTP: signatures checked with a key pair made here, PING, bad bodies, deferrals, replicas, and REST posting with no gateway.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCursors } from '../../../src/pager.js';
import { createDiscordAdapter, type DiscordAdapter } from '../../../adapters/discord/index.js';
import { applicationKeys, seenFrom, signedHeaders, type CallbackBody, type MessageBody } from '../../fakes/discord.js';
import { paperRun, papersReply, testCard } from '../../fakes/papers.js';
import { testPapers } from '../../support/papers.js';
import { gate } from '../../support/gate.js';
import { GUILD, recordingLogger, startDiscord, type Running } from './harness.js';

const callbacks = (run: Running, token: string) => run.fake.requests.filter((r) => r.path.includes(`/${token}/callback`));
const nowSeconds = () => Math.floor(Date.now() / 1000);
const STACK = /\bat .+\.(ts|js):\d+/;
/** Eight papers on one made-up subject, so a search has a second page. */
const papers = [...testPapers, ...paperRun('quokka attention', 8)];

describe('discord interactions over HTTP', () => {
  let run: Running;
  const slow = gate();
  const logger = recordingLogger();
  const cursors = new MemoryCursors();

  beforeAll(async () => {
    run = await startDiscord({
      http: {},
      papers,
      logger,
      adapter: { deferAfterMs: 100, cursors },
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

  it('PING is answered with PONG', async () => {
    const answer = await run.fake.deliver({ id: '1', type: 1, application_id: '900000000000000001', token: 'ping-token', version: 1 });
    expect(answer).toEqual({ status: 200, body: { type: 1 } });
  });

  it('a bad signature is refused with 401 and nothing is run', async () => {
    const payload = run.fake.commandPayload('search', { query: 'kv cache' });
    const body = JSON.stringify(payload);
    const other = applicationKeys();
    const answer = await run.fake.deliver(body, signedHeaders(other.privateKey, body, nowSeconds()));
    expect(answer.status).toBe(401);
    expect(JSON.stringify(answer.body)).not.toMatch(STACK);
    // A body changed after signing is refused the same way.
    const tampered = await run.fake.deliver(body.replace('kv cache', 'kv cachf'), run.fake.sign(body, nowSeconds()));
    expect(tampered.status).toBe(401);
    const unsigned = await run.fake.deliver(body, {});
    expect(unsigned.status).toBe(401);
    expect(run.fake.requests.some((r) => r.path.includes(`/${payload.token}`))).toBe(false);
    expect(logger.entries.some((e) => e.msg === 'refused a Discord interaction request (signature)')).toBe(true);
  });

  it('a stale timestamp is refused with 401 even when correctly signed, and so is one from the future', async () => {
    const body = JSON.stringify(run.fake.commandPayload('search', { query: 'kv cache' }));
    const stale = await run.fake.deliver(body, run.fake.sign(body, nowSeconds() - 10 * 60));
    expect(stale.status).toBe(401);
    const future = await run.fake.deliver(body, run.fake.sign(body, nowSeconds() + 10 * 60));
    expect(future.status).toBe(401);
  });

  it('a signed body that is not JSON, or not an interaction, or of an unknown type, gets 400 with no stack trace', async () => {
    for (const body of ['{not json', '[]', JSON.stringify({ id: '5', type: 99, token: 't' }), JSON.stringify({ id: '6', type: 2, token: 't', data: 7 })]) {
      const answer = await run.fake.deliver(body, run.fake.sign(body, nowSeconds()));
      expect(answer.status).toBe(400);
      expect(JSON.stringify(answer.body)).not.toMatch(STACK);
    }
  });

  it('another path gets 404 and another method 405', async () => {
    const base = run.fake.interactionsUrl?.replace('/discord/interactions', '') ?? '';
    expect((await fetch(`${base}/other`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${base}/discord/interactions`)).status).toBe(405);
  });

  it('a command is answered in the HTTP response itself', async () => {
    const { token } = run.fake.command('search', { query: 'kv cache' });
    const a = await run.fake.answer(token);
    expect(a.via).toBe('reply');
    expect(a.body.flags).toBe(64);
    expect(seenFrom(a.body).titles.some((t) => t.startsWith('KIVI'))).toBe(true);
  });

  it('"Paper card" on a message is answered over HTTP privately, with the card of the paper its link names (from the resolved target message)', async () => {
    const { token } = run.fake.messageCommand('Paper card', 'worth a read: https://arxiv.org/abs/2402.02750v2', run.fake.defaultPlace(), [
      { url: 'https://example.com/not-a-paper' },
    ]);
    const a = await run.fake.answer(token);
    expect(a.via).toBe('reply');
    expect(a.body.flags).toBe(64);
    expect(seenFrom(a.body).titles).toEqual(['KIVI: A Tuning-Free Asymmetric 2bit Quantization for KV Cache']);
  });

  it('autocomplete is answered with choices in the HTTP response', async () => {
    const { token } = run.fake.autocomplete('paper', 'id', 'kivi');
    const a = await run.fake.answer(token);
    expect(a.via).toBe('choices');
    expect((a.body.choices ?? []).length).toBeGreaterThan(0);
  });

  it('a slow answer is deferred (type 5, private) in the HTTP response, then the original response is edited through the webhook at DISCORD_API_URL', async () => {
    slow.hold();
    const { token } = run.fake.command('search', { query: 'kv cache' });
    const deferral = await run.fake.waitFor((r) => r.path.includes(`/${token}/callback`));
    expect(deferral.body).toEqual({ type: 5, data: { flags: 64 } });
    slow.release();
    const a = await run.fake.answer(token);
    expect(a.via).toBe('edit');
    expect(seenFrom(a.body).titles.some((t) => t.startsWith('KIVI'))).toBe(true);
    const edit = run.fake.requests.find((r) => r.method === 'PATCH' && r.path === `/api/v10/webhooks/${run.config.appId}/${token}/messages/@original`);
    // The interaction token is the credential: the bot token is not sent with it.
    expect(edit?.headers.authorization).toBeUndefined();
    expect(callbacks(run, token)).toHaveLength(1);
  });

  it('a slow public answer is posted as a follow-up and the private placeholder removed', async () => {
    slow.hold();
    const { token } = run.fake.command('trending', { date: '2025-11-27' });
    await run.fake.waitFor((r) => r.path.includes(`/${token}/callback`));
    slow.release();
    const a = await run.fake.answer(token);
    expect(a.via).toBe('followup');
    expect(seenFrom(a.body).ephemeral).toBe(false);
    await run.fake.waitFor((r) => r.method === 'DELETE' && r.path.includes(`/${token}/messages/@original`));
  });

  it('an edit whose answer is lost is not sent again: the deferral gets the apology instead', async () => {
    slow.hold();
    const { token } = run.fake.command('search', { query: 'kv cache' });
    const edits = () => run.fake.requests.filter((r) => r.method === 'PATCH' && r.path.includes(`/${token}/messages/@original`));
    run.fake.failNext((r) => r.method === 'PATCH' && r.path.includes(`/${token}/`));
    await run.fake.waitFor((r) => r.path.includes(`/${token}/callback`));
    slow.release();
    await run.fake.waitFor(() => edits().length >= 2);
    expect(seenFrom(edits()[1]?.body as MessageBody).text).toMatch(/Sorry/);
    expect(seenFrom(edits()[1]?.body as MessageBody).titles).toEqual([]);
  });

  it('buttons are answered over HTTP: More pages on', async () => {
    const { token } = run.fake.command('search', { query: 'quokka' });
    const first = await run.fake.answer(token);
    const more = (first.body.components ?? []).flatMap((r) => r.components).find((c) => /^More/.test(c.label ?? ''));
    expect(more?.custom_id).toBeDefined();
    const next = await run.fake.answer(run.fake.button(more?.custom_id ?? '').token);
    expect(next.via).toBe('reply');
    expect(next.body.content).toMatch(/6–/);
  });

  it("a button that is not paperboy's is acknowledged without change (type 6)", async () => {
    const { token } = run.fake.button('someone-else:1');
    const cb = await run.fake.waitFor((r) => r.path.includes(`/${token}/callback`));
    expect((cb.body as CallbackBody).type).toBe(6);
  });

  it('posts and DMs go through REST with the bot token; no gateway connection was ever opened', async () => {
    await run.adapter.post({ channel: GUILD.channels[0]?.id ?? '', guildId: GUILD.id }, papersReply([testCard(1)], { visibility: 'public', shareable: false }));
    const posted = run.fake.requests.find((r) => r.method === 'POST' && r.path === `/api/v10/channels/${GUILD.channels[0]?.id ?? ''}/messages`);
    expect(posted?.headers.authorization).toBe(`Bot ${run.config.token}`);
    await run.adapter.sendDirect?.('800000000000000005', papersReply([testCard(2)], { visibility: 'public', shareable: false }));
    expect(run.fake.directMessages().map((d) => d.user)).toContain('800000000000000005');
    expect(run.fake.upgrades).toBe(0);
    expect(run.fake.identified).toEqual([]);
    expect(run.adapter.connected?.()).toBe(true);
  });
});

describe('discord interactions over HTTP: replicas', () => {
  let run: Running;
  let second: DiscordAdapter;
  const cursors = new MemoryCursors();

  beforeAll(async () => {
    // The two replicas share the cursor store, as replicas share the database.
    run = await startDiscord({ http: {}, papers, adapter: { cursors } });
    second = createDiscordAdapter({ config: run.config, dispatcher: run.core.dispatcher, logger: recordingLogger(), cursors, http: { host: '127.0.0.1' } });
    await second.start();
  });
  afterAll(async () => {
    await second.stop();
    await run.close();
  });

  it('a click on a list one replica answered is answered by another', async () => {
    const first = await run.fake.answer(run.fake.command('search', { query: 'quokka' }).token);
    const more = (first.body.components ?? []).flatMap((r) => r.components).find((c) => /^More/.test(c.label ?? ''));
    run.fake.interactionsUrl = `http://127.0.0.1:${second.interactionsPort ?? 0}/discord/interactions`;
    const next = await run.fake.answer(run.fake.button(more?.custom_id ?? '').token);
    expect(next.body.content).toMatch(/6–/);
    expect(run.fake.upgrades).toBe(0);
  });
});
