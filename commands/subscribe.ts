// subscribe: a channel gets the trending list every day at its local time (or a weekly or monthly digest), or alerts for new papers on a topic.
import { z } from 'zod';
import { defineCommand } from '../src/command.js';
import { UserError } from '../src/errors.js';
import { clip } from '../src/reply.js';
import { cadenceWord, DEFAULT_WEEKDAY, describeDays, parseWeekday, WEEKDAYS, type Cadence } from '../src/scheduler/cadence.js';
import { describeNext, describeWhat, describeWhen } from '../src/scheduler/describe.js';
import {
  DAY_OF_MONTH,
  DEFAULT_HOUR,
  DEFAULT_TOP,
  formatTime,
  MAX_TOP,
  parseTime,
  parseTop,
  parseZone,
  splitTrendingWords,
  SUBSCRIBE_USAGE,
} from '../src/scheduler/spec.js';
import { MAX_PER_CHANNEL } from '../src/scheduler/store.js';
import { channelOf, channelOwner, schedulesOf } from './channel.js';
import { liveSourceNote, personOf, subjectPhrase } from '../src/follows/people.js';
import { textOption } from './options.js';

const USAGE_HINT = `Usage: ${SUBSCRIBE_USAGE}, or subscribe topic <topic>`;

/** Every IANA zone the runtime knows, for autocompletion. */
const ZONES: readonly string[] = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];

