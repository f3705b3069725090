// The console chat: commands and questions typed in, rendered replies out, /more pages, /quit ends.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createCompleter, createConsoleAdapter, sanitizeLine } from '../../../adapters/console/index.js';
import { renderText } from '../../../adapters/console/render.js';
import { silentLogger } from '../../../src/logger.js';
import { createTestCore } from '../../support/core.js';
import { HOSTILE_TITLE, testPapers } from '../../support/papers.js';
import type { Paper } from '../../../src/papers/model.js';

async function session(lines: string[], papers?: Paper[], opts: { columns?: number } = {}): Promise<string> {
  const core = await createTestCore(papers ? { papers } : {});
  const input = new PassThrough();
  const output = Object.assign(new PassThrough(), opts.columns ? { columns: opts.columns } : {});
  let text = '';
  output.on('data', (d: Buffer) => (text += d.toString()));
  const adapter = createConsoleAdapter({ dispatcher: core.dispatcher, logger: silentLogger, input, output });
  await adapter.start();
  for (const l of lines) input.write(`${l}\n`);
  input.end();
  await adapter.done;
  return text;
}

/**
 * A session over an input that says it is a TTY (as `paperboy serve` in a terminal), so readline
 * runs in terminal mode; `type` writes raw keys, `until` waits for output.
 */
