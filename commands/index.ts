// The command registry: every command, listed explicitly. Adapters expose whatever is here.
import type { AnyCommand } from '../src/command.js';
import { createRegistry } from '../src/dispatch.js';
import { ask } from './ask.js';
import { cards } from './cards.js';
import { follow } from './follow.js';
import { following } from './following.js';
import { help } from './help.js';
import { paper } from './paper.js';
import { search } from './search.js';
import { subscribe } from './subscribe.js';
import { subscriptions } from './subscriptions.js';
import { topic } from './topic.js';
import { trending } from './trending.js';
import { unfollow } from './unfollow.js';
import { unsubscribe } from './unsubscribe.js';

export const commands: readonly AnyCommand[] = createRegistry([
  ask,
  search,
  trending,
  paper,
  cards,
  topic,
  follow,
  following,
  unfollow,
  subscribe,
  subscriptions,
  unsubscribe,
  help,
]);
