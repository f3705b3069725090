// following: the caller's follows with their ids, and whether their last alert could not be delivered.
import { z } from 'zod';
import { defineCommand } from '../src/command.js';
import { personOf } from '../src/follows/people.js';
import { MAX_FOLLOWS_PER_OWNER } from '../src/follows/store.js';
import { followerOf } from './follow.js';

/** What a failed alert means to the user who did not get it. */
const FAILURE_HINTS: Record<string, string> = {
  'no-access': 'the platform would not let me message you (direct messages from apps may be turned off)',
  'not-found': 'the platform no longer knows your account',
  transient: 'the platform did not answer',
};

export const following = defineCommand({
  name: 'following',
  description: 'The topics you follow, with their ids',
  usage: '',
  args: [],
  options: z.object({}),
  fromText: () => ({}),
  run: async (_input, ctx) => {
    const { book, platform, owner } = followerOf(ctx);
    const follows = await book.list(platform, owner);
    if (follows.length === 0) {
      return {
        kind: 'text',
        title: 'You follow no topics',
        lines: ['`follow <topic>` sends you new papers on it by direct message.'],
        visibility: 'ephemeral',
      };
    }
    const trouble = (await book.undelivered?.(platform, owner)) ?? null;
    const warn =
      trouble === null
        ? []
        : trouble.status === 'failed'
          ? [
              `Your last alert (${trouble.createdAt.slice(0, 10)}) could not be delivered: ${FAILURE_HINTS[trouble.failure ?? ''] ?? 'the platform refused it'}.`,
            ]
          : [`Your last alert (${trouble.createdAt.slice(0, 10)}) is not delivered yet: ${FAILURE_HINTS.transient}; it will be tried again.`];
    return {
      kind: 'text',
      title: `You follow ${follows.length} of at most ${MAX_FOLLOWS_PER_OWNER} topics${follows.some((f) => personOf(f.topic)) ? ', people and labs' : ''}`,
      lines: [...follows.map((f) => `${f.id}: ${f.topic} (since ${f.createdAt.slice(0, 10)})`), ...warn, '`unfollow <id>` stops one.'],
      visibility: 'ephemeral',
    };
  },
});
