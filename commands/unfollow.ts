// unfollow: stops one of the caller's follows, by the id `following` shows.
import { z } from 'zod';
import { defineCommand } from '../src/command.js';
import { UserError } from '../src/errors.js';
import { clip } from '../src/reply.js';
import { followerOf } from './follow.js';
import { textOption } from './options.js';

export const unfollow = defineCommand({
  name: 'unfollow',
  description: 'Stop a follow, by the id `following` shows',
  usage: '<id>',
  args: [{ name: 'id', description: 'The follow id, from `following`', type: 'string', required: true, maxLength: 20 }],
  options: z.object({ id: textOption.pipe(z.string().min(1, 'give the id of a follow; `following` lists them')) }),
  fromText: (text) => ({ id: text }),
  run: async ({ id }, ctx) => {
    const { book, platform, owner } = followerOf(ctx);
    const gone = (await book.list(platform, owner)).find((f) => f.id === id.replace(/^#/, ''));
    if (!gone || !(await book.remove(platform, owner, gone.id))) {
      throw new UserError(`You have no follow with id "${clip(id, 20)}".`, ['`following` lists your follows with their ids.']);
    }
    return { kind: 'text', title: `Stopped following "${gone.topic}"`, lines: ['No more alerts for it.'], visibility: 'ephemeral' };
  },
});
