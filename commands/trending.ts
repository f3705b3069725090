// trending: a day's (or week's, or month's) papers ranked by upvotes.
import { z } from 'zod';
import { paperCard } from '../src/cards.js';
import { defineCommand, type CommandContext, type Completion } from '../src/command.js';
import type { PeriodInfo } from '../src/reply.js';
import { UserError } from '../src/errors.js';
import { dateInZone } from '../src/ports.js';
import type { Period } from '../src/trending/period.js';
import { parsePeriod, periodContaining } from '../src/trending/period.js';
import { checkOffset, paging, textOption } from './options.js';

const PAGING = paging(10, 25);

export const trending = defineCommand({
  name: 'trending',
  description: "A day's, week's or month's papers ranked by upvotes",
  usage: '[YYYY-MM-DD | YYYY-Www | YYYY-MM | today | yesterday | week | month]',
  args: [
    {
      name: 'date',
      description: 'YYYY-MM-DD, YYYY-Www, YYYY-MM, today, week or month (default: today)',
      type: 'string',
      required: false,
      maxLength: 20,
      autocomplete: true,
    },
    { name: 'week', description: 'An ISO week, YYYY-Www (e.g. 2025-W48), or week for this one', type: 'string', required: false, maxLength: 20, cliOnly: true },
    { name: 'month', description: 'A month, YYYY-MM (e.g. 2025-11), or month for this one', type: 'string', required: false, maxLength: 20, cliOnly: true },
    ...PAGING.args,
  ],
  options: z
    .object({
      date: textOption,
      week: textOption.pipe(z.string().regex(/^(|\d{4}-?w\d{1,2}|week)$/i, 'is not a week: use YYYY-Www (e.g. 2025-W48) or week')),
      month: textOption.pipe(z.string().regex(/^(|\d{4}-\d{2}|month)$/i, 'is not a month: use YYYY-MM (e.g. 2025-11) or month')),
      ...PAGING.shape,
    })
    .refine(
      (o) => [o.date, o.week, o.month].filter((v) => v !== '').length <= 1,
      'Give one period: a date, a week or a month, e.g. 2025-11-27, 2025-W48 or 2025-11',
    ),
  fromText: (text) => ({ date: text }),
  complete: (_arg, partial, ctx) => completePeriod(partial, ctx),
  run: async ({ date, week, month, offset, limit }, ctx) => {
    const today = dateInZone(ctx.clock.now(), ctx.timeZone);
    const period = parsePeriod(date || week || month, today);
    if (!period.ok) throw UserError.from(period.error);
    const asked = period.value;
    const list = ctx.library.trending(asked);
    if (list.papers.length === 0) {
      return { kind: 'text', title: `Trending ${describe(asked)}`, lines: [`No papers ${describe(asked)}, and none are stored yet.`], visibility: 'public' };
    }
    const moved = list.shown.label !== asked.label;
    checkOffset(offset, list.papers.length, `trending ${describe(list.shown)}`, limit);
    const page = list.papers.slice(offset, offset + limit);
    const end = offset + page.length;
    return {
      kind: 'papers',
      title: `Trending ${describe(list.shown)}`,
      ...(moved
        ? {
            notice: `No papers ${describe(asked)}. Showing ${name(list.shown)} instead, the latest ${list.shown.kind} with papers${list.shown.to < asked.from ? ' before it' : ''}.`,
          }
        : {}),
      cards: page.map((p) => paperCard(p)),
      start: offset + 1,
      total: list.papers.length,
      period: { asked: periodInfo(asked), shown: periodInfo(list.shown) },
      ...(end < list.papers.length ? { next: { command: 'trending', input: { date: list.shown.label, limit }, offset: end } } : {}),
      visibility: 'public',
      shareable: false,
    };
  },
});

/**
 * Suggestions while typing a period: the relative ones, then recent days, weeks and months that
 * have papers (with counts), narrowed to what the user has typed so far.
 */
function completePeriod(partial: string, ctx: CommandContext): Completion[] {
  const p = partial.trim().toLowerCase();
  const out: Completion[] = [
    { name: 'today', value: 'today' },
    { name: 'yesterday', value: 'yesterday' },
    { name: 'this week', value: 'week' },
    { name: 'this month', value: 'month' },
  ];
  const dates = ctx.library.dates(400);
  const weeks = new Map<string, number>();
  const months = new Map<string, number>();
  for (const d of dates) {
    const w = periodContaining('week', d.date).label;
    weeks.set(w, (weeks.get(w) ?? 0) + d.count);
    months.set(d.date.slice(0, 7), (months.get(d.date.slice(0, 7)) ?? 0) + d.count);
  }
  for (const d of dates.slice(0, 60)) out.push({ name: `${d.date} (${d.count} papers)`, value: d.date });
  for (const [w, n] of [...weeks].slice(0, 30)) out.push({ name: `${w} (${n} papers)`, value: w });
  for (const [m, n] of [...months].slice(0, 24)) out.push({ name: `${m} (${n} papers)`, value: m });
  const matches = p === '' ? out : out.filter((c) => c.value.toLowerCase().startsWith(p) || c.name.startsWith(p));
  // Something well-formed that has no papers is still a valid pick (the reply explains the gap).
  if (p !== '' && !matches.some((c) => c.value.toLowerCase() === p) && /^\d{4}-(\d{2}(-\d{2})?|w\d{2})$/.test(p)) {
    matches.unshift({ name: partial.trim(), value: partial.trim() });
  }
  return matches.slice(0, 25);
}

/** A period as replies carry it (the CLI's JSON shows what was asked and what is shown). */
function periodInfo(p: Period): PeriodInfo {
  return { kind: p.kind, label: p.label, from: p.from, to: p.to };
}

/** `2025-11-27`, `week 2025-W48 (2025-11-24 to 2025-11-30)`, `2025-11`. */
function name(p: Period): string {
  return p.kind === 'week' ? `week ${p.label} (${p.from} to ${p.to})` : p.label;
}

/** `on 2025-11-27`, `in week 2025-W48 (2025-11-24 to 2025-11-30)`, `in 2025-11`. */
export function describe(p: Period): string {
  if (p.kind === 'day') return `on ${p.label}`;
  if (p.kind === 'week') return `in week ${p.label} (${p.from} to ${p.to})`;
  return `in ${p.label}`;
}
