// Runs the shared chat adapter contract against the Slack adapter, over HTTP and over Socket Mode.
import { ACTIONS } from '../../../adapters/slack/render.js';
import type { Paper } from '../../../src/papers/model.js';
import { adapterContract, type Clicked, type ContractHarness, type Seen } from '../contract.js';
import { buttons, CHANNEL, FAKE_BOT_ID, FAKE_BOT_USER, seenOf, SlackDriver, USER, type Mode, type Outgoing } from './support.js';

/** The button each kind of click is, and the value it carries an invocation in. */
const CARRIED: Record<'more' | 'share' | 'pick', { action_id: string; value: (command: string, input: Record<string, unknown>) => string }> = {
  more: { action_id: ACTIONS.more, value: (command, input) => JSON.stringify({ c: { command, input, offset: 0 } }) },
  share: { action_id: ACTIONS.share, value: (command, input) => JSON.stringify({ command, input }) },
  pick: { action_id: `${ACTIONS.pick}_0`, value: (command, input) => JSON.stringify({ command, input }) },
};

async function harness(mode: Mode, papers: Paper[]): Promise<ContractHarness> {
  // SLACK_MANAGERS names someone else: the test user manages only as a workspace admin (users.info).
  const d = await SlackDriver.start(mode, { papers, config: { managers: ['U0BOSS'] } });
  // The message each Seen was read from, so that its buttons can be clicked.
  const sent = new WeakMap<Seen, Outgoing>();
  const keep = <T extends Seen>(seen: T, raw: Outgoing): T => {
    sent.set(seen, raw);
    return seen;
  };
  const answerAt = (responseUrl: string): Seen => {
    const { raw, ...seen } = d.seenAt(responseUrl);
    return keep(seen, raw);
  };
  const click = async (on: Seen, label: string): Promise<Clicked> => {
    const raw = sent.get(on);
    if (!raw) throw new Error('that message was not read by this harness');
    const button = buttons(raw.blocks).find((b) => b.label === label);
    if (!button) throw new Error(`the message has no ${label} button`);
    // A button on a message in a thread is clicked there: Slack sends the thread with the click.
    const where = { ephemeral: on.ephemeral, ...(typeof raw.thread_ts === 'string' ? { threadTs: raw.thread_ts } : {}) };
    const { raw: answer, ...seen } = d.seenAt(await d.click(button, where));
    return keep({ ...seen, replaced: answer.replace_original === true }, answer);
  };
  let lastThread: string | undefined;
  return {
    async command(name, text) {
      const { responseUrl } = await d.slash(`${name} ${text}`);
      return answerAt(responseUrl);
    },
    async mention(text) {
      await d.mention(text);
      const { raw, ...seen } = d.lastPost();
      lastThread = typeof raw.thread_ts === 'string' ? raw.thread_ts : undefined;
      return keep(seen, raw);
    },
    async followUp(text) {
      if (!lastThread) throw new Error('no mention to follow up on');
      await d.mention(text, { thread_ts: lastThread });
      const { raw, ...seen } = d.lastPost();
      return keep(seen, raw);
    },
    async ownMessage(text) {
      const before = d.fake.outgoing();
      await d.event({
        type: 'message',
        channel_type: 'channel',
        subtype: 'bot_message',
        bot_id: FAKE_BOT_ID,
        text,
        ts: '1764000100.000100',
        channel: 'C0GENERAL',
      });
      await d.event({ type: 'message', channel_type: 'im', bot_id: FAKE_BOT_ID, user: FAKE_BOT_USER, text, ts: '1764000101.000100', channel: 'D0ALICE' });
      await d.event({
        type: 'app_mention',
        bot_id: FAKE_BOT_ID,
        user: FAKE_BOT_USER,
        text: `<@${FAKE_BOT_USER}> ${text}`,
        ts: '1764000102.000100',
        channel: 'C0GENERAL',
      });
      return d.fake.outgoing() - before;
    },
    async post(channel, reply) {
      const before = d.fake.calls.length;
      await d.adapter.post({ channel }, reply);
      // Visibility follows the method used: chat.postEphemeral is the only private way to post.
      const messages = d.fake.calls.slice(before).filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.postEphemeral');
      const [call] = messages;
      if (!call || messages.length !== 1) throw new Error(`post() sent ${messages.length} messages`);
      return keep(seenOf(call.args, call.method === 'chat.postEphemeral'), call.args);
    },
    async dm(text) {
      await d.dm(text);
      const { raw, ...seen } = d.lastPost();
      return keep(seen, raw);
    },
    async setManager(yes) {
      d.fake.users.set(USER, { is_admin: yes });
    },
    async clickCarrying(kind, command, input) {
      const button = CARRIED[kind];
      const { raw, ...seen } = d.seenAt(await d.click({ action_id: button.action_id, value: button.value(command, input) }, { ephemeral: true }));
      return keep({ ...seen, replaced: raw.replace_original === true }, raw);
    },
    subscriptions: async () => ((await d.core.schedules?.list('slack', CHANNEL)) ?? []).map((s) => s.id),
    async addSubscription(hour) {
      const schedules = d.core.schedules;
      if (!schedules) throw new Error('the test core has no schedules');
      return (await schedules.add({ platform: 'slack', channel: CHANNEL, hour, minute: 0, zone: 'UTC', top: 3 })).id;
    },
    more: (seen) => click(seen, 'More'),
    share: (seen) => click(seen, 'Share in channel'),
    channelMessages() {
      const posted = d.fake.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update').length;
      return posted + d.fake.responses.filter((r) => r.body.response_type === 'in_channel').length;
    },
    async commandWithFailingApi(name, text) {
      d.fake.failNext('http500');
      const { responseUrl } = await d.slash(`${name} ${text}`);
      return answerAt(responseUrl);
    },
    close: () => d.close(),
  };
}

adapterContract('slack (HTTP)', (papers) => harness('http', papers));
adapterContract('slack (Socket Mode)', (papers) => harness('socket', papers));
