// Drives the Discord adapter for the shared chat adapter contract, with interactions over the gateway or over HTTP.
import { PermissionFlagsBits } from 'discord.js';
import { MemoryCursors } from '../../../src/pager.js';
import type { Paper } from '../../../src/papers/model.js';
import type { Clicked, ContractHarness, Seen } from '../contract.js';
import type { CallbackBody, FakeRequest, MessageBody } from '../../fakes/discord.js';
import { gate } from '../../support/gate.js';
import { until } from '../../support/spawned.js';
import { DM_CHANNEL, GUILD, seenOf, startDiscord } from './harness.js';

/** Someone else owns the guild, so the test user's permissions are the ones the fake gives them. */
const OWNER = '800000000000000099';

const EPHEMERAL = 64;

/** Whether a request posted or changed a message the whole channel sees. */
function isChannelMessage(r: FakeRequest): boolean {
  if (/^\/api\/v10\/channels\/\d+\/messages(\/\d+)?$/.test(r.path)) return r.method === 'POST' || r.method === 'PATCH';
  if (r.path.endsWith('/callback')) {
    const cb = r.body as CallbackBody;
    // 4 answers with a new message, 7 updates the message the button was on.
    return (cb.type === 4 || cb.type === 7) && ((cb.data?.flags ?? 0) & EPHEMERAL) === 0;
  }
  if (r.method === 'POST' && r.path.startsWith('/api/v10/webhooks/')) return (((r.body as MessageBody | null)?.flags ?? 0) & EPHEMERAL) === 0;
  return false;
}

/**
 * The contract harness. Over `http`, slash commands, buttons and autocomplete reach the adapter as signed HTTP
 * interactions and no gateway is opened for them; mentions and DMs, which Discord only delivers over the
 * gateway, are answered by a second (gateway) adapter on the same core, as a deployment runs one.
 */