export const subscribe = defineCommand({
  name: 'subscribe',
  description: "This channel gets trending papers daily (or weekly, monthly) at its local time, or a topic's new papers",
  usage: 'trending [daily | weekly [monday…sunday] | monthly] [HH:MM] [IANA zone] [top N] | topic <topic>',
  args: [
    {
      name: 'what',
      description: 'trending (a daily list) or topic (new papers on a subject)',
      type: 'string',
      required: true,
      maxLength: 20,
      choices: [
        { name: 'trending', value: 'trending' },
        { name: 'topic', value: 'topic' },
      ],
    },
    {
      name: 'cadence',
      description: 'daily (default), weekly (the past week’s top papers) or monthly (the past month’s, on the 1st)',
      type: 'string',
      required: false,
      maxLength: 10,
      choices: [
        { name: 'daily', value: 'daily' },
        { name: 'weekly', value: 'weekly' },
        { name: 'monthly', value: 'monthly' },
      ],
    },
    {
      name: 'day',
      description: 'For a weekly digest, the day it is posted (default Monday)',
      type: 'string',
      required: false,
      maxLength: 10,
      choices: WEEKDAYS.map((d) => ({ name: d, value: d })),
    },
    { name: 'time', description: 'Local time of the post, e.g. 09:30 or 9am (default 09:00)', type: 'string', required: false, maxLength: 12 },
    {
      name: 'zone',
      description: 'IANA time zone, e.g. Europe/Berlin (default: the bot’s)',
      type: 'string',
      required: false,
      maxLength: 64,
      autocomplete: true,
    },
    {
      name: 'top',
      description: `How many papers each post shows (1-${MAX_TOP}, default ${DEFAULT_TOP})`,
      type: 'integer',
      required: false,
      minValue: 1,
      maxValue: MAX_TOP,
    },
    {
      name: 'topic',
      description: 'For what:topic: words ("kv cache"), an author (author:"Tri Dao") or a lab (org:MemTensor)',
      type: 'string',
      required: false,
      maxLength: 200,
    },
  ],
  options: z.object({
    what: textOption,
    cadence: textOption,
    day: textOption,
    time: textOption,
    zone: textOption,
    top: z.union([z.number(), z.string()]).optional(),
    topic: textOption,
    /** Words the text form had that fit nothing (refused with the usage). */
    unknown: z.array(z.string()).default([]),
  }),
  fromText: (text) => {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
    const what = (m?.[1] ?? '').toLowerCase();
    const rest = m?.[2] ?? '';
    if (what === 'topic') return { what, topic: rest };
    if (what !== 'trending') return { what: m?.[0] ?? '' };
    const words = splitTrendingWords(rest);
    return {
      what,
      ...(words.cadence ? { cadence: words.cadence } : {}),
      ...(words.day ? { day: words.day } : {}),
      ...(words.time ? { time: words.time } : {}),
      ...(words.zone ? { zone: words.zone } : {}),
      ...(words.top !== undefined ? { top: words.top } : {}),
      unknown: words.unknown,
    };
  },
  complete: (arg, partial) => {
    if (arg !== 'zone') return [];
    const p = partial.trim().toLowerCase();
    return ZONES.filter((z) => p === '' || z.toLowerCase().includes(p))
      .slice(0, 25)
      .map((z) => ({ name: z, value: z }));
  },
  // Both kinds, and removing one, change what the channel gets.
  manages: () => true,
  run: async (input, ctx) => {
    const what = input.what.toLowerCase();
    // NOTE: where first: without a channel (a DM, the terminal) nothing else about the request matters.
    const where = channelOf(ctx, 'Subscriptions');
    if (what !== 'trending' && what !== 'topic') {
      throw new UserError(
        input.what === '' ? 'Subscribe to what? Give trending or topic.' : `I can subscribe a channel to trending or a topic, not "${clip(input.what, 30)}".`,
        [USAGE_HINT],
      );
    }

    if (what === 'topic') {
      if (input.topic === '') throw new UserError('Which topic? Give a few words, e.g. subscribe topic kv cache.', [USAGE_HINT]);
      if (!ctx.follows) throw new UserError('Topic subscriptions are not available in this setup yet.');
      const follow = await ctx.follows.add(where.platform, channelOwner(where), input.topic);
      const who = personOf(follow.topic);
      return {
        kind: 'text',
        title: 'Subscribed',
        lines: [
          who
            ? `This channel will get new papers ${subjectPhrase(follow.topic)} (id ${follow.id}).`
            : `This channel will get new papers on "${follow.topic}" (id ${follow.id}).`,
          ...(who ? [liveSourceNote(who.field)] : []),
          `Stop with: unsubscribe ${follow.id}`,
        ],
        visibility: 'public',
      };
    }

    const cadence: Cadence | null = input.cadence === '' ? (input.day === '' ? 'daily' : 'weekly') : cadenceWord(input.cadence);
    if (cadence === null) {
      throw new UserError(`"${clip(input.cadence, 20)}" is not how often I can post: give daily, weekly or monthly.`, [USAGE_HINT]);
    }
    // NOTE: a word that is no day of the week, where a weekly digest's day would go, is most likely a misspelt day.
    const day = input.day !== '' ? input.day : cadence === 'weekly' && input.unknown.length === 1 ? (input.unknown[0] ?? '') : '';
    if (cadence !== 'weekly' && input.unknown.some((w) => DAY_OF_MONTH.test(w))) {
      throw new UserError('Monthly digests come on the 1st of every month; the day of the month cannot be chosen.', [
        'For one: subscribe trending monthly 09:00 UTC',
        USAGE_HINT,
      ]);
    }
    if (input.unknown.length > 0 && day !== input.unknown[0]) {
      throw new UserError(`I did not understand "${clip(input.unknown.join(' '), 40)}".`, [USAGE_HINT]);
    }
    if (day !== '' && cadence !== 'weekly') {
      throw new UserError(`A day of the week goes with a weekly digest; ${cadence} posts come ${describeDays({ cadence })}.`, [
        'For a weekly one: subscribe trending weekly friday 17:00 UTC',
        USAGE_HINT,
      ]);
    }
    const weekday = day === '' ? { ok: true as const, value: DEFAULT_WEEKDAY } : parseWeekday(day, SUBSCRIBE_USAGE);
    if (!weekday.ok) throw UserError.from(weekday.error);
    const time = input.time === '' ? { ok: true as const, value: { hour: DEFAULT_HOUR, minute: 0 } } : parseTime(input.time);
    if (!time.ok) throw UserError.from(time.error);
    const zone = parseZone(input.zone === '' ? ctx.timeZone : input.zone);
    if (!zone.ok) throw UserError.from(zone.error);
    const top = input.top === undefined || input.top === '' ? { ok: true as const, value: DEFAULT_TOP } : parseTop(input.top);
    if (!top.ok) throw UserError.from(top.error);

    const schedules = schedulesOf(ctx);
    const schedule = { ...time.value, zone: zone.value, top: top.value, cadence, ...(cadence === 'weekly' ? { weekday: weekday.value } : {}) };
    const added = await schedules.addWithin(
      {
        platform: where.platform,
        channel: where.channel,
        ...(where.guildId ? { guildId: where.guildId } : {}),
        ...schedule,
        ...(ctx.caller?.user ? { createdBy: ctx.caller.user } : {}),
      },
      MAX_PER_CHANNEL,
    );
    if (added.kind === 'same') {
      const same = added.existing;
      const what = same.cadence === 'daily' ? `trending at ${formatTime(same)} ${same.zone}` : `a ${same.cadence} digest ${describeWhen(same)}`;
      throw new UserError(`This channel already gets ${what} (id ${same.id}).`, [`To change it, unsubscribe ${same.id} and subscribe again.`]);
    }
    if (added.kind === 'full') {
      throw new UserError(`This channel already has ${added.count} trending subscriptions, the most one channel can have.`, [
        'See them with `subscriptions`; remove one with `unsubscribe <id>`.',
      ]);
    }
    const sub = added.subscription;
    return {
      kind: 'text',
      title: 'Subscribed',
      lines: [
        `This channel will get ${describeWhat(sub)} ${describeWhen(sub)} (id ${sub.id}).`,
        `Next post: ${describeNext(sub, ctx.clock.now())}.`,
        `Stop with: unsubscribe ${sub.id}`,
      ],
      visibility: 'public',
    };
  },
});
