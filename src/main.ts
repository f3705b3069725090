// The composition root and CLI: reads config once, builds the core, wires adapters, runs a subcommand.
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { commands } from '../commands/index.js';
import { createConsoleAdapter } from '../adapters/console/index.js';
import { renderText } from '../adapters/console/render.js';
import { createSlackAdapter } from '../adapters/slack/index.js';
import { createDiscordAdapter, registerCommands } from '../adapters/discord/index.js';
import { parseShardsOption, startDiscordShards, type ShardsOption } from '../adapters/discord/sharding.js';
import { loadConfig, type Config } from './config.js';
import { createApp, seedOnFirstStart, type App as Core } from './app.js';
import { seedSource } from './papers/seeds.js';
import { OperatorError, UserError } from './errors.js';
import { createLogger, type Logger } from './logger.js';
import { paperJson } from './papers/model.js';
import { loadSeedDir } from './papers/seeds.js';
import { systemClock, type ChatAdapter } from './ports.js';
import type { Reply } from './reply.js';

const USAGE = `Usage: paperboy <command> [options]

  search [query] [--limit N] [--offset N] [--json]
                                        search papers (no query: one query per stdin line);
                                        -word excludes, since:/until:/org: filter
  trending [--date YYYY-MM-DD | --week YYYY-Www | --month YYYY-MM | PERIOD] [--limit N] [--offset N] [--json]
                                        PERIOD also: today, yesterday, week, month
  paper <id or title words> [--json]    one paper's details
  topic [words] [--limit N] [--offset N] [--json]
                                        papers on a topic (no words: list topics)
  papers --json                         every stored paper
  ingest --seeds DIR                    ingest Daily Papers page dumps from DIR
  serve [--shards auto|N]               start the configured chat adapters (or the console)
  register                              register the Discord /papers command (guild or global)
  help                                  this text

Logs go to stderr; JSON goes to stdout alone.`;

