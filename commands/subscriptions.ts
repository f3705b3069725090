// subscriptions: what this channel is subscribed to (trending posts and digests with their cadence, next post and last failure, topic follows).
import { z } from 'zod';
import { defineCommand } from '../src/command.js';
import { listedSubject } from '../src/follows/people.js';
import { describeNext, describeWhen } from '../src/scheduler/describe.js';
import { formatTime } from '../src/scheduler/spec.js';
import { channelOf, channelOwner, inviteHint, schedulesOf } from './channel.js';

export const subscriptions = defineCommand({
  name: 'subscriptions',
  description: "This channel's scheduled trending posts and topic subscriptions",
  usage: '',
  args: [],
  options: z.object({}),
  fromText: () => ({}),
  run: async (_input, ctx) => {
    const where = channelOf(ctx, 'Subscriptions');
    const schedules = schedulesOf(ctx);
    const now = ctx.clock.now();
    const lines: string[] = [];
    for (const s of await schedules.list(where.platform, where.channel)) {
      const when = s.cadence === 'daily' ? `daily at ${formatTime(s)} ${s.zone}` : `${s.cadence} digest ${describeWhen(s)}`;
      lines.push(`${s.id}: trending top ${s.top} ${when}; next post ${describeNext(s, now)}.`);
      const last = (await schedules.history(s.id, 1))[0];
      if (last?.state === 'failed') {
        const why =
          last.failure === 'no-access'
            ? 'the bot may not post in this channel'
            : last.failure === 'not-found'
              ? 'the platform says this channel does not exist'
              : 'the platform did not accept it after retries';
        lines.push(
          `   The last post (${last.slot}) failed: ${why}.${last.failure === 'transient' ? ' It is tried again at the next post.' : ` ${inviteHint(where.platform)}`}`,
        );
      }
    }
    for (const f of (await ctx.follows?.list(where.platform, channelOwner(where))) ?? []) lines.push(`${f.id}: new papers ${listedSubject(f.topic)}.`);
    if (lines.length === 0) {
      return {
        kind: 'text',
        title: 'No subscriptions here',
        lines: ['Try `subscribe trending 09:00 Europe/Berlin top 5` or `subscribe topic kv cache`.'],
        visibility: 'ephemeral',
      };
    }
    return { kind: 'text', title: 'Subscriptions in this channel', lines: [...lines, 'Remove one with: unsubscribe <id>'], visibility: 'ephemeral' };
  },
});
