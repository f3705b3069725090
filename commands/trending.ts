// trending: a day's (or week's, or month's) papers ranked by upvotes.
import { z } from 'zod';
import { paperCard } from '../src/cards.js';
import { defineCommand } from '../src/command.js';
import { dateInZone } from '../src/ports.js';
import type { Period } from '../src/trending/period.js';
import { parsePeriod } from '../src/trending/period.js';
import { limitOption, offsetOption, textOption } from './options.js';

export const trending = defineCommand({
  name: 'trending',
  description: "A day's, week's or month's papers ranked by upvotes",
  usage: '[YYYY-MM-DD | YYYY-Www | YYYY-MM | today | yesterday | week | month]',
  args: [
    {
      name: 'date',
      description: 'YYYY-MM-DD, YYYY-Www or YYYY-MM (default: today)',
      type: 'string',
      required: false,
      maxLength: 20,
      choices: [
        { name: 'today', value: 'today' },
        { name: 'yesterday', value: 'yesterday' },
        { name: 'this week', value: 'week' },
        { name: 'this month', value: 'month' },
      ],
    },
  ],
  options: z.object({ date: textOption, offset: offsetOption, limit: limitOption(10, 25) }),
  fromText: (text) => ({ date: text }),
  run: async ({ date, offset, limit }, ctx) => {
    const today = dateInZone(ctx.clock.now(), ctx.timeZone);
    const asked = parsePeriod(date, today);
    const list = ctx.library.trending(asked);
    if (list.papers.length === 0) {
      return { kind: 'text', title: `Trending ${describe(asked)}`, lines: [`No papers ${describe(asked)}, and none are stored yet.`], visibility: 'public' };
    }
    const moved = list.shown.label !== asked.label;
    const page = list.papers.slice(offset, offset + limit);
    const end = offset + page.length;
    return {
      kind: 'papers',
      title: `Trending ${describe(list.shown)}`,
      ...(moved
        ? {
            notice: `No papers ${describe(asked)}. Showing ${describe(list.shown)}, the latest ${list.shown.kind} with papers${list.shown.to < asked.from ? ' before it' : ''}.`,
          }
        : {}),
      cards: page.map((p) => paperCard(p)),
      start: offset + 1,
      total: list.papers.length,
      ...(end < list.papers.length ? { next: { command: 'trending', input: { date: list.shown.label, limit }, offset: end } } : {}),
      visibility: 'public',
      shareable: false,
    };
  },
});

/** `on 2025-11-27`, `in week 2025-W48 (2025-11-24 to 2025-11-30)`, `in 2025-11`. */
export function describe(p: Period): string {
  if (p.kind === 'day') return `on ${p.label}`;
  if (p.kind === 'week') return `in week ${p.label} (${p.from} to ${p.to})`;
  return `in ${p.label}`;
}
