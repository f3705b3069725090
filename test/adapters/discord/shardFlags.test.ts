// `serve --shards 0-3 --total-shards 8`: which shards this host runs, read from the flags with a friendly message for each mistake.
import { describe, expect, it } from 'vitest';
import { parseShardFlags } from '../../../adapters/discord/shardsOption.js';

describe('serve --shards / --total-shards', () => {
  it('without --total-shards, --shards is a count this host runs in full (or auto), as before', () => {
    expect(parseShardFlags('auto', undefined)).toEqual({ ok: true, value: { count: 'auto' } });
    expect(parseShardFlags('2', undefined)).toEqual({ ok: true, value: { count: 2 } });
  });

  it('with --total-shards, --shards names this host’s shards: a range, a list, or both', () => {
    expect(parseShardFlags('0-3', '8')).toEqual({ ok: true, value: { list: [0, 1, 2, 3], total: 8 } });
    expect(parseShardFlags('4-7', '8')).toEqual({ ok: true, value: { list: [4, 5, 6, 7], total: 8 } });
    expect(parseShardFlags('0, 2,5-6', '8')).toEqual({ ok: true, value: { list: [0, 2, 5, 6], total: 8 } });
    expect(parseShardFlags('3', '8')).toEqual({ ok: true, value: { list: [3], total: 8 } });
    expect(parseShardFlags('1,1,0-1', '2')).toEqual({ ok: true, value: { list: [0, 1], total: 2 } });
  });

  it('a shard outside the total is refused, naming the shard and the valid range', () => {
    const r = parseShardFlags('4-8', '8');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/shard 8 is not one of the bot's 8 shards \(0-7\)/);
  });

  it('bad range syntax is refused with an example', () => {
    for (const bad of ['3-1', '0-', '-2', 'a-b', '0..3', '', '0,,1', '1-2-3']) {
      const r = parseShardFlags(bad, '8');
      expect(r.ok, bad).toBe(false);
      expect(!r.ok && r.error, bad).toMatch(/e\.g\. --shards 0-3 --total-shards 8/);
    }
  });

  it('a range without --total-shards, --total-shards without --shards, auto with a total, and a bad total are refused', () => {
    expect(parseShardFlags('0-3', undefined)).toMatchObject({ ok: false, error: expect.stringMatching(/--total-shards/) });
    expect(parseShardFlags(undefined, '8')).toMatchObject({ ok: false, error: expect.stringMatching(/--total-shards needs --shards/) });
    expect(parseShardFlags('auto', '8')).toMatchObject({ ok: false, error: expect.stringMatching(/--shards auto/) });
    for (const total of ['0', 'eight', '1025', '2.5']) {
      expect(parseShardFlags('0', total)).toMatchObject({ ok: false, error: expect.stringMatching(/--total-shards .* is not a shard count/) });
    }
  });

  it('no flags: no sharding', () => {
    expect(parseShardFlags(undefined, undefined)).toEqual({ ok: true, value: undefined });
  });
});
