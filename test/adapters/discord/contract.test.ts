// Runs the shared chat adapter contract against the Discord adapter and the fake Discord.
import { adapterContract, type ContractHarness } from '../contract.js';
import { seenFrom } from '../../fakes/discord.js';
import { DM_CHANNEL, GUILD, startDiscord } from './harness.js';

adapterContract('discord', async (): Promise<ContractHarness> => {
  const run = await startDiscord();
  const { fake, adapter } = run;
  const channelOf = (name: string) => (/^\d+$/.test(name) ? name : (GUILD.channels[0]?.id ?? ''));
  const argOf = (name: string): string => {
    const cmd = run.core.dispatcher.find(name);
    return cmd?.args[0]?.name ?? 'query';
  };
  return {
    async command(name, text) {
      const { token } = fake.command(name, text === '' ? {} : { [argOf(name)]: text });
      return seenFrom((await fake.answer(token)).body);
    },
    async mention(text) {
      const id = fake.message(`<@${fake.botUser().id as string}> ${text}`, fake.defaultPlace(), undefined, true);
      return seenFrom(await fake.replyTo(id));
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
      return seenFrom(r.body as Parameters<typeof seenFrom>[0]);
    },
    async commandWithFailingApi(name, text) {
      fake.failNext((r) => r.path.endsWith('/callback'));
      const { token } = fake.command(name, { [argOf(name)]: text });
      // The first answer fails with a 500; the apology is the second attempt on the same interaction.
      await fake.waitFor((r) => r.path.includes(`/${token}/callback`) && fake.requests.filter((q) => q.path.includes(`/${token}/callback`)).length >= 2);
    },
    close: () => run.close(),
  };
});
