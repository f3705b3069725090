// The topic rule: counts of "how many papers on X?" (abbreviations, known topics however typed, its parameters), `topic` listing the same papers first (then the also related), and "what's new" lists drawing on it.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countRule } from '../../src/ask/count.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { Library, type TopicOptions } from '../../src/library.js';
import { silentLogger } from '../../src/logger.js';
import type { Paper } from '../../src/papers/model.js';
import { loadSeedDir } from '../../src/papers/seeds.js';
import type { Reply } from '../../src/reply.js';
import { MemorySearchIndex } from '../../src/search/searchIndex.js';
import { openStore } from '../../src/store/sqlite.js';
import { createTestCore } from '../support/core.js';
import { testPapers } from '../support/papers.js';

const paper = (id: string, title: string, abstract: string): Paper => ({ ...testPapers[0]!, id, arxivId: null, title, abstract });

async function library(papers: readonly Paper[], topic: Partial<TopicOptions> = {}): Promise<Library> {
  const store = await openStore(':memory:');
  const lib = new Library(store, new MemorySearchIndex(() => store.all(), silentLogger), { topic });
  await lib.ingest(papers);
  return lib;
}

const ids = (lib: Library, text: string): string[] =>
  lib
    .onTopic(text)
    .map((h) => h.id)
    .sort();

function papersOf(r: Reply): Extract<Reply, { kind: 'papers' }> {
  if (r.kind !== 'papers') throw new Error(`expected papers, got ${r.kind}`);
  return r;
}

let seededCore: ReturnType<typeof createTestCore> | null = null;
const seeded = () => (seededCore ??= createTestCore({ papers: loadSeedDir(path.join(PROJECT_ROOT, 'seeds')).papers }));

