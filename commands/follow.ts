// follow: new papers on a topic, by an author or from a lab come to the caller by direct message (one alert per ingest, each paper once).
import { z } from 'zod';
import type { CommandContext } from '../src/command.js';
import { defineCommand } from '../src/command.js';
import { UserError } from '../src/errors.js';
import type { FollowBook, FollowOwner } from '../src/ports.js';
import { liveSourceNote, personOf, subjectPhrase } from '../src/follows/people.js';
import { textOption } from './options.js';
import { topic } from './topic.js';

/**
 * The follow book and the caller as a follow owner, or the UserError that says why follows cannot
 * work here: the composition root wired none, or the caller is no chat user (the CLI, the console).
 */
export function followerOf(ctx: CommandContext): { book: FollowBook; platform: string; owner: FollowOwner } {
  const user = ctx.caller?.user;
  if (!ctx.caller || !user || ctx.caller.platform === 'cli' || ctx.caller.platform === 'console') {
    throw new UserError('Follows alert a chat user by direct message, so they work in Slack and Discord only.', [
      'Use `/papers follow <topic>` there; here, `topic <words>` lists papers on a topic.',
    ]);
  }
  if (!ctx.follows) {
    throw new UserError('Follows are not available on this paperboy: its database cannot be written (ask the operator).');
  }
  const guildId = ctx.caller.guildId;
  return { book: ctx.follows, platform: ctx.caller.platform, owner: { kind: 'user', user, ...(guildId ? { guildId } : {}) } };
}

export const follow = defineCommand({
  name: 'follow',
  description: 'Get a direct message when new papers on a topic, by an author or from a lab arrive',
  usage: '<topic> | author:"Full Name" | org:<lab>',
  args: [
    {
      name: 'topic',
      description: 'A topic ("kv cache"), an author (author:"Tri Dao") or a lab (org:MemTensor)',
      type: 'string',
      required: true,
      autocomplete: true,
      maxLength: 120,
    },
  ],
  options: z.object({ topic: textOption.pipe(z.string().min(1, 'name a topic to follow, e.g. `follow kv cache`')) }),
  fromText: (text) => ({ topic: text }),
  run: async ({ topic: subject }, ctx) => {
    const { book, platform, owner } = followerOf(ctx);
    const added = await book.add(platform, owner, subject);
    const who = personOf(added.topic);
    return {
      kind: 'text',
      title: who ? `Following ${added.topic} (id ${added.id})` : `Following "${added.topic}" (id ${added.id})`,
      lines: [
        `New papers ${who ? subjectPhrase(added.topic) : 'on it'} will come to you by direct message, each paper once, within a minute of arriving.`,
        ...(who ? [liveSourceNote(who.field)] : []),
        '`following` lists your follows; `unfollow <id>` stops one.',
      ],
      visibility: 'ephemeral',
    };
  },
  complete: (arg, partial, ctx) => topic.complete?.(arg, partial, ctx) ?? [],
});
