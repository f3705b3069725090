// Option schemas shared by several commands.
import { z } from 'zod';
import { MAX_INPUT_CHARS } from '../src/dispatch.js';

export const offsetOption = z.coerce.number().int().min(0).max(1000).default(0);
export const limitOption = (def: number, max: number) => z.coerce.number().int().min(1).max(max).default(def);
export const textOption = z
  .string()
  .max(MAX_INPUT_CHARS, `must be at most ${MAX_INPUT_CHARS} characters`)
  .default('')
  .transform((s) => s.trim());