describe('count', () => {
  it('a count of free words counts a paper that writes the abbreviation of a phrase ("MoE" for "mixture of experts")', async () => {
    const lib = await library([
      paper('moe', 'Scaling MoE Models', 'We train sparse MoE models with many small experts.'),
      paper('spelled', 'Mixture of Experts Models at Scale', 'Routing tokens to experts.'),
      paper('other', 'A Vision Model', 'One expert annotated the images for the model.'),
    ]);
    expect(ids(lib, 'mixture of experts models')).toEqual(['moe', 'spelled']);
  });

  it('a count of "kv cache eviction" counts papers that write "key-value cache"', async () => {
    const lib = await library(
      [
        paper('kv', 'Key-Value Cache Eviction for Long Context', 'We evict entries of the key-value cache.'),
        paper('no', 'Cache Eviction Policies for CDNs', 'We evict entries of web caches.'),
      ],
      { share: 1 },
    );
    expect(ids(lib, 'kv cache eviction')).toEqual(['kv']);
  });

  it('a known topic is counted as the topic however it is typed (stop words, plurals, hyphens)', async () => {
    const core = await seeded();
    for (const [typed, name] of [
      ['mixture-of-experts', 'mixture of experts'],
      ['KV caches', 'kv cache'],
      ['diffusion model', 'diffusion models'],
    ] as const) {
      const r = papersOf(await core.dispatcher.runText(`how many papers on ${typed}?`));
      expect(r.notice).toMatch(new RegExp(`^Counted as \`topic ${name}\` lists them: papers with one of`));
    }
  });

  it('with a share below one, a paper needs only most of three or more words: "kv cache compression" counts KV cache papers', async () => {
    const papers = [
      paper('evict', 'KV Cache Eviction', 'We drop tokens from the KV cache.'),
      paper('image', 'Learned Image Compression', 'We compress images with a learned codec.'),
      paper('all', 'KV Cache Compression', 'We compress the KV cache.'),
    ];
    expect(ids(await library(papers, { share: 1 }), 'kv cache compression')).toEqual(['all']);
    expect(ids(await library(papers, { share: 0.6 }), 'kv cache compression')).toEqual(['all', 'evict']);
    // Two words are always both needed.
    expect(ids(await library(papers, { share: 0.6 }), 'image compression')).toEqual(['image']);
  });

  it('mentions sets how often a word outside the title must occur: once counts at 1, not at 2', async () => {
    const papers = [
      paper('once', 'Model Merging', 'We average weights.'),
      paper('abstract', 'Averaging Weights', 'Model merging combines a model with another.'),
    ];
    expect(ids(await library(papers, { mentions: 2 }), 'model merging')).toEqual(['once']);
    expect(ids(await library(papers, { mentions: 1 }), 'model merging')).toEqual(['abstract', 'once']);
  });

  it('the count says what it includes as the rule applies: how many of the words, how often', () => {
    expect(countRule('kv cache compression', { kind: 'words', words: ['kv', 'cache', 'compression'], need: 2, mentions: 1 })).toMatch(
      /papers with at least 2 of its 3 words \(kv · cache · compression\) in the title or mentioned in title and abstract/,
    );
    expect(countRule('model merging', { kind: 'words', words: ['model', 'merging'], need: 2, mentions: 2 })).toMatch(
      /papers with each of its 2 words \(model · merging\) in the title or mentioned at least twice in title and abstract/,
    );
  });

  it('`topic` of free words lists the papers the count counts first and says how many, by the same count `ask "how many"` gives', async () => {
    const core = await seeded();
    for (const words of ['kv cache compression', 'model merging', 'dense retrieval']) {
      const counted = papersOf(await core.dispatcher.runText(`how many papers on ${words}?`));
      const listed = papersOf(await core.dispatcher.run({ command: 'topic', text: words }));
      expect(listed.notice).toMatch(
        new RegExp(`^Papers 1-${counted.total} are about "${words}" by the topic rule, what \`ask "how many papers on ${words}\\?"\` counts: papers with`),
      );
      const { hits, counted: n } = core.library.topic(words);
      expect(n).toBe(counted.total);
      expect(
        hits
          .slice(0, n)
          .map((h) => h.id)
          .sort(),
      ).toEqual(
        core.library
          .onTopic(words)
          .map((h) => h.id)
          .sort(),
      );
    }
  });

  it('`topic` of a long description also lists the matches that miss the rule, after the counted ones, as also related', async () => {
    const core = await createTestCore({
      papers: [
        paper('chip', 'Custom Chips for LLM Inference', 'Hardware that accelerates inference of large models.'),
        paper('pim', 'Processing in Memory for Transformers', 'We accelerate decoding inside DRAM.'),
        paper('other', 'A Vision Model', 'We classify images of birds.'),
      ],
    });
    const text = 'hardware that accelerates llm inference with custom chips';
    const first = papersOf(await core.dispatcher.run({ command: 'topic', text }));
    expect(first.cards.map((c) => c.id)).toEqual(['chip', 'pim']);
    expect(first.notice).toMatch(/^Paper 1 is about ".*" by the topic rule, .*\. Also related, from 2 on: close matches that do not meet the rule\.$/);
    const counted = papersOf(await core.dispatcher.runText(`how many papers on ${text}?`));
    expect(counted.total).toBe(1);
    const second = papersOf(await core.dispatcher.run({ command: 'topic', input: { topic: text, limit: 1, offset: 1 } }));
    expect(second.cards.map((c) => c.id)).toEqual(['pim']);
    expect(second.notice).toMatch(/^Also related: close matches to ".*" that do not meet the topic rule\. Paper 1 is about it/);
  });

  it('`topic` of words no paper is about lists the closest matches and says so', async () => {
    const core = await createTestCore();
    const r = papersOf(await core.dispatcher.run({ command: 'topic', text: 'quantization for underwater robot swarms' }));
    expect(r.total).toBeGreaterThan(0);
    expect(r.notice).toMatch(/^No paper has enough of these words .*; the closest matches are below\.$/);
  });

  it('"what\'s new on X" lists the newest papers about X (each word in the title or twice), not newer papers that share a word of it', async () => {
    const about = { ...paper('about', 'Model Merging with Curvature', 'We merge fine-tuned models.'), publishedAt: '2025-06-02' };
    const newer = { ...paper('newer', 'Merging Traffic Lanes', 'We merge lanes with a traffic model.'), publishedAt: '2025-11-20' };
    const core = await createTestCore({ papers: [about, newer] });
    const r = papersOf(await core.dispatcher.runText("what's new on model merging?"));
    expect(r.cards.map((c) => c.id)).toEqual(['about']);
  });
});
