// The `serve --shards auto|N|0-3 --total-shards N` options, parsed without loading discord.js (the CLI reads them before any SDK loads).
import { err, ok, type Result } from '../../src/errors.js';

export type ShardsOption = 'auto' | number;

/** Which shards this host runs: all of a count (`--shards N|auto`), or some of the bot's shards (`--shards 0-3 --total-shards 8`). */
export type ShardPlan = { count: ShardsOption } | { list: number[]; total: number };

/** The most shards a bot may be given here (Discord's own limits are far lower for any bot this serves). */
const MAX_SHARDS = 1024;
const EXAMPLE = 'e.g. --shards 0-3 --total-shards 8 on one host and --shards 4-7 --total-shards 8 on another';

/** Parses `--shards auto|N` (N from 1 to 1024). */
export function parseShardsOption(value: string): Result<ShardsOption, string> {
  const v = value.trim().toLowerCase();
  if (v === 'auto') return ok('auto');
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= MAX_SHARDS
    ? ok(n)
    : err(`--shards ${value} is not a shard count: use auto or a whole number from 1 to ${MAX_SHARDS}.`);
}

/**
 * Parses `--shards` with `--total-shards`. Without a total, `--shards` is a count this host runs in
 * full (as before); with one, it names this host's shards (`0-3`, `0,2,5-6`, `3`), each below the total,
 * so hosts split one bot's shards between them. Undefined when neither flag is given.
 */
export function parseShardFlags(shards: string | undefined, totalShards: string | undefined): Result<ShardPlan | undefined, string> {
  if (shards === undefined && totalShards === undefined) return ok(undefined);
  if (shards === undefined) return err(`--total-shards needs --shards with the shards this host runs (${EXAMPLE}).`);
  if (totalShards === undefined) {
    if (/^\s*\d+\s*$/.test(shards) || shards.trim().toLowerCase() === 'auto') {
      const count = parseShardsOption(shards);
      return count.ok ? ok({ count: count.value }) : count;
    }
    return err(`--shards ${shards} names shards: say how many the bot has in all with --total-shards N (${EXAMPLE}).`);
  }
  const t = totalShards.trim();
  const total = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isInteger(total) || total < 1 || total > MAX_SHARDS)
    return err(`--total-shards ${totalShards} is not a shard count: use a whole number from 1 to ${MAX_SHARDS}, the same on every host.`);
  if (shards.trim().toLowerCase() === 'auto') return err(`--shards auto runs every shard here; with --total-shards give this host's shards (${EXAMPLE}).`);
  const ids = new Set<number>();
  for (const part of shards.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const from = m ? Number(m[1]) : NaN;
    const to = m?.[2] !== undefined ? Number(m[2]) : from;
    if (!m || from > to) return err(`--shards ${shards} is not a list of shards: use ranges and numbers from 0, such as 0-3 or 0,2,5-6 (${EXAMPLE}).`);
    if (to >= total) return err(`--shards ${shards}: shard ${to} is not one of the bot's ${total} shards (0-${total - 1}); shards are numbered from 0.`);
    for (let id = from; id <= to; id++) ids.add(id);
  }
  return ok({ list: [...ids].sort((a, b) => a - b), total });
}
