// Logs in the console chat: each pino JSON line becomes one sentence, written above the prompt instead of through it.
import { Writable } from 'node:stream';
import { sanitizeLine } from './index.js';

/** pino's numeric levels, as a reader says them (https://getpino.io/#/docs/api?id=loggerlevels-object). */
const LEVELS: Record<number, string> = { 10: 'Trace', 20: 'Debug', 30: 'Note', 40: 'Warning', 50: 'Error', 60: 'Fatal error' };

/** The fields of a log line that say why, in the order a reader wants them. */
const CAUSES = ['problem', 'reason', 'error'] as const;

/**
 * One log line as one sentence: `Warning: live ingest failed: …. Cause: connect ECONNREFUSED …`.
 * Only the level, the message and its cause are kept (ids and timestamps are for log files); text
 * that is not a JSON log line is shown as it is. Control characters are removed, so outside text
 * (an error from Hugging Face) cannot move the cursor or break the line.
 */
export function logSentence(line: string): string {
  let entry: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null) return sanitizeLine(line).trim();
    entry = parsed as Record<string, unknown>;
  } catch {
    return sanitizeLine(line).trim();
  }
  const level = typeof entry.level === 'number' ? (LEVELS[entry.level] ?? 'Note') : 'Note';
  const msg = typeof entry.msg === 'string' ? entry.msg : '';
  const err = entry.err as { message?: unknown } | undefined;
  const cause = [...CAUSES.map((k) => entry[k]), err?.message].find((v): v is string => typeof v === 'string' && v !== '');
  const sentence = (s: string) => (/[.!?]$/.test(s) ? s : `${s}.`);
  const text = `${level}: ${sentence(msg || 'something went wrong')}${cause ? ` Cause: ${sentence(cause)}` : ''}`;
  return sanitizeLine(text).trim();
}

/** Where the console chat's logs go: attached to the console while it runs, to `fallback` before and after. */
export interface ConsoleLogSink extends Writable {
  /** Sends each sentence to `note` (the console writes it above the prompt) until `detach`. */
  attach(note: (text: string) => void): void;
  detach(): void;
}

/**
 * A pino destination for `serve`'s console chat: JSON lines in, one sentence each out, through the
 * console once it has started (so a warning never lands in the line being typed), and on `fallback`
 * (the terminal's stderr) before the console starts and after it ends.
 */
export function consoleLogSink(fallback: NodeJS.WritableStream): ConsoleLogSink {
  let note: ((text: string) => void) | null = null;
  let pending = '';
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _enc, cb) {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        const text = logSentence(line);
        if (note) note(text);
        else fallback.write(`${text}\n`);
      }
      cb();
    },
  });
  return Object.assign(stream, {
    attach(fn: (text: string) => void) {
      note = fn;
    },
    detach() {
      note = null;
    },
  });
}
