// Option schemas and their descriptions shared by several commands: one place for each range and default.
import { z } from 'zod';
import type { CommandArg } from '../src/command.js';
import { MAX_INPUT_CHARS } from '../src/dispatch.js';
import { UserError } from '../src/errors.js';

/** The furthest a list can be paged (a cap on the work one request can ask for). */
export const MAX_OFFSET = 1000;

export const offsetOption = z.coerce.number().int().min(0).max(MAX_OFFSET).default(0);
export const limitOption = (def: number, max: number) => z.coerce.number().int().min(1).max(max).default(def);
export const textOption = z
  .string()
  .max(MAX_INPUT_CHARS, `must be at most ${MAX_INPUT_CHARS} characters`)
  .default('')
  .transform((s) => s.trim());

/**
 * The `limit` and `offset` options of a list command, schema and description from the same
 * numbers, so the CLI's flags, its help and the validation messages agree with the schema.
 */
export function paging(def: number, max: number): { args: CommandArg[]; shape: { limit: ReturnType<typeof limitOption>; offset: typeof offsetOption } } {
  return {
    args: [
      {
        name: 'limit',
        description: `How many to show (1-${max}, default ${def})`,
        type: 'integer',
        required: false,
        minValue: 1,
        maxValue: max,
        defaultValue: def,
        cliOnly: true,
        short: 'n',
      },
      {
        name: 'offset',
        description: `How many to skip, for the next page (0-${MAX_OFFSET})`,
        type: 'integer',
        required: false,
        minValue: 0,
        maxValue: MAX_OFFSET,
        defaultValue: 0,
        cliOnly: true,
      },
    ],
    shape: { limit: limitOption(def, max), offset: offsetOption },
  };
}

/**
 * Refuses a page that starts past the end ("Showing 901-900 of 22" otherwise), saying how many
 * there are and where the last page starts.
 */
export function checkOffset(offset: number, total: number, what: string, limit: number): void {
  if (offset === 0 || offset < total) return;
  const last = Math.max(0, Math.floor((total - 1) / limit) * limit);
  throw new UserError(`There is nothing at offset ${offset}: ${what} ${total === 1 ? 'has 1 result' : `has ${total} results`}.`, [
    total > 0 ? `Offsets go from 0 to ${total - 1}; the last page starts at offset ${last}.` : 'Try other words.',
  ]);
}
