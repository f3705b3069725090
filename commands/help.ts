// help: what paperboy can do, overall or for one command.
import { z } from 'zod';
import type { AnyCommand } from '../src/command.js';
import { defineCommand } from '../src/command.js';
import type { Reply } from '../src/reply.js';
import { textOption } from './options.js';

/** The help reply, shared with commands that answer empty input with help. */
export function helpReply(commands: readonly AnyCommand[], only?: string): Reply {
  const one = only ? commands.find((c) => c.name === only.toLowerCase()) : undefined;
  if (one) {
    return {
      kind: 'text',
      title: `${one.name}: ${one.description}`,
      lines: [`Usage: ${one.name} ${one.usage}`, ...examples(one.name)],
      visibility: 'ephemeral',
    };
  }
  return {
    kind: 'text',
    title: 'paperboy answers questions about recent ML papers',
    lines: [
      ...commands.map((c) => `${c.name} ${c.usage}: ${c.description}`),
      "Examples: ask what's new on KV cache compression? · search kv cache quantization since:2025 · trending 2025-W48 · paper Informer · topic agent memory",
    ],
    visibility: 'ephemeral',
  };
}

function examples(name: string): string[] {
  switch (name) {
    case 'search':
      return ['Examples: search kv cache quantization · search which paper squeezes the KV cache to 2 bits? · search memory agents -benchmark since:2025-06'];
    case 'ask':
      return [
        "Examples: ask what's new on KV cache compression? · ask what's trending this week? · ask papers from Google since 2025 · then, in the thread: more like [2]",
      ];
    case 'trending':
      return ['Examples: trending · trending 2025-11-27 · trending 2025-W48 · trending 2025-11'];
    case 'follow':
      return ['Examples: follow kv cache · follow author:"Tri Dao" · follow org:MemTensor'];
    case 'cards':
      return ['Examples: cards https://arxiv.org/abs/2402.02750v2 · cards https://hf.co/papers/2402.02750'];
    default:
      return [];
  }
}

export const help = defineCommand({
  name: 'help',
  description: 'What paperboy can do',
  usage: '[command]',
  args: [{ name: 'command', description: 'A command to explain', type: 'string', required: false, maxLength: 40 }],
  options: z.object({ command: textOption }),
  fromText: (text) => ({ command: text }),
  run: async ({ command }, ctx) => helpReply(ctx.commands, command || undefined),
});
