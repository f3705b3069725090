// Pager cursors: the store behind "More" buttons expires and evicts on its own clock, and only cursors of our shape come back.
import { describe, expect, it } from 'vitest';
import { MemoryCursors, parseCursor } from '../src/pager.js';
import type { PagerCursor } from '../src/reply.js';

const TTL = 60_000;
const cursor = (offset: number): PagerCursor => ({ command: 'search', input: { query: 'kv cache' }, offset });

/** A store on a clock the test moves by hand. */
function store(maxEntries = 100) {
  const clock = { t: 0 };
  return { clock, cursors: new MemoryCursors(TTL, maxEntries, () => clock.t) };
}

describe('MemoryCursors', () => {
  it('returns a cursor until its ttl has passed, and null after', async () => {
    const { clock, cursors } = store();
    const key = cursors.put(cursor(5));
    expect(await cursors.get(key)).toEqual(cursor(5));
    clock.t = TTL - 1;
    expect(await cursors.get(key)).toEqual(cursor(5));
    clock.t = TTL + 1;
    expect(await cursors.get(key)).toBeNull();
  });

  it('drops an expired entry when it is read, so it stays gone even if the clock goes back', async () => {
    const { clock, cursors } = store();
    const key = cursors.put(cursor(5));
    clock.t = TTL + 1;
    expect(await cursors.get(key)).toBeNull();
    clock.t = 0;
    expect(await cursors.get(key)).toBeNull();
  });

  it('sweeps expired entries when a new cursor is put', async () => {
    const { clock, cursors } = store();
    const old = cursors.put(cursor(5));
    clock.t = TTL + 1;
    const fresh = cursors.put(cursor(10));
    clock.t = 0;
    expect(await cursors.get(old)).toBeNull();
    expect(await cursors.get(fresh)).toEqual(cursor(10));
  });

  it('evicts the oldest entries past maxEntries', async () => {
    const { cursors } = store(3);
    const keys = [0, 1, 2, 3, 4].map((i) => cursors.put(cursor(i)));
    expect(await Promise.all(keys.map((k) => cursors.get(k)))).toEqual([null, null, cursor(2), cursor(3), cursor(4)]);
  });

  it('gives distinct short keys that fit a Discord custom id and a Slack button value', () => {
    const { cursors } = store();
    const keys = Array.from({ length: 50 }, (_, i) => cursors.put(cursor(i)));
    expect(new Set(keys).size).toBe(50);
    for (const k of keys) expect(k).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  it('an unknown key is null', async () => {
    expect(await store().cursors.get('no-such-key')).toBeNull();
  });

  it('a stored cursor that is not of our shape is not handed back', async () => {
    const { cursors } = store();
    const key = cursors.put({ command: 'x'.repeat(41), input: {}, offset: 0 });
    expect(await cursors.get(key)).toBeNull();
  });
});

describe('parseCursor', () => {
  it('accepts our own cursors, up to offset 10000 and a 40-character command', () => {
    expect(parseCursor(cursor(0))).toEqual(cursor(0));
    expect(parseCursor({ command: 'c'.repeat(40), input: {}, offset: 10_000 })).toEqual({ command: 'c'.repeat(40), input: {}, offset: 10_000 });
  });

  it('rejects foreign shapes: wrong types, out-of-range offsets, empty or too long commands', () => {
    const foreign: unknown[] = [
      null,
      'search',
      42,
      [],
      {},
      { command: 'search', input: {} },
      { command: 7, input: {}, offset: 0 },
      { command: 'search', input: 'kv cache', offset: 0 },
      { command: 'search', input: null, offset: 0 },
      { command: 'search', input: ['kv cache'], offset: 0 },
      { command: 'search', input: {}, offset: '5' },
      { command: 'search', input: {}, offset: 1.5 },
      { command: 'search', input: {}, offset: -1 },
      { command: 'search', input: {}, offset: 10_001 },
      { command: 'search', input: {}, offset: Number.POSITIVE_INFINITY },
      { command: '', input: {}, offset: 0 },
      { command: 'c'.repeat(41), input: {}, offset: 0 },
    ];
    for (const value of foreign) expect(parseCursor(value), JSON.stringify(value)).toBeNull();
  });
});
