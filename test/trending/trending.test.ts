// Trending: periods parse strictly, lists rank by upvotes then title, and an empty period is never a silent reply.
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/errors.js';
import type { Paper } from '../../src/papers/model.js';
import { dateInZone } from '../../src/ports.js';
import { isoWeekOf, parsePeriod, weekPeriod, type Period } from '../../src/trending/period.js';
import { createTestCore, FakeClock } from '../support/core.js';

const mk = (title: string, publishedAt: string, upvotes: number | null): Paper => ({
  id: `t-${title}`,
  title,
  abstract: `${title} abstract.`,
  authors: [],
  authorCount: 1,
  org: null,
  publishedAt,
  upvotes,
  arxivId: null,
  thumbnail: null,
  sources: [{ name: 'test' }],
});

/** The period a spec reads as; fails the test when it is refused. */
function period(spec: string, today: string): Period {
  const r = parsePeriod(spec, today);
  if (!r.ok) throw new Error(`refused ${spec}: ${r.error.message}`);
  return r.value;
}

/** The problem a refused spec is answered with; fails the test when it is accepted. */
function problemOf(spec: string, today: string): Problem {
  const r = parsePeriod(spec, today);
  if (r.ok) throw new Error(`accepted ${spec}`);
  return r.error;
}

describe('periods', () => {
  it('reads days, ISO weeks and months as inclusive date ranges', () => {
    expect(period('2025-11-27', '2026-01-01')).toMatchObject({ kind: 'day', from: '2025-11-27', to: '2025-11-27' });
    expect(period('2025-W48', '2026-01-01')).toMatchObject({ kind: 'week', from: '2025-11-24', to: '2025-11-30' });
    expect(period('2026-W01', '2026-01-01')).toMatchObject({ from: '2025-12-29', to: '2026-01-04' });
    expect(period('2024-02', '2026-01-01')).toMatchObject({ kind: 'month', from: '2024-02-01', to: '2024-02-29' });
    expect(period('yesterday', '2026-03-01')).toMatchObject({ from: '2026-02-28' });
    expect(period('week', '2025-11-27').label).toBe('2025-W48');
  });

  it('ISO week numbering round-trips across year boundaries', () => {
    for (const d of ['2024-12-30', '2025-01-01', '2026-01-04', '2020-12-31', '2021-01-03']) {
      const w = isoWeekOf(d);
      const p = weekPeriod(w);
      expect(d >= p.from && d <= p.to).toBe(true);
    }
  });

  it('rejects impossible dates and weeks with the expected formats named', () => {
    for (const bad of ['2025-02-30', '2025-13', '2025-W54', 'next tuesday', '27/11/2025']) {
      expect(problemOf(bad, '2025-11-27')).toMatchObject({ message: expect.stringMatching(/not a date, week or month/) });
    }
    expect(problemOf('2025-02-30', '2025-11-27').message).toMatch(/not a date, week or month/);
  });

  it("today is the calendar date in the bot's time zone, not UTC", () => {
    // 03:00 UTC on Nov 28 is still Nov 27 in New York.
    expect(dateInZone(new Date('2025-11-28T03:00:00Z'), 'America/New_York')).toBe('2025-11-27');
    expect(dateInZone(new Date('2025-11-28T03:00:00Z'), 'UTC')).toBe('2025-11-28');
  });
});

describe('trending command', () => {
  const papers = [
    mk('Bravo', '2025-11-27', 5),
    mk('Alpha', '2025-11-27', 5),
    mk('Top', '2025-11-27', 40),
    mk('Unvoted', '2025-11-27', null),
    mk('Older', '2025-11-20', 99),
  ];

  it("lists a day's papers by upvotes, then title", async () => {
    const core = await createTestCore({ papers });
    const reply = await core.dispatcher.run({ command: 'trending', text: '2025-11-27' });
    expect(reply.kind).toBe('papers');
    if (reply.kind === 'papers') expect(reply.cards.map((c) => c.title)).toEqual(['Top', 'Alpha', 'Bravo', 'Unvoted']);
  });

  it('defaults to today in New York time', async () => {
    const clock = new FakeClock(new Date('2025-11-28T03:00:00Z'));
    const core = await createTestCore({ papers, clock });
    const reply = await core.dispatcher.run({ command: 'trending', text: '' });
    expect(reply.kind === 'papers' && reply.title).toBe('Trending on 2025-11-27');
  });

  it('an empty day says so plainly and shows the latest earlier day with papers', async () => {
    const core = await createTestCore({ papers });
    const reply = await core.dispatcher.run({ command: 'trending', text: '2025-11-25' });
    expect(reply.kind).toBe('papers');
    if (reply.kind !== 'papers') return;
    expect(reply.notice).toMatch(/No papers on 2025-11-25/);
    expect(reply.title).toBe('Trending on 2025-11-20');
    expect(reply.cards.map((c) => c.title)).toEqual(['Older']);
  });

  it('a week and a month gather every day in them', async () => {
    const core = await createTestCore({ papers });
    const week = await core.dispatcher.run({ command: 'trending', text: '2025-W48' });
    expect(week.kind === 'papers' && week.cards.map((c) => c.title)).toEqual(['Top', 'Alpha', 'Bravo', 'Unvoted']);
    const month = await core.dispatcher.run({ command: 'trending', input: { date: '2025-11', limit: 3 } });
    expect(month.kind === 'papers' && month.cards.map((c) => c.title)).toEqual(['Older', 'Top', 'Alpha']);
    expect(month.kind === 'papers' && month.next).toEqual({ command: 'trending', input: { date: '2025-11', limit: 3 }, offset: 3 });
  });

  it('autocompletes periods: relative ones first, then days, weeks and months that have papers', async () => {
    const core = await createTestCore({ papers });
    const all = await core.dispatcher.complete('trending', 'date', '');
    expect(all.slice(0, 4).map((c) => c.value)).toEqual(['today', 'yesterday', 'week', 'month']);
    expect(all).toContainEqual({ name: '2025-11-27 (4 papers)', value: '2025-11-27' });
    expect(all).toContainEqual({ name: '2025-W48 (4 papers)', value: '2025-W48' });
    expect(all).toContainEqual({ name: '2025-11 (5 papers)', value: '2025-11' });
    expect((await core.dispatcher.complete('trending', 'date', '2025-W4')).map((c) => c.value)).toEqual(['2025-W48', '2025-W47']);
    // A well-formed period without papers can still be picked; the reply explains the gap.
    expect((await core.dispatcher.complete('trending', 'date', '2024-01-01')).map((c) => c.value)).toEqual(['2024-01-01']);
  });

  it('a bad date is an error naming the expected format', async () => {
    const core = await createTestCore({ papers });
    const reply = await core.dispatcher.run({ command: 'trending', text: '2025-11-31' });
    expect(reply).toMatchObject({ kind: 'error', visibility: 'ephemeral' });
    expect(reply.kind === 'error' && reply.hints.join(' ')).toMatch(/YYYY-MM-DD/);
  });

  it('with no dated papers at all it says so instead of replying empty', async () => {
    const core = await createTestCore({ papers: [] });
    const reply = await core.dispatcher.run({ command: 'trending', text: '' });
    expect(reply.kind).toBe('text');
    expect(reply.kind === 'text' && reply.lines.join(' ')).toMatch(/No papers/);
  });
});
