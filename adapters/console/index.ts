// The console chat: the same commands as Slack and Discord, typed in a terminal, no tokens needed.
import { randomUUID } from 'node:crypto';
import readline from 'node:readline';

import type { Logger } from '../../src/logger.js';
import type { Caller, ChatAdapter, Inbound, PostTarget } from '../../src/ports.js';
import type { Choice, PagerCursor, Reply } from '../../src/reply.js';
import { renderText, wrap } from './render.js';

export interface ConsoleAdapterOptions {
  dispatcher: Inbound;
  logger: Logger;
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { columns?: number };
  color?: boolean;
  /** Line editing, history and Tab completion (readline's terminal mode). Default: whether `input` is a TTY. */
  terminal?: boolean;
  /** Lines kept for up-arrow recall in terminal mode. */
  historySize?: number;
}

/** Commands the console itself answers, offered by Tab completion next to the dispatcher's. */
const CONSOLE_COMMANDS = ['more', 'quit', 'help'] as const;

/** Commands whose first argument Tab completes from the dispatcher (periods, topic names). */
const COMPLETED_ARGS = new Set(['topic', 'trending']);

/**
 * Removes terminal escape sequences and control characters from a typed line. In plain line mode
 * (a pipe, or a terminal readline does not drive) an arrow key arrives as `ESC [ A`; unstripped,
 * it would be searched for as "[A".
 */
export function sanitizeLine(line: string): string {
  return (
    line
      // CSI (`ESC [ … final`, or the 8-bit CSI), OSC (`ESC ] … BEL|ST`), SS3 (`ESC O A`, arrows
      // in application mode), then any other `ESC x` pair.
      // eslint-disable-next-line no-control-regex
      .replace(/(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]/g, '')
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g, '')
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b[NO][\s\S]?/g, '')
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b[\s\S]?/g, '')
      .replace(/\t/g, ' ')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
  );
}

/**
 * Tab completion for readline: `/command` names, then, after `/topic ` or `/trending `, what the
 * dispatcher offers for the command's first argument (the same list Discord autocomplete shows).
 * Resolves with `[hits, the text they complete]`, as readline's asynchronous `completer` expects.
 * See https://nodejs.org/api/readline.html#use-of-the-completer-function
 */
export function createCompleter(dispatcher: Inbound): (line: string) => Promise<[string[], string]> {
  return async (line) => {
    const arg = /^\/(\S+)\s+([\s\S]*)$/.exec(line);
    if (arg) {
      const command = dispatcher.find(arg[1] ?? '');
      const argName = command?.args[0]?.name;
      if (!command || !argName || !COMPLETED_ARGS.has(command.name)) return [[], line];
      const partial = arg[2] ?? '';
      // NOTE: readline inserts `hit.slice(partial.length)`, so only hits that extend what was typed fit.
      const p = partial.toLowerCase();
      const values = (await dispatcher.complete(command.name, argName, partial)).map((c) => c.value);
      return [[...new Set(values.filter((v) => v.toLowerCase().startsWith(p)))], partial];
    }
    if (!line.startsWith('/') || /\s/.test(line)) return [[], line];
    const names = [...new Set([...dispatcher.commands.map((c) => c.name), ...CONSOLE_COMMANDS])].map((n) => `/${n}`);
    return [names.filter((n) => n.startsWith(line.toLowerCase())), line];
  };
}

/** An asynchronous completer in the callback form readline takes. */
function readlineCompleter(complete: (line: string) => Promise<[string[], string]>): readline.AsyncCompleter {
  return (line, callback) => {
    complete(line).then(
      (hits) => callback(null, hits),
      (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))),
    );
  };
}

/** What `/help` adds in the console: its own commands, number picks, and that questions need no command. */
const CONSOLE_HELP = [
  '/more: the next page of the last list',
  '/quit: leave (or Ctrl-D, or Ctrl-C twice; one Ctrl-C clears the line)',
  'A number: pick that line of a "Which one?" list',
  'Or just type a question, e.g. which paper compresses the kv cache?',
];

/**
 * An interactive chat on stdin/stdout. Lines starting with `/` are commands (`/search kv cache`,
 * `/more` for the next page); a number picks from the list just shown; anything else is a
 * question, answered by search, as a mention would be. On a TTY, readline's terminal mode gives
 * line editing, up-arrow history and Tab completion.
 */