interface Io {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { columns?: number; isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

/** Runs the CLI and returns the process exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [sub = 'help', ...rest] = argv;
  if (sub === 'help' || sub === '--help' || sub === '-h') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const configResult = loadConfig(io.env);
  if (!configResult.ok) {
    io.stderr.write(`${configResult.error}\n`);
    return 2;
  }
  const config = configResult.value;
  // The console chat shares the terminal with stderr: keep routine logs out of the conversation.
  const consoleChat = sub === 'serve' && !config.slack && !config.discord && io.stdin.isTTY === true;
  const logger = createLogger(config.logLevel ?? (consoleChat ? 'warn' : 'info'));
  let core: Core | undefined;
  try {
    core = createApp({ config, logger, clock: systemClock, commands });
    await seedOnFirstStart(core, seedSource(config.seedsDir), logger, systemClock);
    return await runSubcommand(sub, rest, { config, logger, core, io });
  } catch (e) {
    if (e instanceof UserError || e instanceof OperatorError) {
      io.stderr.write(`${[e.message, ...e.hints].join('\n')}\n`);
      return 1;
    }
    if (e instanceof TypeError && (e as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      io.stderr.write(`${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    if ((e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    logger.error({ err: e }, 'paperboy failed');
    io.stderr.write(`paperboy failed: ${(e as Error).message}\n`);
    return 1;
  } finally {
    core?.close();
  }
}

interface Ctx {
  config: Config;
  logger: Logger;
  core: Core;
  io: Io;
}

async function runSubcommand(sub: string, args: string[], ctx: Ctx): Promise<number> {
  const { core, io } = ctx;
  // NOTE: a pipe has no columns; COLUMNS (set by shells) still says how wide the reader's terminal is.
  const width = Math.min(io.stdout.columns ?? ctx.config.terminalColumns ?? 100, 120);
  // "No papers match" is an answer, not a failure: [] in JSON, exit code 0 (the same in batch mode).
  const show = (reply: Reply, json: boolean): number => {
    const noMatch = reply.kind === 'error' && reply.code === 'no-match';
    if (json) io.stdout.write(`${JSON.stringify(noMatch ? [] : replyJson(reply, ctx.core))}\n`);
    else io.stdout.write(`${renderText(reply, { width, moreHint: CLI_MORE })}\n`);
    return reply.kind === 'error' && !noMatch ? 1 : 0;
  };
  switch (sub) {
    case 'search': {
      const { json, limit, offset, words, sawQuery, help } = queryArgs(args);
      if (help) return show(await core.dispatcher.run({ command: 'help', input: { command: 'search' } }, { platform: 'cli' }), false);
      const query = words.join(' ');
      if (sawQuery || io.stdin.isTTY) {
        return show(await core.dispatcher.run({ command: 'search', input: { query, limit: limit ?? '10', offset: offset ?? '0' } }, { platform: 'cli' }), json);
      }
      // Batch: one query per stdin line, one answer per line, in order. A failed line prints
      // {"error": …} (JSON) or its message, and the exit code says some line failed.
      let code = 0;
      const rl = readline.createInterface({ input: io.stdin, crlfDelay: Infinity });
      for await (const line of rl) {
        if (line.trim() === '') {
          io.stdout.write(json ? '[]\n' : '\n');
          continue;
        }
        const reply = await core.dispatcher.run({ command: 'search', input: { query: line, limit: limit ?? '10', offset: offset ?? '0' } }, { platform: 'cli' });
        code = Math.max(code, show(reply, json));
        if (!json) io.stdout.write('\n');
      }
      return code;
    }
    case 'trending': {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: { date: { type: 'string' }, week: { type: 'string' }, month: { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' }, json: { type: 'boolean' } },
      });
      const given = [values.date, values.week, values.month, ...(positionals.length > 0 ? [positionals.join(' ')] : [])].filter((v) => v !== undefined);
      if (given.length > 1) throw new UserError('Give one period: --date, --week, --month or a bare period such as 2025-W40.');
      const check = (flag: string, value: string | undefined, ok: RegExp, example: string) => {
        if (value !== undefined && !ok.test(value)) throw new UserError(`--${flag} ${value} is not ${example}.`);
      };
      check('date', values.date, /^(\d{4}-\d{2}-\d{2}|today|yesterday)$/i, 'a date: use YYYY-MM-DD (e.g. 2025-11-27), today or yesterday');
      check('week', values.week, /^(\d{4}-W\d{2}|week)$/i, 'a week: use YYYY-Www (e.g. 2025-W48) or week');
      check('month', values.month, /^(\d{4}-\d{2}|month)$/i, 'a month: use YYYY-MM (e.g. 2025-11) or month');
      const date = given[0] ?? '';
      return show(
        await core.dispatcher.run({ command: 'trending', input: { date, limit: values.limit ?? '25', offset: values.offset ?? '0' } }, { platform: 'cli' }),
        values.json === true,
      );
    }
    case 'paper':
    case 'topic': {
      const { json, limit, offset, words } = queryArgs(args);
      const text = words.join(' ');
      const input = sub === 'paper' ? { id: text } : { topic: text, limit: limit ?? '10', offset: offset ?? '0' };
      return show(await core.dispatcher.run({ command: sub, input }, { platform: 'cli' }), json);
    }
    case 'papers': {
      parseArgs({ args, options: { json: { type: 'boolean' } } });
      io.stdout.write(`${JSON.stringify(core.store.all().map(paperJson))}\n`);
      return 0;
    }
    case 'ingest': {
      const { values } = parseArgs({ args, options: { seeds: { type: 'string' } } });
      const dir = values.seeds ?? ctx.config.seedsDir;
      const load = loadSeedDir(dir, ctx.logger);
      if (load.files.length === 0) throw new UserError(`${dir} has no page dumps (*.txt files); nothing was ingested.`);
      const stats = core.library.ingest(load.papers);
      io.stdout.write(
        `Ingested ${load.files.length} files from ${dir}: ${load.entries} entries, ${load.papers.length} papers (${stats.inserted} new, ${stats.updated} updated, ${stats.unchanged} unchanged)${load.warnings.length > 0 ? `, ${load.warnings.length} warnings (see log)` : ''}.\n`,
      );
      return 0;
    }
    case 'serve':
      return serve(args, ctx);
    case 'register': {
      parseArgs({ args, options: {} });
      const discord = ctx.config.discord;
      if (!discord) throw new UserError('Nothing to register: set DISCORD_TOKEN and DISCORD_APP_ID (and DISCORD_GUILD_ID to register in one server instantly); see README.md.');
      let r: Awaited<ReturnType<typeof registerCommands>>;
      try {
        r = await registerCommands({ config: discord, commands: core.dispatcher.commands });
      } catch (e) {
        throw new UserError(`Could not register /papers with Discord: ${(e as Error).message}`, ['Check DISCORD_TOKEN, DISCORD_APP_ID and DISCORD_API_URL (see README.md).']);
      }
      io.stdout.write(
        `Registered /papers with ${r.subcommands.length} subcommands (${r.subcommands.join(', ')}) ${r.scope === 'guild' ? `in guild ${discord.guildId ?? ''}; it is available now` : 'globally; it can take up to an hour to appear'}.\n`,
      );
      return 0;
    }
    default:
      io.stderr.write(`Unknown command "${sub}".\n\n${USAGE}\n`);
      return 2;
  }
}

/** How the one-shot CLI tells people to get the next page. */
const CLI_MORE = (offset: number) => `Add --offset ${offset} for more.`;

/**
 * Reads `[words…] [--json] [--limit N] [--offset N]`. Anything else, including `-term`
 * exclusions, is query text (`--` ends the options explicitly).
 */
interface QueryArgs {
  json: boolean;
  help: boolean;
  limit?: string;
  offset?: string;
  words: string[];
  sawQuery: boolean;
}

function queryArgs(args: readonly string[]): QueryArgs {
  const out: QueryArgs = { json: false, help: false, words: [], sawQuery: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const valued = /^--(limit|offset)(?:=(.*))?$/.exec(a);
    if (a === '--') {
      out.words.push(...args.slice(i + 1));
      out.sawQuery = out.sawQuery || i + 1 < args.length;
      break;
    } else if (a === '--json') {
      out.json = true;
    } else if (a === '--help' || a === '-h') {
      out.help = true;
    } else if (valued) {
      const value = valued[2] ?? args[++i];
      if (value === undefined) throw new UserError(`--${valued[1]} needs a number, e.g. --${valued[1]} 10.`);
      if (valued[1] === 'limit') out.limit = value;
      else out.offset = value;
    } else if (a.startsWith('--')) {
      throw new UserError(`Unknown option ${a}. Options: --json, --limit N, --offset N (put -- before query words that start with --).`);
    } else {
      out.words.push(a);
      out.sawQuery = true;
    }
  }
  return out;
}

/** The JSON of a reply's cards: every paper field plus its rank, score and snippet. */
function replyJson(reply: Reply, core: Core): unknown {
  if (reply.kind === 'papers') {
    return reply.cards.map((c, i) => {
      const p = core.library.get(c.id);
      return { rank: reply.start + i, score: c.score ?? null, ...(p ? paperJson(p) : { id: c.id, title: c.title }), snippet: c.snippet.map((s) => s.text).join('') };
    });
  }
  if (reply.kind === 'paper') {
    const p = core.library.get(reply.card.id);
    return p ? paperJson(p) : { id: reply.card.id, title: reply.card.title };
  }
  if (reply.kind === 'choices') return { choices: reply.choices.map((c) => ({ label: c.label, ...c.input })) };
  if (reply.kind === 'error') return { error: reply.message, hints: reply.hints };
  return { title: reply.title ?? null, lines: reply.lines };
}

/** Builds the chat adapters the configuration asks for. */
function platformAdapters(ctx: Ctx): ChatAdapter[] {
  const adapters: ChatAdapter[] = [];
  // PLATFORM ADAPTERS: Slack and Discord are wired here (see adapters/slack, adapters/discord).
  if (ctx.config.slack) adapters.push(createSlackAdapter({ config: ctx.config.slack, dispatcher: ctx.core.dispatcher, logger: ctx.logger }));
  if (ctx.config.discord) adapters.push(createDiscordAdapter({ config: ctx.config.discord, dispatcher: ctx.core.dispatcher, logger: ctx.logger }));
  return adapters;
}

async function serve(args: string[], ctx: Ctx): Promise<number> {
  const { values } = parseArgs({ args, options: { shards: { type: 'string' } } });
  let adapters = platformAdapters(ctx);
  const { io, logger } = ctx;
  // Discord sharding: the manager process runs every other platform and spawns one child per shard;
  // each child (SHARDING_MANAGER=true, set by discord.js) runs only Discord.
  let shardCount: ShardsOption | undefined;
  if (values.shards !== undefined) {
    const shards = parseShardsOption(values.shards);
    if (!shards.ok) throw new UserError(shards.error);
    if (!ctx.config.discord) throw new UserError('--shards is for Discord: set DISCORD_TOKEN and DISCORD_APP_ID (see README.md).');
    shardCount = shards.value;
  }
  if (ctx.config.discordShardChild) adapters = adapters.filter((a) => a.platform === 'discord');
  else if (shardCount !== undefined) adapters = adapters.filter((a) => a.platform !== 'discord');

  if (adapters.length === 0 && shardCount === undefined) {
    if (!io.stdin.isTTY) {
      io.stderr.write(
        'No chat platform is configured and there is no terminal for the console chat.\n' +
          'Set SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP), and/or DISCORD_TOKEN with DISCORD_APP_ID; see README.md.\n',
      );
      return 2;
    }
    const consoleAdapter = createConsoleAdapter({ dispatcher: ctx.core.dispatcher, logger, input: io.stdin, output: io.stdout, color: io.stdout.isTTY === true });
    await consoleAdapter.start();
    await consoleAdapter.done;
    return 0;
  }

  // NOTE: listen for SIGTERM/SIGINT before starting anything: a stop asked for during start-up
  // (docker stop, a deploy) must still shut down cleanly, not be lost.
  let requestStop: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => {
    requestStop = resolve;
  });
  process.once('SIGINT', requestStop);
  process.once('SIGTERM', requestStop);