export async function discordContractHarness(papers: Paper[], mode: 'gateway' | 'http'): Promise<ContractHarness> {
  const cursors = new MemoryCursors();
  // Holds the next command's work (over HTTP, to make its answer deferred) until the test lets it go.
  const slow = gate();
  // NOTE: the adapter links its answer's id to the conversation after Discord confirmed the post, so a
  // follow-up sent the instant the answer is seen could come first: the harness, like a person, replies
  // to an answer once it is linked.
  const linked = new Set<string>();
  const run = await startDiscord({
    papers,
    guilds: [{ ...GUILD, ownerId: OWNER }],
    adapter: { cursors },
    ...(mode === 'http' ? { http: { messages: true } } : {}),
    dispatcher: (core) => ({
      commands: core.dispatcher.commands,
      find: (name) => core.dispatcher.find(name),
      complete: (c, a, p) => core.dispatcher.complete(c, a, p),
      runText: (t, c) => core.dispatcher.runText(t, c),
      linkThread: async (c, alias) => {
        await core.dispatcher.linkThread(c, alias);
        linked.add(alias);
      },
      run: async (inv, c) => {
        await slow.wait();
        return core.dispatcher.run(inv, c);
      },
    }),
  });
  const { fake, adapter } = run;
  const channelOf = (name: string) => (/^\d+$/.test(name) ? name : (GUILD.channels[0]?.id ?? ''));
  const argOf = (name: string): string => {
    const cmd = run.core.dispatcher.find(name);
    return cmd?.args[0]?.name ?? 'query';
  };
  // The message each Seen was read from, so that its buttons can be clicked.
  const sent = new WeakMap<Seen, MessageBody>();
  const keep = <T extends Seen>(seen: T, body: MessageBody): T => {
    sent.set(seen, body);
    return seen;
  };
  const read = (body: MessageBody): Seen => keep(seenOf(body), body);
  // The id of each message a mention or follow-up was answered with, so a click on it is on that message.
  const messageIds = new WeakMap<Seen, string>();
  const answered = (seen: Seen, to: string): Seen => {
    const id = fake.sentReplyTo(to);
    if (id) messageIds.set(seen, id);
    return seen;
  };
  const callbacks = (token: string) => fake.requests.filter((q) => q.path.includes(`/${token}/callback`));
  const click = async (on: Seen, label: RegExp): Promise<Clicked> => {
    const body = sent.get(on);
    if (!body) throw new Error('that message was not read by this harness');
    const button = (body.components ?? []).flatMap((row) => row.components).find((c) => label.test(c.label ?? ''));
    if (!button?.custom_id) throw new Error(`the message has no ${String(label)} button`);
    const { token } = fake.button(button.custom_id, undefined, messageIds.get(on));
    const answer = await fake.answer(token);
    // 6 (deferred update) and 7 (update) change the clicked message instead of answering with a new one.
    const replaced = callbacks(token).some((r) => [6, 7].includes((r.body as CallbackBody).type));
    return keep({ ...seenOf(answer.body), replaced }, answer.body);
  };
  let lastMention: string | undefined;
  return {
    async command(name, text) {
      const { token } = fake.command(name, text === '' ? {} : { [argOf(name)]: text });
      return read((await fake.answer(token)).body);
    },
    async mention(text) {
      const id = fake.message(`<@${fake.botUser().id as string}> ${text}`, fake.defaultPlace(), undefined, true);
      lastMention = id;
      return answered(read(await fake.replyTo(id)), id);
    },
    async followUp(text) {
      const answer = lastMention ? fake.sentReplyTo(lastMention) : undefined;
      if (!answer) throw new Error('no answer to follow up on');
      await until(() => linked.has(answer), 5);
      // A reply to the bot's answer (Discord pings the replied-to author, so it counts as a mention).
      const id = fake.message(text, fake.defaultPlace(), undefined, true, answer);
      lastMention = id;
      return answered(read(await fake.replyTo(id)), id);
    },
    async ownMessage(text) {
      const own = fake.message(`<@${fake.botUser().id as string}> ${text}`, fake.defaultPlace(), fake.botUser(), true);
      // A later DM is answered after the bot's own message has been handled (events arrive in order).
      const marker = fake.message('help', { channelId: DM_CHANNEL });
      await fake.replyTo(marker);
      return fake.requests.filter((r) => (r.body as { message_reference?: { message_id?: string } } | null)?.message_reference?.message_id === own).length;
    },
    async post(channel, reply) {
      const before = fake.requests.length;
      const id = channelOf(channel);
      await adapter.post({ channel: id, guildId: GUILD.id }, reply);
      const r = await fake.waitFor((q) => fake.requests.indexOf(q) >= before && q.method === 'POST' && q.path === `/api/v10/channels/${id}/messages`);
      return read(r.body as MessageBody);
    },
    async dm(text) {
      return read(await fake.replyTo(fake.message(text, { channelId: DM_CHANNEL })));
    },
    async setManager(yes) {
      fake.memberPermissions = String(yes ? PermissionFlagsBits.ManageChannels : 0n);
    },
    async clickCarrying(kind, command, input) {
      const { token } = fake.button(`pb:${kind}:${cursors.put({ command, input, offset: 0 })}`);
      const answer = await fake.answer(token);
      const replaced = callbacks(token).some((r) => [6, 7].includes((r.body as CallbackBody).type));
      return keep({ ...seenOf(answer.body), replaced }, answer.body);
    },
    subscriptions: async () => ((await run.core.schedules?.list('discord', channelOf(''))) ?? []).map((s) => s.id),
    async addSubscription(hour) {
      const schedules = run.core.schedules;
      if (!schedules) throw new Error('the test core has no schedules');
      return (await schedules.add({ platform: 'discord', channel: channelOf(''), guildId: GUILD.id, hour, minute: 0, zone: 'UTC', top: 3 })).id;
    },
    more: (seen) => click(seen, /^More\b/),
    share: (seen) => click(seen, /^Share in channel$/),
    channelMessages: () => fake.requests.filter(isChannelMessage).length,
    async commandWithFailingApi(name, text) {
      if (mode === 'http') {
        // The first answer is the HTTP response, which cannot fail as an API call does: the answer is made slow, so it is
        // deferred, and the edit that fills the deferral in fails with a 500; the apology is the second edit.
        const edits = (token: string) => fake.requests.filter((r) => r.method === 'PATCH' && r.path.includes(`/${token}/messages/@original`));
        slow.hold();
        const { token } = fake.command(name, { [argOf(name)]: text });
        fake.failNext((r) => r.method === 'PATCH' && r.path.includes(`/${token}/messages/@original`));
        await fake.waitFor((r) => r.path.includes(`/${token}/callback`) && (r.body as CallbackBody).type === 5);
        slow.release();
        await fake.waitFor(() => edits(token).length >= 2);
        return read({ ...((edits(token)[1]?.body as MessageBody | undefined) ?? {}), flags: EPHEMERAL });
      }
      fake.failNext((r) => r.path.endsWith('/callback'));
      const { token } = fake.command(name, { [argOf(name)]: text });
      // The first answer fails with a 500; the apology is the second attempt on the same interaction.
      await fake.waitFor(() => callbacks(token).length >= 2);
      const apology = (callbacks(token)[1]?.body as CallbackBody).data ?? {};
      return read(apology);
    },
    close: () => run.close(),
  };
}
