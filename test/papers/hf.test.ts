// The Hugging Face API client against a fake API on loopback serving recorded responses: paging, retries, timeouts, bad items, rate limits.
import { afterEach, describe, expect, it } from 'vitest';
import { HfClient, HfError, normalArxivId, userAgent } from '../../src/papers/hf.js';
import { FakeHf, fakeSleep, recordedList, recordedPaper, renumbered, type HfItem } from '../fakes/hf.js';
import { FakeClock } from '../support/core.js';

const DAY = '2026-06-12';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function fakeHf(items: HfItem[] = recordedList(), date = DAY): Promise<FakeHf> {
  const hf = await new FakeHf().listen();
  hf.days.set(date, items);
  cleanups.push(() => hf.close());
  return hf;
}

function client(hf: FakeHf, over: Partial<ConstructorParameters<typeof HfClient>[0]> = {}) {
  const clock = new FakeClock(new Date('2026-06-12T15:00:00Z'));
  const sleep = fakeSleep(clock);
  return { clock, sleep, hf: new HfClient({ apiUrl: hf.apiUrl, timeoutMs: 2_000, sleep, random: () => 0.5, ...over }) };
}

describe('HF client: daily lists', () => {
  it('reads a full recorded daily list into papers with every field paperboy keeps', async () => {
    const hf = await fakeHf();
    const { hf: c } = client(hf);
    const batch = await c.daily(DAY);
    const recorded = recordedList();
    expect(batch.papers).toHaveLength(recorded.length);
    expect(batch.entries.map((e) => e.paperId)).toEqual(recorded.map((i) => i.paper.id));
    expect(batch.counts).toMatchObject({ pages: 1, items: recorded.length, skipped: 0 });
    const item = recorded.find((i) => i.paper.id === '2606.12730') as HfItem & { thumbnail: string; numComments: number };
    const p = batch.papers.find((x) => x.id === '2606.12730');
    expect(p).toMatchObject({
      arxivId: '2606.12730',
      title: item.paper.title,
      publishedAt: '2026-06-10',
      upvotes: item.paper.upvotes,
      githubRepo: item.paper.githubRepo,
      githubStars: item.paper.githubStars,
      thumbnail: item.thumbnail,
      numComments: item.numComments,
      aiSummary: item.paper.ai_summary,
      aiKeywords: item.paper.ai_keywords,
      sources: [{ name: 'hf:daily_papers', ref: DAY }],
    });
    expect(p?.authors).toEqual((item.paper.authors as Array<{ name: string }>).map((a) => a.name));
    // The organisation is its full name; the literal <swi> of one abstract is kept as text (renderers escape it).
    const withOrg = recorded.find((i) => (i.paper.organization as { fullname?: string } | undefined)?.fullname);
    expect(batch.papers.find((x) => x.id === withOrg?.paper.id)?.org).toBe((withOrg?.paper.organization as { fullname: string }).fullname);
    expect(batch.papers.some((x) => x.abstract.includes('<swi>'))).toBe(true);
    for (const x of batch.papers) expect(x.abstract).not.toMatch(/\n|\s{2}/);
  });

  it('joins hard wraps and collapses whitespace in titles and abstracts', async () => {
    const [first] = recordedList() as [HfItem];
    const wrapped = { ...first, paper: { ...first.paper, title: 'A Wrapped\n  Title', summary: '  Line one\nline two.\n\n  Next  paragraph. ' } };
    const { hf: c } = client(await fakeHf([wrapped]));
    const [p] = (await c.daily(DAY)).papers;
    expect(p?.title).toBe('A Wrapped Title');
    expect(p?.abstract).toBe('Line one line two. Next paragraph.');
  });

  it('pages past 100 items with limit=100 and p=0,1,… until a short page', async () => {
    const hf = await fakeHf(renumbered(230, 6));
    const { hf: c } = client(hf);
    const batch = await c.daily(DAY);
    expect(batch.papers).toHaveLength(230);
    expect(new Set(batch.papers.map((p) => p.id)).size).toBe(230);
    expect(hf.dailyRequests(DAY).map((r) => [r.query.limit, r.query.p])).toEqual([
      ['100', '0'],
      ['100', '1'],
      ['100', '2'],
    ]);
  });

  it('a list of exactly 100 asks for the next page and stops at the empty one', async () => {
    const hf = await fakeHf(renumbered(100, 7));
    const batch = await client(hf).hf.daily(DAY);
    expect(batch.papers).toHaveLength(100);
    expect(hf.dailyRequests(DAY).map((r) => r.query.p)).toEqual(['0', '1']);
  });

  it('a weekend (an empty list) is an empty batch, not an error', async () => {
    const hf = await fakeHf([], '2026-06-13');
    const batch = await client(hf).hf.daily('2026-06-13');
    expect(batch.papers).toEqual([]);
    expect(batch.warnings).toEqual([]);
  });

  it('skips and counts malformed items, keeping the rest of the list', async () => {
    const items = recordedList();
    const [a, b, c] = items as [HfItem, HfItem, HfItem];
    const broken: HfItem[] = [
      { ...a, paper: { ...a.paper, title: undefined as unknown as string } },
      { ...b, paper: { ...b.paper, id: 'not-an-arxiv-id' } },
      { ...c, paper: { ...c.paper, upvotes: 'many' as unknown as number } },
      'garbage' as unknown as HfItem,
      ...items.slice(3),
    ];
    const batch = await client(await fakeHf(broken)).hf.daily(DAY);
    expect(batch.papers).toHaveLength(items.length - 3);
    expect(batch.counts.skipped).toBe(4);
    expect(batch.warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/paper\.title is missing/),
      expect.stringMatching(/paper\.id .*not-an-arxiv-id.* is not an arXiv id/),
      expect.stringMatching(/paper\.upvotes is not valid/),
      expect.stringMatching(/the item is not valid/),
    ]);
    expect(batch.warnings[0]?.where).toBe(`hf:daily_papers ${DAY} page 0 item 0`);
  });

  it('a bad optional value (a GitHub link that is not a URL) drops that value only', async () => {
    const [a] = recordedList() as [HfItem];
    const batch = await client(await fakeHf([{ ...a, paper: { ...a.paper, githubRepo: 'not a url', githubStars: -1 } }])).hf.daily(DAY);
    expect(batch.papers).toHaveLength(1);
    expect(batch.papers[0]?.githubRepo).toBeUndefined();
    expect(batch.papers[0]?.githubStars).toBeUndefined();
  });

  it('reads a versioned arXiv id as the paper without version', async () => {
    const [a] = recordedList() as [HfItem];
    const batch = await client(await fakeHf([{ ...a, paper: { ...a.paper, id: `${a.paper.id}v2` } }])).hf.daily(DAY);
    expect(batch.papers[0]).toMatchObject({ id: a.paper.id, arxivId: a.paper.id });
    expect(normalArxivId('2501.01234v12')).toBe('2501.01234');
    expect(normalArxivId('hep-th/9901001')).toBeNull();
  });

  it('sends a descriptive User-Agent, and the token as a bearer only when one is set', async () => {
    const hf = await fakeHf();
    await client(hf).hf.daily(DAY);
    await client(hf, { token: 'hf_secret_token' }).hf.daily(DAY);
    const [anon, authed] = hf.dailyRequests(DAY);
    expect(anon?.headers['user-agent']).toBe(userAgent());
    expect(anon?.headers['user-agent']).toMatch(/^paperboy\/\d+\.\d+\.\d+ \(ML papers chat bot for Slack and Discord; .+\)$/);
    expect(anon?.headers.authorization).toBeUndefined();
    expect(authed?.headers.authorization).toBe('Bearer hf_secret_token');
  });
});

