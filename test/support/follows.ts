// An in-memory FollowBook for tests of `subscribe topic` (the follow feature provides the real one).
import { UserError } from '../../src/errors.js';
import type { Follow, FollowBook, FollowOwner } from '../../src/ports.js';

const sameOwner = (a: FollowOwner, b: FollowOwner) =>
  a.kind === b.kind && (a.kind === 'user' ? a.user === (b as typeof a).user : a.channel === (b as Extract<FollowOwner, { kind: 'channel' }>).channel);

export class MemoryFollowBook implements FollowBook {
  readonly follows: Follow[] = [];
  private seq = 0;
  async add(platform: string, owner: FollowOwner, topic: string): Promise<Follow> {
    if (topic.trim() === '') throw new UserError('A topic needs words.');
    const f: Follow = { id: `f${++this.seq}`, platform, owner, topic: topic.trim(), createdAt: new Date(0).toISOString() };
    this.follows.push(f);
    return f;
  }
  async list(platform: string, owner: FollowOwner): Promise<Follow[]> {
    return this.follows.filter((f) => f.platform === platform && sameOwner(f.owner, owner));
  }
  async remove(platform: string, owner: FollowOwner, id: string): Promise<boolean> {
    const i = this.follows.findIndex((f) => f.id === id && f.platform === platform && sameOwner(f.owner, owner));
    if (i < 0) return false;
    this.follows.splice(i, 1);
    return true;
  }
}
