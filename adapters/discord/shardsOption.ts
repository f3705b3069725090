// The `serve --shards auto|N` option, parsed without loading discord.js (the CLI reads it before any SDK loads).
import { err, ok, type Result } from '../../src/errors.js';

export type ShardsOption = 'auto' | number;

/** Parses `--shards auto|N` (N from 1 to 1024). */
export function parseShardsOption(value: string): Result<ShardsOption, string> {
  const v = value.trim().toLowerCase();
  if (v === 'auto') return ok('auto');
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 1024 ? ok(n) : err(`--shards ${value} is not a shard count: use auto or a whole number from 1 to 1024.`);
}