export function createConsoleAdapter(opts: ConsoleAdapterOptions): ChatAdapter & { done: Promise<void>; note(text: string): void } {
  let rl: readline.Interface | null = null;
  /** Whether the prompt is on screen waiting for a line (not while a line is being answered). */
  let prompting = false;
  /** Ctrl-C was the last key, on a line it left empty: another Ctrl-C quits. */
  let quitArmed = false;
  let quitHinted = false;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  let last: PagerCursor | undefined;
  let picks: Choice[] | undefined;
  let closed = false;
  const width = () => {
    const cols = opts.output.columns;
    return Math.min(cols !== undefined && cols > 0 ? cols : 100, 120);
  };
  const say = (text: string) => opts.output.write(`${wrap(text, width())}\n\n`);
  const print = (reply: Reply) => {
    const rendered = renderText(reply, { width: width(), color: opts.color ?? false });
    const hint =
      reply.kind === 'choices' && reply.choices.length > 0 ? `\n${wrap(`Type a number from 1 to ${reply.choices.length} to pick one.`, width())}` : '';
    opts.output.write(`${rendered}${hint}\n\n`);
    // "/more" continues the reply just shown, or nothing when it had no next page;
    // a bare number picks from the list just shown, and is a question after any other reply.
    last = reply.kind === 'papers' ? reply.next : undefined;
    picks = reply.kind === 'choices' ? reply.choices : undefined;
  };
  // One session is one thread: "more like [2]" follows up on the previous answer.
  // NOTE: the console acts for its operator, who may change any setting it can reach.
  const caller: Caller = { platform: 'console', channel: 'console', thread: randomUUID(), mayManage: async () => true };

  const handle = async (line: string) => {
    if (closed) return;
    const text = sanitizeLine(line).trim();
    if (text === '') return;
    if (text === '/quit' || text === '/exit') {
      closed = true;
      rl?.close();
      return;
    }
    if (text === '/more') {
      if (!last) say('Nothing more to show. Run a search or /trending first.');
      else print(await opts.dispatcher.run({ command: last.command, input: { ...last.input, offset: last.offset } }, caller));
      return;
    }
    if (picks && /^\d+$/.test(text)) {
      const choice = picks[Number(text) - 1];
      if (!choice) say(`Pick a number from 1 to ${picks.length}.`);
      else print(await opts.dispatcher.run({ command: choice.command.split(/\s+/)[0] ?? '', input: choice.input }, caller));
      return;
    }
    if (/^\/?help$/i.test(text)) {
      const reply = await opts.dispatcher.run({ command: 'help', text: '' }, caller);
      print(reply.kind === 'text' ? { ...reply, lines: [...reply.lines, ...CONSOLE_HELP] } : reply);
      return;
    }
    const slash = /^\/(\S+)/.exec(text);
    if (slash && !opts.dispatcher.find(slash[1] ?? '')) {
      // A mistyped /command is a mistake to point out, not a search for its name.
      print(await opts.dispatcher.run({ command: slash[1] ?? '' }, caller));
      return;
    }
    print(await opts.dispatcher.runText(text, caller));
  };

  const prompt = () => {
    prompting = true;
    rl?.prompt();
  };

  /**
   * Ctrl-C as shells take it: the typed line is dropped (`^C`, a fresh prompt; Ctrl-Y brings it
   * back from readline's kill ring), and a second Ctrl-C on the empty line quits, as does Ctrl-D.
   */
  const interrupt = (r: readline.Interface) => {
    if (quitArmed && r.line === '') {
      closed = true;
      r.close();
      return;
    }
    // To the end of the line first, so `^C` follows all of it, as in a shell.
    r.write(null, { ctrl: true, name: 'e' });
    const rows = r.getCursorPos().rows;
    const hint = quitHinted ? '' : `${wrap('(To quit, press Ctrl-C again or Ctrl-D, or type /quit)', width())}\n`;
    quitHinted = true;
    quitArmed = true;
    // NOTE: readline redraws the prompt `rows` rows above the cursor (a typed line wider than the
    // terminal); the blank rows keep that redraw below what was just written.
    opts.output.write(`^C\n${hint}${'\n'.repeat(rows)}`);
    // Ctrl-U clears the line in readline's own state and draws an empty prompt.
    if (prompting) r.write(null, { ctrl: true, name: 'u' });
  };

  /**
   * Writes one line above the prompt without breaking what is being typed: the prompt and the
   * typed line are cleared, the text is written, and both are drawn again with the cursor where it was.
   */
  const note = (text: string) => {
    const line = `${wrap(text, width())}\n`;
    const r = rl;
    if (!r || closed || !prompting) {
      opts.output.write(line);
      return;
    }
    if (!(opts.terminal ?? opts.input.isTTY === true)) {
      opts.output.write(`\n${line}`);
      r.prompt(true);
      return;
    }
    const rows = r.getCursorPos().rows;
    readline.moveCursor(opts.output, 0, -rows);
    readline.cursorTo(opts.output, 0);
    readline.clearScreenDown(opts.output);
    // NOTE: the redraw below starts `rows` rows above the cursor, as in `interrupt`.
    opts.output.write(`${line}${'\n'.repeat(rows)}`);
    r.prompt(true);
  };

  return {
    platform: 'console',
    done,
    note,
    async start() {
      opts.output.write(
        `${wrap(
          'paperboy console. Try /search kv cache quantization, /trending, /trending 2025-W40, /paper Informer, /topic, /help; /quit to leave.\n' +
            'To connect Slack or Discord, set SLACK_BOT_TOKEN + SLACK_APP_TOKEN (or SLACK_SIGNING_SECRET), or DISCORD_TOKEN + DISCORD_APP_ID, and run paperboy serve again.',
          width(),
        )}\n\n`,
      );
      const terminal = opts.terminal ?? opts.input.isTTY === true;
      rl = readline.createInterface({
        input: opts.input,
        output: opts.output,
        prompt: 'paperboy> ',
        terminal,
        ...(terminal
          ? { historySize: opts.historySize ?? 500, removeHistoryDuplicates: true, completer: readlineCompleter(createCompleter(opts.dispatcher)) }
          : {}),
      });
      let queue = Promise.resolve();
      const r = rl;
      r.on('SIGINT', () => interrupt(r));
      if (terminal) {
        // Any key but Ctrl-C disarms quitting: Ctrl-C after typing clears the line again first.
        opts.input.on('keypress', (_s: string, key?: { ctrl?: boolean; name?: string }) => {
          if (!(key?.ctrl === true && key.name === 'c')) quitArmed = false;
        });
      }
      rl.on('line', (line) => {
        prompting = false;
        quitArmed = false;
        queue = queue
          .then(() => handle(line))
          .catch((e: unknown) => opts.logger.error({ err: e }, 'console line failed'))
          .then(() => {
            if (!closed) prompt();
          });
      });
      rl.on('close', () => {
        closed = true;
        void queue.then(() => resolveDone());
      });
      prompt();
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
