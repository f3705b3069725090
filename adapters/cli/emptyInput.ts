// The CLI's rule for empty input: no words where a subcommand needs some, or text with no words to look up, is a mistake (exit 1).
import { helpReply } from '../../commands/help.js';
import type { AnyCommand } from '../../src/command.js';
import { clip, type Reply } from '../../src/reply.js';
import { nothingToLookUp } from '../../src/search/query.js';

/** What each subcommand that cannot run on no words asks for (`topic` alone lists the known topics). */
const NEEDS_WORDS: Readonly<Record<string, string>> = {
  search: 'Give some words to search for, e.g. `paperboy search kv cache quantization`.',
  ask: 'Give a question, e.g. `paperboy ask "what\'s new on KV cache compression?"`.',
};

/**
 * A one-shot subcommand given no words where it needs some: the sentence saying what to give and
 * its usage, as an error reply; null when the words are there or the subcommand needs none.
 * (`paper` says so itself: its id is a required option.)
 */
export function missingWords(command: AnyCommand, commands: readonly AnyCommand[], text: string): Reply | null {
  const ask = NEEDS_WORDS[command.name];
  if (!ask || text.trim() !== '') return null;
  const help = helpReply(commands, command.name);
  return { kind: 'error', message: ask, hints: help.kind === 'text' ? help.lines : [], visibility: 'ephemeral' };
}

/**
 * `ask` answered text with no words to look up (`ask "🚀🚀🚀"`) with its guide or an honest "nothing
 * to look up": for the CLI that is a mistake in what was asked, said as `search` and `topic` say it.
 * Null for any other reply: a question with words is answered, even when no paper matches.
 */
export function nothingAsked(command: AnyCommand, reply: Reply, text: string): Reply | null {
  if (command.name !== 'ask' || !nothingToLookUp(text)) return null;
  const empty =
    reply.kind === 'text' || (reply.kind === 'answer' && reply.sentences.length === 0 && reply.cards.length === 0 && (reply.related ?? []).length === 0);
  if (!empty) return null;
  return {
    kind: 'error',
    message: `"${clip(text.replace(/\s+/g, ' ').trim(), 60)}" has no words I can look up.`,
    hints: ['Ask about a topic, e.g. `paperboy ask "what\'s new on KV cache compression?"`.'],
    visibility: 'ephemeral',
  };
}
