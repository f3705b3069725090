// A Logger for a worker thread that hands each line to the main thread, which writes it through serve's own logger (one stream, one redaction).
import type { MessagePort } from 'node:worker_threads';
import type { Logger } from '../logger.js';
import type { FromIngestThread, LogLevel } from './threadMessages.js';

/**
 * Logs by message: `{ type: 'log', level, bindings, obj, msg }` to `port`. Errors in the log object
 * become plain `{ type, message, stack, code }` objects (what pino's err serializer writes), since a
 * structured clone keeps no custom fields of an Error.
 */
export function threadLogger(port: Pick<MessagePort, 'postMessage'>, bindings: Record<string, unknown> = {}): Logger {
  const send = (level: LogLevel) => (obj: unknown, msg?: string) => {
    const message: FromIngestThread = { type: 'log', level, bindings, obj: cloneable(obj), ...(msg !== undefined ? { msg } : {}) };
    port.postMessage(message);
  };
  return {
    child: (more) => threadLogger(port, { ...bindings, ...more }),
    debug: send('debug'),
    info: send('info'),
    warn: send('warn'),
    error: send('error'),
  };
}

/** Writes a line the thread sent through `logger`, with the thread's bindings. */
export function relayLog(logger: Logger, m: Extract<FromIngestThread, { type: 'log' }>): void {
  const log = Object.keys(m.bindings).length > 0 ? logger.child(m.bindings) : logger;
  log[m.level](m.obj, m.msg);
}

function cloneable(obj: unknown): unknown {
  if (obj instanceof Error) return plainError(obj);
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return obj;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = v instanceof Error ? plainError(v) : typeof v === 'function' ? undefined : v;
  return out;
}

function plainError(e: Error): Record<string, unknown> {
  const code = (e as { code?: unknown }).code;
  return { type: e.name, message: e.message, stack: e.stack, ...(code !== undefined ? { code } : {}) };
}
