// What the Slack adapter's buttons carry in their values (a More cursor, a line or invocation to share or pick), written and read back.
import { z } from 'zod';
import { MAX_INPUT_CHARS } from '../../src/dispatch.js';
import type { CursorBatch, Invocation } from '../../src/ports.js';
import type { PagerCursor } from '../../src/reply.js';
import { LIMITS } from './render.js';

export const moreValueSchema = z.union([z.object({ c: z.unknown() }), z.object({ k: z.string().min(1).max(64) })]);

export const invocationSchema = z.object({
  command: z.string().min(1).max(40),
  input: z.record(z.string(), z.unknown()).optional(),
  text: z.string().max(MAX_INPUT_CHARS).optional(),
});

/** "Share in channel" re-runs the line typed after `/papers`, or (from a later page) an invocation. */
export const shareValueSchema = z.union([z.object({ line: z.string() }), invocationSchema]);
export type ShareValue = z.infer<typeof shareValueSchema>;

export function parseJson<T>(schema: z.ZodType<T>, raw: string | undefined): T | null {
  if (raw === undefined) return null;
  try {
    const r = schema.safeParse(JSON.parse(raw));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

export function toInvocation(v: z.infer<typeof invocationSchema>): Invocation {
  return { command: v.command, ...(v.input !== undefined ? { input: v.input } : {}), ...(v.text !== undefined ? { text: v.text } : {}) };
}

// NOTE: a More button carries its whole cursor in its value, so any replica continues the list; only one
// too long for the value (a long query full of quotes) waits under a key in `cursors`.
export const moreValueIn =
  (batch: CursorBatch) =>
  (c: PagerCursor): string | null => {
    const inline = JSON.stringify({ c });
    return inline.length <= LIMITS.buttonValue ? inline : JSON.stringify({ k: batch.put(c) });
  };
