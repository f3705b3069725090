// Slack replies under faults: a reply whose answer is lost is not sent twice, and a reply that never gets an answer is given up at its deadline.
import { afterEach, describe, expect, it } from 'vitest';
import { APOLOGY } from '../../../src/dispatch.js';
import { CHANNEL, SlackDriver } from './support.js';

const drivers: SlackDriver[] = [];
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.close();
});

async function start(opts: Parameters<typeof SlackDriver.start>[1] = {}): Promise<SlackDriver> {
  const d = await SlackDriver.start('http', opts);
  drivers.push(d);
  return d;
}

describe('slack replies under faults', () => {
  it("a mention's answer that Slack stored but whose answer was lost is in the thread once (the client does not retry it)", async () => {
    const d = await start();
    d.fake.lostAnswers.push('http500');
    await d.mention('how is the kv cache quantized?');
    const inChannel = d.fake.messages.filter((m) => m.channel === CHANNEL);
    const answers = inChannel.filter((m) => m.text !== APOLOGY);
    expect(answers).toHaveLength(1);
    expect(String(answers[0]?.text)).toMatch(/KIVI|kv cache/i);
  });

  it('a response_url that never answers is given up at the reply deadline, and the next command is answered', async () => {
    const d = await start({ replyTimeoutMs: 300 });
    d.fake.hangResponses = 1;
    // slash() resolves once the adapter is idle: it would never resolve if the hung reply had no deadline.
    const first = await d.slash('search kv cache');
    expect(d.responsesTo(first.responseUrl)).toHaveLength(2);
    expect(d.responsesTo(first.responseUrl)[1]?.text).toBe(APOLOGY);
    const second = await d.slash('search kv cache');
    expect(d.seenAt(second.responseUrl).titles.length).toBeGreaterThan(0);
  });
});
