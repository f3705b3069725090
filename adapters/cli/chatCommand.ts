// A chat command run from the CLI: one answer as text or JSON, or (search, ask) one answer per stdin line.
import readline from 'node:readline';
import type { AnyCommand } from '../../src/command.js';
import type { Caller } from '../../src/ports.js';
import type { PagerCursor, Reply } from '../../src/reply.js';
import { renderText } from '../console/render.js';
import { commandFlagSpec, type ParsedArgs } from './args.js';
import type { Ctx } from './context.js';
import { missingWords, nothingAsked } from './emptyInput.js';
import { askJson, replyJson } from './json.js';

/** Subcommands that read one query per stdin line when given no words and stdin is not a terminal. */
const BATCH = new Set(['search', 'ask']);

/**
 * How the one-shot CLI tells people to get the next page: the same command with --offset, or, when
 * the page continues as another command (ask's count continues as a search), that command in full.
 */
const cliMore =
  (running: string) =>
  (next: PagerCursor): string => {
    if (next.command === running) return `Add --offset ${next.offset} for more.`;
    const query = typeof next.input.query === 'string' ? ` ${JSON.stringify(next.input.query)}` : '';
    return `For more: paperboy ${next.command}${query} --offset ${next.offset}`;
  };

export async function runChatCommand(command: AnyCommand, args: ParsedArgs, ctx: Ctx): Promise<number> {
  const { app, io } = ctx;
  const json = args.switches.has('json');
  // NOTE: the CLI acts for its operator, who may change any setting it can reach.
  const caller: Caller = { platform: 'cli', optionStyle: 'flag', mayManage: async () => true };
  // NOTE: a pipe has no columns; COLUMNS (set by shells) still says how wide the reader's terminal is.
  const width = Math.min(io.stdout.columns ?? ctx.config.terminalColumns ?? 100, 120);
  const lookup = (id: string) => app.library.get(id);
  /** Writes one reply; returns its exit code. Errors go to stderr unless they are part of a batch's output. */
  const show = (reply: Reply, inBatch: boolean): number => {
    const noMatch = reply.kind === 'error' && reply.code === 'no-match';
    const failed = reply.kind === 'error' && !noMatch;
    if (json) io.stdout.write(`${JSON.stringify(command.name === 'ask' ? askJson(reply, lookup) : replyJson(reply, lookup))}\n`);
    else if (failed && !inBatch) io.stderr.write(`${renderText(reply, { width })}\n`);
    else io.stdout.write(`${renderText(reply, { width, moreHint: cliMore(command.name) })}\n`);
    return failed ? 1 : 0;
  };
  const positional = commandFlagSpec(command).positional?.name;
  if (BATCH.has(command.name) && positional && !args.positionalGiven && io.stdin.isTTY !== true) {
    // Batch: one query per stdin line, one answer per line, in order. A failed line prints
    // {"error": …} (JSON) or its message, and the exit code says some line failed.
    let code = 0;
    const rl = readline.createInterface({ input: io.stdin, crlfDelay: Infinity });
    for await (const line of rl) {
      if (line.trim() === '') {
        // NOTE: an empty line keeps its place in the output: an empty result list, or an answer with no citations.
        io.stdout.write(json ? `${command.name === 'ask' ? JSON.stringify({ answer: '', citations: [] }) : '[]'}\n` : '\n');
        continue;
      }
      code = Math.max(code, show(await app.dispatcher.run({ command: command.name, input: { ...args.input, [positional]: line } }, caller), true));
      if (!json) io.stdout.write('\n');
    }
    return code;
  }
  // No words where the subcommand needs some, or none to look up, is a mistake in what was asked (exit 1).
  const text = positional ? (args.input[positional] ?? '') : '';
  const missing = positional ? missingWords(command, app.dispatcher.commands, text) : null;
  if (missing) return show(missing, false);
  const reply = await app.dispatcher.run({ command: command.name, input: args.input }, caller);
  return show(nothingAsked(command, reply, text) ?? reply, false);
}
