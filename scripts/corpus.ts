// A deterministic synthetic corpus for benchmarks: real seed sentences and title words recombined into N papers.
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';
import type { Paper } from '../src/papers/model.js';
import { slugId } from '../src/papers/model.js';
import { loadSeedDir } from '../src/papers/seeds.js';

/** A deterministic PRNG (mulberry32), so every run measures the same corpus. */
export function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed corpus shipped in `seeds/`. */
export function seedPapers(): Paper[] {
  return loadSeedDir(path.join(PROJECT_ROOT, 'seeds')).papers;
}

const DAY = 86_400_000;
/** Three years of daily lists, ending where the seeds end. */
const FIRST_DAY = Date.UTC(2023, 3, 1);
const DAYS = 3 * 365;

/**
 * `n` papers made of the seeds' own sentences and title words, so term statistics look like real
 * abstracts: titles of 5-11 title words (some with a "Name:" prefix, as ML titles have), abstracts of
 * 4-9 sentences, 1-12 authors from the seeds, an org for a third of them, dates spread uniformly over
 * three years and Zipf-like upvotes (a few papers get most of them, as on Hugging Face).
 */
export function syntheticCorpus(n: number, seed = 42, from: readonly Paper[] = seedPapers()): Paper[] {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const sentences = from.flatMap((p) => p.abstract.split(/(?<=[.!?])\s+(?=[A-Z])/)).filter((s) => s.length > 20);
  const titleWords = from.flatMap((p) => p.title.replace(/^[^:]{2,30}:\s*/, '').split(/\s+/)).filter((w) => w.length > 1);
  const prefixes = from.map((p) => /^([^:]{2,30}):/.exec(p.title)?.[1]).filter((x): x is string => x !== undefined);
  const authors = [...new Set(from.flatMap((p) => p.authors))];
  const orgs = [...new Set(from.map((p) => p.org).filter((o): o is string => o !== null))];
  const out: Paper[] = [];
  for (let i = 0; i < n; i++) {
    const words = Array.from({ length: 5 + Math.floor(rand() * 7) }, () => pick(titleWords)).join(' ');
    const title = `${rand() < 0.4 && prefixes.length > 0 ? `${pick(prefixes)}${i}: ` : ''}${words}`;
    const abstract = Array.from({ length: 4 + Math.floor(rand() * 6) }, () => pick(sentences)).join(' ');
    const people = authors.length > 0 ? Array.from({ length: 1 + Math.floor(rand() * 12) }, () => pick(authors)) : [];
    const day = new Date(FIRST_DAY + Math.floor(rand() * DAYS) * DAY).toISOString().slice(0, 10);
    // Zipf-like: the k-th most popular paper gets about 600 / k votes.
    const upvotes = Math.floor(600 / (1 + Math.floor(rand() * n)) ** 0.9 + rand() * 3);
    out.push({
      id: slugId(`${title} ${i}`),
      title,
      abstract,
      authors: [...new Set(people)],
      authorCount: new Set(people).size || null,
      org: rand() < 0.33 && orgs.length > 0 ? pick(orgs) : null,
      publishedAt: day,
      upvotes,
      arxivId: null,
      thumbnail: null,
      sources: [{ name: 'bench:synthetic' }],
    });
  }
  return out;
}

/**
 * Benchmark queries: `count` one-to-three-term queries drawn from the corpus's own title and
 * abstract words (frequent and rare alike), deterministic for a seed.
 */
export function syntheticQueries(papers: readonly Paper[], count = 200, seed = 7): string[] {
  const rand = rng(seed);
  const vocabulary = [
    ...new Set(
      papers
        .slice(0, 2000)
        .flatMap((p) => `${p.title} ${p.abstract}`.toLowerCase().match(/[a-z][a-z-]{3,}/g) ?? [])
        .filter((w) => !/^(with|from|that|this|these|their|which|while|using|based|paper|show|than|into)$/.test(w)),
    ),
  ];
  return Array.from({ length: count }, () => {
    const k = 1 + Math.floor(rand() * 3);
    return Array.from({ length: k }, () => vocabulary[Math.floor(rand() * vocabulary.length)] ?? 'model').join(' ');
  });
}
