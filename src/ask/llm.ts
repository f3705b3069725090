// The optional generative answer: an OpenAI-compatible chat-completions client, and the check every reply of it passes.
import { z } from 'zod';
import { BodyTooLarge, describeBytes, readBounded } from '../boundedBody.js';
import { err, ok } from '../errors.js';
import type { AnswerSource, AnswerWriter } from '../ports.js';
import { sentences } from '../search/snippets.js';

export interface OpenAiWriterOptions {
  /** The server's base URL up to the version, e.g. `http://127.0.0.1:8080/v1` (llama.cpp, Ollama, vLLM, OpenAI). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** NOTE: milliseconds; the whole request, reply body included. */
  timeoutMs: number;
  /** For tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** The largest reply read (bytes); a larger one is abandoned as it streams in. Default {@link LLM_MAX_RESPONSE_BYTES}. */
  maxResponseBytes?: number;
}

/**
 * NOTE: bytes. An answer of at most {@link MAX_TOKENS} tokens is a few KB of JSON; a server that sends
 * more (echoed prompts, logprobs, a runaway stream) is cut off here rather than read whole.
 */
export const LLM_MAX_RESPONSE_BYTES = 1024 * 1024;

/** The longest answer asked for, in tokens (two to five sentences fit well inside it). */
const MAX_TOKENS = 400;

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable().optional() }) })).min(1),
});

/** The instruction the model gets: the abstracts only, every sentence cited by number. */
export const SYSTEM_PROMPT = [
  'You answer questions about machine-learning papers using ONLY the numbered abstracts given.',
  'Write 2 to 5 short plain sentences. End every sentence with the number of the abstract it comes from in square brackets, e.g. [2].',
  'Do not use any knowledge beyond the abstracts. If they do not answer the question, reply with exactly: NO ANSWER',
  'No headings, no lists, no markdown, no URLs.',
].join(' ');

function userPrompt(question: string, sources: readonly AnswerSource[]): string {
  const list = sources.map((s) => `[${s.n}] ${s.title}\n${s.abstract}`).join('\n\n');
  return `Abstracts:\n\n${list}\n\nQuestion: ${question}`;
}

/**
 * A writer for any OpenAI-compatible `POST {base}/chat/completions`. Nothing is streamed: the
 * whole reply is read, then checked by {@link checkWritten} before anything reaches chat.
 * NOTE: written on `fetch` rather than the `openai` package: one request and one response shape
 * are all it needs, and the errors must stay values (no SDK retries behind the timeout).
 */
export function createOpenAiWriter(opts: OpenAiWriterOptions): AnswerWriter {
  const doFetch = opts.fetch ?? fetch;
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const maxBytes = opts.maxResponseBytes ?? LLM_MAX_RESPONSE_BYTES;
  /** The URL for messages: no credentials a base URL might carry. */
  const shownUrl = ((u) => `${u.origin}${u.pathname}`)(new URL(url));
  return {
    name: opts.model,
    async write(question, sources) {
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) },
          body: JSON.stringify({
            model: opts.model,
            temperature: 0,
            max_tokens: MAX_TOKENS,
            stream: false,
            messages: [
              { role: 'system', content: SYSTEM_PROMPT },
              { role: 'user', content: userPrompt(question, sources) },
            ],
          }),
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
      } catch (e) {
        const name = e instanceof Error ? e.name : '';
        return err(name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${opts.timeoutMs} ms` : `request failed (${describe(e)})`);
      }
      let body: unknown;
      try {
        if (!res.ok) {
          await res.body?.cancel();
          return err(`HTTP ${res.status}`);
        }
        const text = await readBounded(res, maxBytes);
        body = JSON.parse(text);
      } catch (e) {
        if (e instanceof BodyTooLarge) return err(`${shownUrl} answered with more than ${describeBytes(e.maxBytes)}; paperboy stopped reading it`);
        const name = e instanceof Error ? e.name : '';
        return err(name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${opts.timeoutMs} ms` : 'the reply is not JSON');
      }
      const parsed = completionSchema.safeParse(body);
      if (!parsed.success) return err('the reply is not a chat completion');
      const content = parsed.data.choices[0]?.message.content ?? '';
      return content.trim() === '' ? err('the reply is empty') : ok(content);
    },
  };
}

/** An error's message without anything that could hold a key (only the error's class and code). */
function describe(e: unknown): string {
  if (!(e instanceof Error)) return 'unknown error';
  const cause = (e as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? `${e.name} ${cause.code}` : e.name;
}

/** One checked sentence of a model's answer, citing sources by their given numbers. */
export interface WrittenSentence {
  text: string;
  sources: number[];
}

/**
 * Keeps only what the sources back: each sentence's `[n]` markers are read, numbers that name no
 * given source are dropped, and a sentence left with no valid citation is dropped with them.
 * Markdown the model added (bold, headings, list markers) is taken out; renderers escape the rest.
 */
export function checkWritten(text: string, sourceCount: number): WrittenSentence[] {
  if (/^\s*NO ANSWER\s*$/i.test(text)) return [];
  const flat = text
    .replace(/^\s*(?:[-*•]|\d+[.)]|#+)\s+/gm, '')
    .replace(/\*\*|__/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const out: WrittenSentence[] = [];
  // NOTE: a citation after the full stop ("… memory. [2]") belongs to the sentence before it.
  const joined = flat.replace(/([.!?])\s*((?:\[\s*\d+(?:\s*,\s*\d+)*\s*\]\s*)+)/g, ' $2$1 ');
  for (const s of sentences(joined)) {
    const raw = joined.slice(s.start, s.end).trim();
    const cited: number[] = [];
    for (const m of raw.matchAll(/\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]/g)) {
      for (const n of (m[1] ?? '').split(',').map((x) => Number(x.trim()))) {
        if (Number.isInteger(n) && n >= 1 && n <= sourceCount && !cited.includes(n)) cited.push(n);
      }
    }
    const clean = raw
      .replace(/\s*\[\s*[^\]]*\]/g, '')
      .replace(/\s+([.!?,;:])/g, '$1')
      .trim();
    if (cited.length > 0 && clean.length > 0) out.push({ text: clean, sources: cited });
  }
  return out.slice(0, 5);
}