  ctx.core.library.warm();
  let discordShards: { stop(): Promise<void> } | undefined;
  const started: ChatAdapter[] = [];
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop().catch((err: unknown) => logger.warn({ err, platform: s.platform }, 'adapter stop failed'));
    await discordShards?.stop();
  };
  const name = (platform: string) => (platform === 'slack' ? 'Slack' : platform === 'discord' ? 'Discord' : platform);
  try {
    if (shardCount !== undefined && ctx.config.discord) {
      discordShards = await startDiscordShards({ config: ctx.config.discord, shards: shardCount, logger });
    }
  } catch (e) {
    throw new UserError(`Could not start Discord shards: ${(e as Error).message}`, ['Check the DISCORD_* variables (see README.md); nothing else was started.']);
  }
  for (const a of adapters) {
    try {
      await a.start();
    } catch (e) {
      // One platform failing must not leave the others answering from a closing process.
      await stopAll();
      throw new UserError(`Could not start ${name(a.platform)}: ${(e as Error).message}`, [
        `Check the ${a.platform.toUpperCase()}_* variables (see README.md); nothing else was started.`,
      ]);
    }
    started.push(a);
    logger.info({ platform: a.platform }, 'adapter started');
  }
  await stopRequested;
  logger.info('shutting down');
  await stopAll();
  return 0;
}
