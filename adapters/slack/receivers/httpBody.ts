// HTTP mode's request and response bodies: read within a size limit, parsed as Bolt does, and acks written as Bolt does.
import type http from 'node:http';
import { z } from 'zod';

/** Slack's own payloads stay well under this; bigger bodies are refused with 413 before verification. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** The media type of a content-type header, lower-cased, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * A request body as Bolt's HTTPReceiver reads it: form fields (interactive payloads in their `payload`
 * field, as JSON) or JSON. Null when it is neither.
 */
export function parseSlackBody(text: string, type: string): Record<string, unknown> | null {
  const record = z.record(z.string(), z.unknown());
  try {
    if (type === 'application/x-www-form-urlencoded') {
      const form = new URLSearchParams(text);
      const payload = form.get('payload');
      const r = record.safeParse(payload === null ? Object.fromEntries(form) : JSON.parse(payload));
      return r.success ? r.data : null;
    }
    const r = record.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** Writes an ack as Bolt does: empty, a string, or JSON. */
export function writeAck(res: http.ServerResponse, response: unknown): void {
  if (res.headersSent) return;
  if (response === undefined || response === null || response === '') res.writeHead(200).end();
  else if (typeof response === 'string') res.writeHead(200).end(response);
  else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(response));
}

/**
 * Reads a request body: the bytes, null once it exceeds `limit` (the rest is drained, up to a bound, then
 * cut), or 'incomplete' when the connection closed first (a truncated body, or the server's request timeout).
 */
export function readLimited(req: http.IncomingMessage, limit: number): Promise<Buffer | null | 'incomplete'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        if (size > limit * 4) {
          resolve(null);
          req.destroy();
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', () => resolve('incomplete'));
    req.on('close', () => resolve(req.complete ? (over ? null : Buffer.concat(chunks)) : 'incomplete'));
  });
}
