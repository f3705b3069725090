// The console chat: the same commands as Slack and Discord, typed in a terminal, no tokens needed.
import readline from 'node:readline';

import type { Logger } from '../../src/logger.js';
import type { ChatAdapter, Inbound, PostTarget } from '../../src/ports.js';
import type { PagerCursor, Reply } from '../../src/reply.js';
import { renderText } from './render.js';

export interface ConsoleAdapterOptions {
  dispatcher: Inbound;
  logger: Logger;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream & { columns?: number };
  color?: boolean;
}

/**
 * An interactive chat on stdin/stdout. Lines starting with `/` are commands (`/search kv cache`,
 * `/more` for the next page); anything else is a question, answered by search, as a mention would be.
 */
export function createConsoleAdapter(opts: ConsoleAdapterOptions): ChatAdapter & { done: Promise<void> } {
  let rl: readline.Interface | null = null;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  let last: PagerCursor | undefined;
  let closed = false;
  const width = () => Math.min(opts.output.columns ?? 100, 120);
  const print = (reply: Reply) => {
    opts.output.write(`${renderText(reply, { width: width(), color: opts.color ?? false })}\n\n`);
    // "/more" continues the reply just shown, or nothing when it had no next page.
    last = reply.kind === 'papers' ? reply.next : undefined;
  };

  const handle = async (line: string) => {
    if (closed) return;
    const text = line.trim();
    if (text === '') return;
    if (text === '/quit' || text === '/exit') {
      closed = true;
      rl?.close();
      return;
    }
    if (text === '/more') {
      if (!last) opts.output.write('Nothing more to show. Run a search or /trending first.\n\n');
      else print(await opts.dispatcher.run({ command: last.command, input: { ...last.input, offset: last.offset } }, { platform: 'console' }));
      return;
    }
    const slash = /^\/(\S+)/.exec(text);
    if (slash && !opts.dispatcher.find(slash[1] ?? '')) {
      // A mistyped /command is a mistake to point out, not a search for its name.
      print(await opts.dispatcher.run({ command: slash[1] ?? '' }, { platform: 'console' }));
      return;
    }
    print(await opts.dispatcher.runText(text, { platform: 'console' }));
  };

  return {
    platform: 'console',
    done,
    async start() {
      opts.output.write(
        'paperboy console. Try /search kv cache quantization, /trending, /trending 2025-W40, /paper Informer, /topic, /help; /quit to leave.\n' +
          'To connect Slack or Discord, set SLACK_BOT_TOKEN + SLACK_APP_TOKEN (or SLACK_SIGNING_SECRET), or DISCORD_TOKEN + DISCORD_APP_ID, and run paperboy serve again.\n\n',
      );
      rl = readline.createInterface({ input: opts.input, output: opts.output, prompt: 'paperboy> ', terminal: false });
      let queue = Promise.resolve();
      rl.on('line', (line) => {
        queue = queue
          .then(() => handle(line))
          .catch((e: unknown) => opts.logger.error({ err: e }, 'console line failed'))
          .then(() => {
            if (!closed) rl?.prompt();
          });
      });
      rl.on('close', () => {
        closed = true;
        void queue.then(() => resolveDone());
      });
      rl.prompt();
    },
    async stop() {
      rl?.close();
      await done;
    },
    async post(_target: PostTarget, reply: Reply) {
      print(reply);
    },
  };
}
