// The console chat: commands and questions typed in, rendered replies out, /more pages, /quit ends.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createConsoleAdapter } from '../../../adapters/console/index.js';
import { renderText } from '../../../adapters/console/render.js';
import { silentLogger } from '../../../src/logger.js';
import { createTestCore } from '../../support/core.js';
import { HOSTILE_TITLE, testPapers } from '../../support/papers.js';
import type { Paper } from '../../../src/papers/model.js';

async function session(lines: string[], papers?: Paper[]): Promise<string> {
  const core = createTestCore(papers ? { papers } : {});
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

describe('console adapter', () => {
  it('answers /search, /trending and /paper, and says how to connect Slack or Discord', async () => {
    const out = await session(['/search kv cache', '/trending 2025-11-27', '/paper Informer']);
    expect(out).toMatch(/SLACK_BOT_TOKEN/);
    expect(out).toMatch(/Search: kv cache/);
    expect(out).toMatch(/Trending on 2025-11-27/);
    expect(out).toMatch(/ProbSparse self-attention/);
  });

  it('/more shows the next page of the last list', async () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ ...testPapers[0]!, id: `p${i}`, arxivId: null, title: `Paper ${String(i).padStart(2, '0')}`, upvotes: 100 - i }));
    const out = await session(['/trending 2025-11-27', '/more'], many);
    expect(out).toMatch(/Showing 1-10 of 12\. Type \/more for more\./);
    expect(out).toMatch(/11\. Paper 10/);
    expect(out).toMatch(/Showing 11-12 of 12\./);
    const again = await session(['/more']);
    expect(again).toMatch(/Nothing more to show/);
  });

  it('plain text is treated as a question; bad input gets a friendly message and the session goes on', async () => {
    const out = await session(['which paper compresses the kv cache?', '/trending 2025-99-99', '/help']);
    expect(out).toMatch(/KIVI/);
    expect(out).toMatch(/not a date, week or month/);
    expect(out).toMatch(/paperboy answers questions/);
  });

  it('/quit ends the session even with lines still typed after it, and a mistyped /command is pointed out', async () => {
    const out = await session(['/serch kv cache', '/quit', '/search kv cache']);
    expect(out).toMatch(/I don't know the command "serch"/);
    expect(out).not.toMatch(/Search: kv cache/);
  });

  it('strips terminal control characters from outside text', () => {
    const text = renderText({ kind: 'text', title: `evil\u001b[31mred\u0007 ${HOSTILE_TITLE}`, lines: [], visibility: 'public' });
    expect(text.includes("\u001b") || text.includes("\u0007")).toBe(false);
    expect(text).toContain('<!channel>');
  });
});
