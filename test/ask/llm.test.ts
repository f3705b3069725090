// The generative answer against a fake OpenAI-compatible server: checked citations, and the extractive fallback on every failure.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkWritten, createOpenAiWriter } from '../../src/ask/llm.js';
import type { Reply } from '../../src/reply.js';
import { recordingLogger } from '../adapters/discord/harness.js';
import { FakeOpenAi } from '../fakes/openai.js';
import { createTestCore } from '../support/core.js';

const QUESTION = 'how is the kv cache quantized?';
type Answer = Extract<Reply, { kind: 'answer' }>;

/** The titles the model was given, by number, read from the prompt it received. */
function givenTitles(fake: FakeOpenAi): Map<number, string> {
  const prompt = fake.requests.at(-1)?.body.messages?.find((m) => m.role === 'user')?.content ?? '';
  return new Map([...prompt.matchAll(/^\[(\d+)\] (.+)$/gm)].map((m) => [Number(m[1]), m[2] ?? '']));
}

describe('ask with a model (OpenAI-compatible, fake server on loopback)', () => {
  let fake: FakeOpenAi;
  beforeAll(async () => {
    fake = await FakeOpenAi.start();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });

  const ask = async (timeoutMs = 2_000) => {
    const logger = recordingLogger();
    const core = await createTestCore({ logger, writer: createOpenAiWriter({ baseUrl: fake.baseUrl, model: 'test-model', apiKey: 'sk-secret', timeoutMs }) });
    const reply = (await core.dispatcher.runText(QUESTION, { platform: 'test' })) as Answer;
    expect(reply.kind).toBe('answer');
    // Whether every sentence is quoted from the abstract of the paper it cites (what an extractive answer is);
    // its opening words may have been made to stand alone ("We propose" → "KIVI proposes"), so they are not compared.
    const quoted = reply.sentences.every(
      (s) => core.library.get(reply.cards[(s.cites[0] ?? 0) - 1]?.id ?? '')?.abstract.includes(s.text.split(' ').slice(3).join(' ')) === true,
    );
    await core.close();
    return { reply, logger, quoted };
  };
  const fellBack = (logger: ReturnType<typeof recordingLogger>) =>
    logger.entries.some((e) => e.level === 'warn' && /answering from the abstracts/.test(e.msg ?? ''));

  it('a good reply becomes the answer: its sentences, its citations renumbered by first use, the cited papers as cards', async () => {
    fake.mode = {
      kind: 'reply',
      content: 'The second paper quantizes keys per channel [2]. The first uses a sign-bit transform [1]. Both save memory [1][2].',
    };
    const { reply, logger } = await ask();
    const given = givenTitles(fake);
    expect(reply.sentences).toEqual([
      { text: 'The second paper quantizes keys per channel.', cites: [1] },
      { text: 'The first uses a sign-bit transform.', cites: [2] },
      { text: 'Both save memory.', cites: [2, 1] },
    ]);
    expect(reply.cards.map((c) => c.title)).toEqual([given.get(2), given.get(1)]);
    expect(fellBack(logger)).toBe(false);
    // The model got the abstracts, the instruction to cite by number, the key as a bearer token, and no streaming.
    const req = fake.requests.at(-1);
    expect(req?.path).toBe('/v1/chat/completions');
    expect(req?.authorization).toBe('Bearer sk-secret');
    expect(req?.body.stream).toBe(false);
    expect(req?.body.messages?.[0]?.content).toMatch(/ONLY the numbered abstracts/);
    expect(JSON.stringify(logger.entries)).not.toContain('sk-secret');
  });

  it('a citation of a paper it was not given is dropped, and a sentence left without one goes with it', async () => {
    fake.mode = { kind: 'reply', content: 'Keys are quantized per channel [1][9]. Made-up claim from nowhere [7]. No citation at all.' };
    const { reply } = await ask();
    expect(reply.sentences).toEqual([{ text: 'Keys are quantized per channel.', cites: [1] }]);
    expect(reply.cards).toHaveLength(1);
  });

  it('a reply citing nothing it was given falls back to the extractive answer', async () => {
    fake.mode = { kind: 'reply', content: 'Everything is invented [12].' };
    const { reply, logger, quoted } = await ask();
    expect(reply.sentences.length).toBeGreaterThan(0);
    expect(quoted).toBe(true);
    expect(fellBack(logger)).toBe(true);
  });

  for (const [name, mode] of [
    ['malformed JSON', { kind: 'malformed' }],
    ['a 500', { kind: 'status', status: 500 }],
  ] as const) {
    it(`${name} falls back to the extractive answer and says so in the log`, async () => {
      fake.mode = mode;
      const { reply, logger, quoted } = await ask();
      expect(reply.sentences.length).toBeGreaterThan(0);
      expect(quoted).toBe(true);
      expect(fellBack(logger)).toBe(true);
    });
  }

  it('a reply larger than the cap is abandoned as it streams, and the answer falls back to the extractive one, naming the cap', async () => {
    fake.mode = { kind: 'huge', sentence: 'Keys are quantized per channel [1].', bytes: 8 * 1024 * 1024 };
    const { reply, logger, quoted } = await ask(10_000);
    expect(reply.sentences.length).toBeGreaterThan(0);
    expect(quoted).toBe(true);
    const warn = logger.entries.find((e) => e.level === 'warn' && /answering from the abstracts/.test(e.msg ?? ''));
    expect(JSON.stringify(warn?.obj)).toMatch(/answered with more than 1 MB/);
  });

  it('a server that does not answer in time falls back after the timeout', async () => {
    fake.mode = { kind: 'hang' };
    const { reply, logger, quoted } = await ask(300);
    expect(reply.sentences.length).toBeGreaterThan(0);
    expect(quoted).toBe(true);
    const warn = logger.entries.find((e) => e.level === 'warn' && /answering from the abstracts/.test(e.msg ?? ''));
    expect(JSON.stringify(warn?.obj)).toMatch(/no answer within 300 ms/);
  });
});

describe('checking what a model wrote', () => {
  it('keeps cited sentences, strips markdown and list markers, and reads [1, 2] and citations after the full stop', () => {
    expect(checkWritten('- **Bold** claim. [1]\n- Second claim [1, 2].\n\nThird [3].', 2)).toEqual([
      { text: 'Bold claim.', sources: [1] },
      { text: 'Second claim.', sources: [1, 2] },
    ]);
  });

  it('"NO ANSWER" is no sentence', () => {
    expect(checkWritten('NO ANSWER', 3)).toEqual([]);
  });
});
