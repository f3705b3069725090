// Runs the shared chat adapter contract against the Slack adapter, over HTTP and over Socket Mode.
import { adapterContract, type ContractHarness } from '../contract.js';
import { FAKE_BOT_ID, FAKE_BOT_USER, SlackDriver, type Mode } from './support.js';

async function harness(mode: Mode): Promise<ContractHarness> {
  const d = await SlackDriver.start(mode);
  return {
    async command(name, text) {
      const { responseUrl } = await d.slash(`${name} ${text}`);
      return d.seenAt(responseUrl);
    },
    async mention(text) {
      await d.mention(text);
      return d.lastPost();
    },
    async ownMessage(text) {
      const before = d.fake.outgoing();
      await d.event({ type: 'message', channel_type: 'channel', subtype: 'bot_message', bot_id: FAKE_BOT_ID, text, ts: '1764000100.000100', channel: 'C0GENERAL' });
      await d.event({ type: 'message', channel_type: 'im', bot_id: FAKE_BOT_ID, user: FAKE_BOT_USER, text, ts: '1764000101.000100', channel: 'D0ALICE' });
      await d.event({ type: 'app_mention', bot_id: FAKE_BOT_ID, user: FAKE_BOT_USER, text: `<@${FAKE_BOT_USER}> ${text}`, ts: '1764000102.000100', channel: 'C0GENERAL' });
      return d.fake.outgoing() - before;
    },
    async post(channel, reply) {
      await d.adapter.post({ channel }, reply);
      return d.lastPost();
    },
    async commandWithFailingApi(name, text) {
      d.fake.failNext('http500');
      await d.slash(`${name} ${text}`);
    },
    close: () => d.close(),
  };
}

adapterContract('slack (HTTP)', () => harness('http'));
adapterContract('slack (Socket Mode)', () => harness('socket'));
