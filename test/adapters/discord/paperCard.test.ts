// The "Paper card" message command on the real discord.js client against the fake Discord: the cards of a message's paper links, privately.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeHf, recordedList } from '../../fakes/hf.js';
import { seenFrom, unescape } from '../../fakes/discord.js';
import { createTestCore } from '../../support/core.js';
import { startDiscord, type Running } from './harness.js';

let run: Running | undefined;
let hf: FakeHf | undefined;

afterEach(async () => {
  await run?.close();
  await hf?.close();
  run = undefined;
  hf = undefined;
});

async function start(): Promise<Running> {
  hf = await new FakeHf().listen();
  hf.days.set('2026-06-12', recordedList());
  run = await startDiscord({ core: await createTestCore({ hf: { apiUrl: hf.apiUrl, timeoutMs: 5_000 } }) });
  return run;
}

describe('Discord "Paper card"', () => {
  it('answers privately with the card of every paper link in the message, stored or fetched', async () => {
    const r = await start();
    const { token } = r.fake.messageCommand(
      'Paper card',
      'two good ones: https://arxiv.org/abs/2608.09888v2 and <https://huggingface.co/papers/2606.13681>, and KIVI https://hf.co/papers/2402.02750',
    );
    const answer = await r.fake.answer(token);
    const seen = seenFrom(answer.body);
    expect(seen.ephemeral).toBe(true);
    expect(seen.titles).toEqual([
      'BDH-CQ: In-Context Learning with Recurrent Latent Reasoning',
      'EvoArena: Tracking Memory Evolution for Robust LLM Agents in Dynamic Environments',
      'KIVI: A Tuning-Free Asymmetric 2bit Quantization for KV Cache',
    ]);
    expect(r.core.library.get('2608.09888')?.title).toBe('BDH-CQ: In-Context Learning with Recurrent Latent Reasoning');
  });

  it('reads the links of Discord link previews too', async () => {
    const r = await start();
    const { token } = r.fake.messageCommand('Paper card', 'this', r.fake.defaultPlace(), [{ url: 'https://arxiv.org/pdf/2402.02750v1', title: 'KIVI' }]);
    expect(seenFrom((await r.fake.answer(token)).body).titles).toEqual(['KIVI: A Tuning-Free Asymmetric 2bit Quantization for KV Cache']);
  });

  it('a message with no paper links, or only unknown ones, gets a private, friendly answer', async () => {
    const r = await start();
    const none = await r.fake.answer(r.fake.messageCommand('Paper card', 'no links here, just https://example.com/x').token);
    expect(none.body.flags).toBe(64);
    expect(unescape(JSON.stringify(none.body))).toContain('I see no paper links there.');
    const unknown = await r.fake.answer(r.fake.messageCommand('Paper card', 'https://arxiv.org/abs/2601.99999').token);
    expect(unknown.body.flags).toBe(64);
    expect(unescape(JSON.stringify(unknown.body))).toContain('I could not find the linked paper (arXiv 2601.99999).');
  });

  it('is registered as a message command beside /papers', async () => {
    const r = await start();
    await r.adapter.register();
    const put = await r.fake.waitFor((q) => q.method === 'PUT');
    expect((put.body as Array<{ name: string; type?: number }>).map((c) => [c.name, c.type ?? 1])).toEqual([
      ['papers', 1],
      ['Paper card', 3],
    ]);
  });

  it('a mention with a paper link keeps answering in the channel as before', async () => {
    const r = await start();
    const id = r.fake.message(`<@${r.fake.botUser().id as string}> https://arxiv.org/abs/2402.02750`, r.fake.defaultPlace(), undefined, true);
    const reply = seenFrom(await r.fake.replyTo(id));
    expect(reply.ephemeral).toBe(false);
    expect(reply.titles[0]).toBe('KIVI: A Tuning-Free Asymmetric 2bit Quantization for KV Cache');
  });
});
