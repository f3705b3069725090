// Slack: a slow answer to a mention shows "thinking…" in its thread first, then takes that message's place.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THINKING } from '../../../adapters/slack/index.js';
import { seenOf, SlackDriver } from './support.js';
import { gate } from '../../support/gate.js';

/** Waits (real time, bounded) until `check` holds: the adapter works on its own timers. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error('timed out waiting');
}

describe('slack: thinking… for slow answers', () => {
  let d: SlackDriver;
  const slow = gate();
  beforeAll(async () => {
    d = await SlackDriver.start('http', {
      thinkingAfterMs: 50,
      dispatcher: (core) => ({
        commands: core.dispatcher.commands,
        find: (name) => core.dispatcher.find(name),
        complete: (c, a, p) => core.dispatcher.complete(c, a, p),
        run: (inv, c) => core.dispatcher.run(inv, c),
        runText: async (t, c) => {
          await slow.wait();
          return core.dispatcher.runText(t, c);
        },
        linkThread: (c, alias) => core.dispatcher.linkThread(c, alias),
      }),
    });
  });
  afterAll(async () => {
    await d.close();
  });

  const thinking = () => d.fake.callsTo('chat.postMessage').filter((c) => c.args.text === THINKING);

  it('a fast answer is posted in the thread once, with no thinking message', async () => {
    const before = thinking().length;
    await d.mention('how is the kv cache quantized?');
    expect(thinking().length).toBe(before);
    expect(d.lastPost().titles.some((t) => t.startsWith('KIVI'))).toBe(true);
  });

  it('a slow answer: thinking… in the thread at once, then the answer replaces it in place', async () => {
    slow.hold();
    const updates = d.fake.callsTo('chat.update').length;
    const answered = d.mention('how is the kv cache quantized?');
    await until(() => thinking().length > 0);
    const placeholder = thinking().at(-1);
    expect(typeof placeholder?.args.thread_ts).toBe('string');
    // Nothing but the placeholder is shown while the answer is not ready.
    expect(d.fake.callsTo('chat.update').length).toBe(updates);
    slow.release();
    await answered;
    const update = d.fake.callsTo('chat.update').at(-1);
    expect(update?.args.channel).toBe(placeholder?.args.channel);
    const posted = d.fake.callsTo('chat.postMessage');
    // The placeholder's ts is what the fake Slack gave the last message before the update.
    expect(posted.at(-1)).toBe(placeholder);
    const seen = seenOf(update?.args ?? {}, false);
    expect(seen.titles.some((t) => t.startsWith('KIVI'))).toBe(true);
    expect(seen.pings).toBe(false);
  });
});