describe('HF client: faults', () => {
  it('retries 5xx answers with growing, jittered backoff on the injected sleep, then succeeds', async () => {
    const hf = await fakeHf();
    hf.fail('daily_papers', { kind: 'status', status: 500 }, { kind: 'status', status: 503 }, { kind: 'status', status: 502 });
    const { hf: c, sleep } = client(hf, { backoffMs: 1_000, random: () => 0.5 });
    const batch = await c.daily(DAY);
    expect(batch.papers).toHaveLength(30);
    expect(hf.dailyRequests(DAY)).toHaveLength(4);
    // Half the cap plus the jitter's share of the other half: 750, 1500, 3000 ms.
    expect(sleep.waits).toEqual([750, 1_500, 3_000]);
  });

  it('gives up after its retries with an HfError naming the URL and status, never the token', async () => {
    const hf = await fakeHf();
    hf.fail('daily_papers', ...Array.from({ length: 5 }, () => ({ kind: 'status', status: 503 }) as const));
    const { hf: c } = client(hf, { token: 'hf_secret_token', retries: 4 });
    const e = await c.daily(DAY).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HfError);
    expect(e).toMatchObject({ failure: 'unavailable' });
    expect((e as Error).message).toMatch(/daily_papers\) answered 503/);
    expect((e as Error).message).not.toMatch(/hf_secret_token/);
    expect(hf.dailyRequests(DAY)).toHaveLength(5);
  });

  it('does not retry a 4xx other than 429, and says to check HF_TOKEN on 401', async () => {
    const hf = await fakeHf();
    hf.fail('daily_papers', { kind: 'status', status: 401 });
    const e = await client(hf, { token: 'hf_bad' })
      .hf.daily(DAY)
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ failure: 'refused', status: 401 });
    expect((e as Error).message).toMatch(/Check HF_TOKEN/);
    expect(hf.dailyRequests(DAY)).toHaveLength(1);
  });

  it('times out a request that never answers, and the retry succeeds', async () => {
    const hf = await fakeHf();
    hf.fail('daily_papers', { kind: 'hang' });
    const { hf: c, sleep } = client(hf, { timeoutMs: 150 });
    const batch = await c.daily(DAY);
    expect(batch.papers).toHaveLength(30);
    expect(hf.dailyRequests(DAY)).toHaveLength(2);
    expect(sleep.waits).toHaveLength(1);
  });

  it('a network error (nothing listening) is retried and then reported as unavailable', async () => {
    const hf = await fakeHf();
    const url = hf.apiUrl;
    await hf.close();
    cleanups.length = 0;
    const e = await new HfClient({ apiUrl: url, timeoutMs: 1_000, retries: 2, sleep: fakeSleep() }).daily(DAY).catch((x: unknown) => x);
    expect(e).toMatchObject({ failure: 'unavailable' });
    expect((e as Error).message).toMatch(/could not be reached \(ECONNREFUSED\)/);
  });

  it('waits out a 429 for the seconds its RateLimit header gives, on the fake clock, then succeeds', async () => {
    const hf = await fakeHf();
    hf.fail('daily_papers', { kind: 'rateLimit', resetS: 55 });
    const { hf: c, sleep, clock } = client(hf);
    const before = clock.now().getTime();
    const batch = await c.daily(DAY);
    expect(batch.papers).toHaveLength(30);
    expect(sleep.waits).toEqual([55_000]);
    expect(clock.now().getTime() - before).toBe(55_000);
  });

  it('a rate limit that does not lift is reported as rate-limited after a few waits', async () => {
    const hf = await fakeHf();
    hf.fail('daily_papers', ...Array.from({ length: 10 }, () => ({ kind: 'rateLimit', resetS: 30 }) as const));
    const { hf: c, sleep } = client(hf);
    const e = await c.daily(DAY).catch((x: unknown) => x);
    expect(e).toMatchObject({ failure: 'rate-limited', status: 429 });
    expect(sleep.waits).toEqual([30_000, 30_000, 30_000]);
  });

  it('a body that is not JSON is a bad response, not a crash', async () => {
    const hf = await fakeHf();
    hf.fail('daily_papers', { kind: 'garbage' });
    const e = await client(hf)
      .hf.daily(DAY)
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ failure: 'bad-response' });
  });
});

describe('HF client: one paper', () => {
  it('reads a bare paper object, and null for an unknown id', async () => {
    const hf = await fakeHf([]);
    const { hf: c } = client(hf);
    const recorded = recordedPaper();
    const p = await c.paper(`${recorded.id}v3`);
    expect(p).toMatchObject({ id: recorded.id, title: recorded.title, upvotes: recorded.upvotes, githubStars: recorded.githubStars });
    expect(p?.sources).toEqual([{ name: 'hf:papers' }]);
    expect(await c.paper('2601.99999')).toBeNull();
  });
});
