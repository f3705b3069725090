// A paper's gist: the one line list answers and cards open with.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gist } from '../../src/ask/gist.js';
import { paperCard } from '../../src/cards.js';
import { loadSeedDir } from '../../src/papers/seeds.js';

const seeds = loadSeedDir(path.resolve(import.meta.dirname, '../../seeds')).papers;
const byTitle = (start: string) => {
  const p = seeds.find((s) => s.title.startsWith(start));
  if (!p) throw new Error(`no seed paper ${start}`);
  return p;
};

describe('gist', () => {
  it("is Hugging Face's ai_summary when the paper has one", () => {
    const p = { ...byTitle('KIVI:'), aiSummary: 'KIVI quantizes keys per channel and values per token to 2 bits.' };
    expect(gist(p)).toBe('KIVI quantizes keys per channel and values per token to 2 bits.');
  });

  it("is the paper's contribution sentence, not the abstract's generic first sentence", () => {
    const think = byTitle('ThinK:');
    expect(think.abstract).toMatch(/^Large Language Models \(LLMs\) have revolutionized/);
    expect(gist(think)).not.toMatch(/have revolutionized/);
    expect(gist(think)).toMatch(/\b(?:ThinK|we)\b.*\b(?:propos|introduc|present|prun)/i);
  });

  it('cards open with the gist', () => {
    for (const start of ['ThinK:', 'KIVI:', 'Scissorhands:', 'InstInfer:']) {
      const p = byTitle(start);
      const card = paperCard(p);
      expect(card.snippet.map((s) => s.text).join('')).toBe(gist(p));
      expect(p.abstract.startsWith(gist(p))).toBe(false);
    }
  });
});