async function terminalSession() {
  const core = await createTestCore();
  const input = Object.assign(new PassThrough(), { isTTY: true });
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => (text += d.toString()));
  const adapter = createConsoleAdapter({ dispatcher: core.dispatcher, logger: silentLogger, input, output });
  await adapter.start();
  let ended = false;
  void adapter.done.then(() => (ended = true));
  return {
    adapter,
    type: (keys: string) => input.write(keys),
    text: () => text,
    ended: () => ended,
    async until(pattern: RegExp, count = 1): Promise<void> {
      const deadline = Date.now() + 5_000;
      while ((text.match(new RegExp(pattern.source, 'g')) ?? []).length < count) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} (x${count}) in:\n${text}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    /** Resolves with the output once the session ends without its input ending (a quit key, /quit). */
    async quit(): Promise<string> {
      await adapter.done;
      return text;
    },
    async end(): Promise<string> {
      input.end();
      await adapter.done;
      return text;
    },
  };
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
    const many = Array.from({ length: 12 }, (_, i) => ({
      ...testPapers[0]!,
      id: `p${i}`,
      arxivId: null,
      title: `Paper ${String(i).padStart(2, '0')}`,
      upvotes: 100 - i,
    }));
    const out = await session(['/trending 2025-11-27', '/more'], many);
    expect(out).toMatch(/Showing 1[-–]10 of 12\. Type \/more for more\./);
    expect(out).toMatch(/11\. Paper 10/);
    expect(out).toMatch(/Showing 11[-–]12 of 12\./);
    const again = await session(['/more']);
    expect(again).toMatch(/Nothing more to show/);
  });

  it('plain text is treated as a question; bad input gets a friendly message and the session goes on', async () => {
    const out = await session(['which paper compresses the kv cache?', '/trending 2025-99-99', '/help']);
    expect(out).toMatch(/KIVI/);
    expect(out).toMatch(/not a date, week or month/);
    expect(out).toMatch(/paperboy answers questions/);
  });

  it('a question is answered with numbered citations, and the session follows up on it', async () => {
    const out = await session(['how is the kv cache quantized?', 'tell me more about 2', 'more like [1]']);
    const second = /^\[2\] (.+)$/m.exec(out)?.[1];
    expect(second).toBeDefined();
    // "tell me more about 2" showed that paper's details: its card comes again, with its whole abstract.
    expect(out.split(second ?? '').length).toBeGreaterThan(2);
    expect(out).toMatch(/More like \[1\]/);
  });

  it('/quit ends the session even with lines still typed after it, and a mistyped /command is pointed out', async () => {
    const out = await session(['/serch kv cache', '/quit', '/search kv cache']);
    expect(out).toMatch(/I don't know the command "serch"/);
    expect(out).not.toMatch(/Search: kv cache/);
  });

  it('strips terminal control characters from outside text', () => {
    const text = renderText({ kind: 'text', title: `evil\u001b[31mred\u0007 ${HOSTILE_TITLE}`, lines: [], visibility: 'public' });
    expect(text.includes('\u001b') || text.includes('\u0007')).toBe(false);
    expect(text).toContain('<!channel>');
  });

  it('terminal mode: the up arrow recalls the last line (history) instead of searching for "[A"', async () => {
    const t = await terminalSession();
    t.type('/search kv cache\r');
    await t.until(/Search: kv cache/);
    t.type('\x1b[A');
    t.type('\r');
    await t.until(/Search: kv cache/, 2);
    const out = await t.end();
    expect(out).not.toMatch(/has no words/);
    expect(out).not.toMatch(/"\[A"/);
  });

  it('Ctrl-C clears the typed line like a shell (^C, a new empty prompt, one hint), and a second Ctrl-C on the empty line quits', async () => {
    const t = await terminalSession();
    t.type('/search kv cach');
    t.type('\x03');
    await t.until(/\^C/);
    expect(t.text()).toContain('(To quit, press Ctrl-C again or Ctrl-D, or type /quit)');
    // The dropped line is not run: what is typed next is a fresh line.
    t.type('/trending 2025-11-27\r');
    await t.until(/Trending on 2025-11-27/);
    expect(t.text()).not.toMatch(/Search: kv cach/);
    t.type('/paper Inf');
    t.type('\x03');
    await t.until(/\^C/, 2);
    expect(t.ended()).toBe(false);
    // The hint is given once per session.
    expect(t.text().split('To quit, press Ctrl-C again').length).toBe(2);
    t.type('\x03');
    const out = await t.quit();
    expect(out).not.toMatch(/ProbSparse/);
  });

  it('Ctrl-D on an empty line quits the console', async () => {
    const t = await terminalSession();
    t.type('\x04');
    await t.quit();
    expect(t.ended()).toBe(true);
  });

  it('a note (a warning logged while the prompt waits) is one line above the prompt, and the half-typed line is drawn again after it', async () => {
    const t = await terminalSession();
    t.type('/search kv');
    await t.until(/\/search kv/);
    t.adapter.note('Warning: live ingest failed: serving the papers already stored.');
    await t.until(/serving the papers already stored\.\n/);
    const after = t.text().slice(t.text().lastIndexOf('serving the papers already stored.'));
    // eslint-disable-next-line no-control-regex
    expect(after.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '')).toBe('serving the papers already stored.\npaperboy> /search kv');
    // The line typed before the note is still there: finishing it runs the whole of it.
    t.type(' cache\r');
    await t.until(/Search: kv cache/);
    await t.end();
  });

  it('terminal mode: Tab completes /tre to /trending, and a period after it', async () => {
    const t = await terminalSession();
    t.type('/tre\t');
    await t.until(/\/trending/);
    t.type(' 2025-11-2');
    t.type('7\r');
    await t.until(/Trending on 2025-11-27/);
    await t.end();
  });

  it('completer: /command names (with /more, /quit, /help), and /topic and /trending arguments from the dispatcher', async () => {
    const complete = createCompleter((await createTestCore()).dispatcher);
    expect(await complete('/tre')).toEqual([['/trending'], '/tre']);
    expect((await complete('/'))[0]).toEqual(expect.arrayContaining(['/search', '/trending', '/paper', '/topic', '/help', '/more', '/quit']));
    expect(await complete('/q')).toEqual([['/quit'], '/q']);
    expect(await complete('/trending 2025-W')).toEqual([['2025-W48', '2025-W47'], '2025-W']);
    expect(await complete('/topic kv')).toEqual([['kv cache'], 'kv']);
    expect(await complete('/search kv')).toEqual([[], '/search kv']);
    expect(await complete('kv cache')).toEqual([[], 'kv cache']);
  });

  it('a stray escape sequence is stripped from a typed line, and a line of nothing else gets no reply', async () => {
    expect(sanitizeLine('\x1b[A')).toBe('');
    expect(sanitizeLine('\x1bOB\x1b[1;5Ckv\x07 cache\x1b[3~')).toBe('kv cache');
    expect(sanitizeLine('\x1b]0;title\x07/search kv cache')).toBe('/search kv cache');
    const out = await session(['\x1b[A', '\x1b[B\x1b[D', '/search \x1b[Ckv cache']);
    expect(out).not.toMatch(/has no words/);
    expect(out).toMatch(/Search: kv cache/);
  });

  it('a "Which one?" list is answered by its number; out of range is explained; after the picked card a number still means that list', async () => {
    const out = await session(['/paper kv cache', '5', '2', '1']);
    expect(out).toMatch(/Which one\?/);
    expect(out).toMatch(/1\. QJL/);
    expect(out).toMatch(/Type a number from 1 to 2 to pick one\./);
    expect(out).toMatch(/Pick a number from 1 to 2\./);
    // "2" opened KIVI (its card has the paper's URL); one card is no list, so the "1" after it is still QJL, not a made-up answer.
    const kivi = out.indexOf('https://huggingface.co/papers/2402.02750');
    expect(kivi).toBeGreaterThan(out.indexOf('Pick a number'));
    expect(out.indexOf('https://huggingface.co/papers/2406.03482', kivi)).toBeGreaterThan(kivi);
    expect(out).not.toMatch(/I found no papers on "1"/);
  });

  it('the welcome is wrapped at the output width, never mid-word', async () => {
    const out = await session([], undefined, { columns: 60 });
    const welcome = out.slice(0, out.indexOf('paperboy> '));
    for (const line of welcome.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(welcome).toContain('SLACK_SIGNING_SECRET),');
    expect(welcome).toContain('DISCORD_APP_ID,');
    expect(welcome.replace(/\s+/g, ' ')).toContain('To connect Slack or Discord, set SLACK_BOT_TOKEN + SLACK_APP_TOKEN');
  });

  it("/help lists /more, /quit, number picks and plain questions; /help search is the command's own help", async () => {
    const out = await session(['/help']);
    expect(out).toMatch(/paperboy answers questions/);
    expect(out).toMatch(/\/more: the next page/);
    expect(out).toMatch(/\/quit: leave/);
    expect(out).toMatch(/A number: pick/);
    expect(out).toMatch(/just type a question/);
    const one = await session(['/help search']);
    expect(one).toMatch(/search: Search papers/);
    expect(one).toMatch(/Usage: search/);
    expect(one).not.toMatch(/\/more: the next page/);
  });
});
