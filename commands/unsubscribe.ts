// unsubscribe: removes one of this channel's subscriptions by its id (a trending post, or else a topic follow).
import { z } from 'zod';
import { defineCommand } from '../src/command.js';
import { UserError } from '../src/errors.js';
import { listedSubject } from '../src/follows/people.js';
import { clip } from '../src/reply.js';
import { describeWhen } from '../src/scheduler/describe.js';
import { formatTime } from '../src/scheduler/spec.js';
import { channelOf, channelOwner, schedulesOf } from './channel.js';
import { textOption } from './options.js';

export const unsubscribe = defineCommand({
  name: 'unsubscribe',
  description: "Stops one of this channel's subscriptions (ids are in `subscriptions`)",
  usage: '<id>',
  args: [{ name: 'id', description: 'The subscription id, as `subscriptions` lists it', type: 'string', required: true, maxLength: 40 }],
  options: z.object({ id: textOption }),
  fromText: (text) => ({ id: text }),
  // Both kinds, and removing one, change what the channel gets.
  manages: () => true,
  run: async ({ id }, ctx) => {
    const where = channelOf(ctx, 'Subscriptions');
    if (id === '') throw new UserError('Which subscription? Give its id.', ['`subscriptions` lists this channel’s ids.']);
    const schedules = schedulesOf(ctx);
    const sub = await schedules.get(id);
    if (sub && sub.platform === where.platform && sub.channel === where.channel && (await schedules.remove(where.platform, where.channel, id))) {
      const what = sub.cadence === 'daily' ? `trending posts here at ${formatTime(sub)} ${sub.zone}` : `${sub.cadence} digests here (${describeWhen(sub)})`;
      return { kind: 'text', lines: [`Unsubscribed ${id}: no more ${what}.`], visibility: 'public' };
    }
    const follow = (await ctx.follows?.list(where.platform, channelOwner(where)))?.find((f) => f.id === id);
    if (follow && (await ctx.follows?.remove(where.platform, channelOwner(where), id))) {
      return { kind: 'text', lines: [`Unsubscribed ${id}: no more alerts of new papers ${listedSubject(follow.topic)} here.`], visibility: 'public' };
    }
    throw new UserError(`This channel has no subscription with id "${clip(id, 40)}".`, ['`subscriptions` lists this channel’s ids.']);
  },
});
