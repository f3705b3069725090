// A database written before display cleaning: its papers are shown clean at once, and rewritten clean when a source sends them again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkPaper, type Paper } from '../../src/papers/model.js';
import { openStore } from '../../src/store/sqlite.js';

const tmp: string[] = [];
afterEach(() => {
  for (const d of tmp.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const RAW_TITLE = 'H$_2$O: Heavy-Hitter Oracle for Efficient Generative Inference of Large Language Models';
const RAW_ABSTRACT = 'We call these tokens Heavy Hitters (H_2). H_2O improves throughput by up to 29times, keeping 5\\% of the cache.';

/** The paper as a seed page or the HF API sends it. */
const sent: Paper = {
  id: '2306.14048',
  title: RAW_TITLE,
  abstract: RAW_ABSTRACT,
  authors: ['Zhenyu Zhang'],
  authorCount: 1,
  org: null,
  publishedAt: '2023-06-24',
  upvotes: 3,
  arxivId: '2306.14048',
  thumbnail: null,
  sources: [{ name: 'hf:daily_papers' }],
};

describe('display text in a stored database', () => {
  it('a paper stored with residue by an older paperboy is shown clean, and rewritten clean (source text kept) when sent again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-display-'));
    tmp.push(dir);
    const file = path.join(dir, 'paperboy.db');
    const checked = checkPaper(sent);
    if (!checked.ok) throw new Error(checked.error);
    const first = await openStore(file);
    await first.upsert([checked.value]);
    // What an older paperboy wrote: the source text in the shown columns, nothing beside it.
    first.connection.prepare('UPDATE papers SET title = ?, abstract = ?, raw_text = NULL WHERE id = ?').run(RAW_TITLE, RAW_ABSTRACT, sent.id);
    first.close();

    const store = await openStore(file);
    expect(store.get(sent.id)).toMatchObject({
      title: 'H₂O: Heavy-Hitter Oracle for Efficient Generative Inference of Large Language Models',
      abstract: 'We call these tokens Heavy Hitters (H₂). H₂O improves throughput by up to 29×, keeping 5% of the cache.',
    });
    expect(store.all().map((p) => p.title)).toEqual([checked.value.title]);

    const again = await store.upsert([checked.value]);
    expect(again.updated).toBe(1);
    const row = store.connection.prepare('SELECT title, raw_text FROM papers WHERE id = ?').get(sent.id) as { title: string; raw_text: string };
    expect(row.title).toBe(checked.value.title);
    expect(JSON.parse(row.raw_text)).toEqual({ title: RAW_TITLE, abstract: RAW_ABSTRACT });
    expect((await store.upsert([checked.value])).unchanged).toBe(1);
    store.close();
  });
});
