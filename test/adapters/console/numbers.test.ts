// The console's numbers follow the screen: after any numbered list, a number or "tell me more about N" is that list's paper.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createConsoleAdapter } from '../../../adapters/console/index.js';
import { silentLogger } from '../../../src/logger.js';
import type { Paper } from '../../../src/papers/model.js';
import { createTestCore } from '../../support/core.js';
import { testPapers } from '../../support/papers.js';
import { manyPapers } from '../../support/manyPapers.js';

async function session(lines: string[], papers: Paper[] = testPapers): Promise<string> {
  const core = await createTestCore({ papers });
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => (text += d.toString()));
  const adapter = createConsoleAdapter({ dispatcher: core.dispatcher, logger: silentLogger, input, output });
  await adapter.start();
  for (const l of lines) input.write(`${l}\n`);
  input.end();
  await adapter.done;
  return text;
}

/** The output from the `n`-th prompt on (what the `n`-th typed line printed, and after). */
function after(out: string, n: number): string {
  return out
    .split('paperboy> ')
    .slice(n + 1)
    .join('paperboy> ');
}

describe('console: numbers follow the screen', () => {
  it('/search kv cache then "2" shows result 2\'s paper details', async () => {
    const out = await session(['/search kv cache', '2']);
    const second = /^2\. (.+)$/m.exec(out)?.[1];
    const paper = testPapers.find((p) => p.title === second);
    expect(paper).toBeDefined();
    // The details: the paper's whole abstract, not a made-up answer matched on the digit.
    expect(after(out, 1)).toContain(`[1] ${second}`);
    expect(after(out, 1).replace(/\s+/g, ' ')).toContain(paper?.abstract);
    expect(after(out, 1)).not.toMatch(/I found no papers on "2"/);
  });

  it('after /more (page 2), "7" is the 7th result', async () => {
    const out = await session(['/search sparse attention', '/more', '7'], manyPapers);
    const seventh = /^7\. (.+)$/m.exec(out)?.[1];
    const paper = manyPapers.find((p) => p.title === seventh);
    expect(paper).toBeDefined();
    expect(after(out, 2)).toContain(`[1] ${seventh}`);
    expect(after(out, 2).replace(/\s+/g, ' ')).toContain(paper?.abstract);
    expect(after(out, 2)).not.toMatch(/I found no papers on "7"/);
  });

  it('a paper\'s related papers are numbered after it, and "more like [2]" is the one shown as [2]', async () => {
    const out = await session(['tell me about KIVI', 'more like [2]']);
    const details = after(out, 0).split('paperboy> ')[0] ?? '';
    expect(details).toMatch(/Related papers:/);
    expect(details).not.toMatch(/^- /m);
    const second = /^\[2\] (.+)$/m.exec(details)?.[1];
    expect(second).toBeDefined();
    expect(after(out, 1)).toContain(`More like [2]: ${second}`);
  });

  it('"Which one?" lists titles, not internal ids', async () => {
    const out = await session(['/paper sparse attention study'], manyPapers);
    expect(out).toMatch(/Which one\?/);
    expect(out).toMatch(/^1\. Sparse Attention Study/m);
    expect(out).not.toMatch(/t-sparse-attention-study/);
  });

  it('a mistyped /command suggests the one meant', async () => {
    const out = await session(['/serach kv', 'serach kv']);
    expect(out.split('I don\'t know the command "serach" — did you mean "search"?').length).toBe(3);
  });
});
