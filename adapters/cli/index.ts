// The CLI adapter: `paperboy <subcommand>`, flags generated from command args, text or JSON out, and `serve`.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { commands as registry } from '../../commands/index.js';
import cliProgress from 'cli-progress';
import {
  createApp,
  createLiveIngest,
  createThreadedIngest,
  dayDeps,
  ingestFrom,
  loadChatAdapters,
  oauthStoresFor,
  pagerCursorsFor,
  seedOnFirstStart,
  startServeInbound,
  type App,
  type ServeInbound,
} from '../../src/app.js';
import { ingestDates, ingestDays, type DayOutcome } from '../../src/ingest/day.js';
import type { Timers } from '../../src/ingest/live.js';
import type { Sleep } from '../../src/papers/hf.js';
import type { AnyCommand } from '../../src/command.js';
import { loadConfig, PROJECT_ROOT, type Config } from '../../src/config.js';
import { closeCommand } from '../../src/dispatch.js';
import { OperatorError, UserError } from '../../src/errors.js';
import { DatabaseUnavailable } from '../../src/store/postgresSql.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { paperJson } from '../../src/papers/model.js';
import { seedSource } from '../../src/papers/seeds.js';
import { dateInZone, systemClock, type Caller, type ChatAdapter, type Clock } from '../../src/ports.js';
import type { PagerCursor, Reply } from '../../src/reply.js';
import { healthServer } from '../../src/health.js';
import { Scheduler, type Freshener } from '../../src/scheduler/scheduler.js';
import { DEFAULT_TOP, MAX_TOP, parseTop } from '../../src/scheduler/spec.js';
import { parsePeriod } from '../../src/trending/period.js';
import { processStopSignal, serve, type BackgroundJob, type StopSignal } from '../../src/serve.js';
import { AlertDelivery } from '../../src/follows/delivery.js';
import { leaderWork } from '../../src/leader/background.js';
import type { DatabaseWatch } from '../../src/store/sqliteWatch.js';
import { parseShardFlags } from '../discord/shardsOption.js';
import { consoleLogSink, type ConsoleLogSink } from '../console/logNotes.js';
import { renderText } from '../console/render.js';
import { commandFlagSpec, HELP_FLAG, JSON_FLAG, parseFlags, subcommandHelp, type FlagSpec, type ParsedArgs } from './args.js';
import { missingWords, nothingAsked } from './emptyInput.js';
import { askJson, replyJson } from './json.js';
import { migrateTo } from './migrateTo.js';

/** The process streams and environment the CLI runs with; tests pass their own. */
export interface Io {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { columns?: number; isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

/** Collaborators tests replace: the clock, the stop signal of `serve`. */
export interface CliDeps {
  clock?: Clock;
  stopSignal?: () => StopSignal;
  /** Fetches the day's list before a scheduled post (default: serve's live ingest; absent: posts use what is stored). */
  freshener?: Freshener;
  /** When the last ingest succeeded, for /healthz (default: the live ingest's status). */
  lastIngest?: () => string | null;
  /** The timers serve's live ingest is scheduled on. */
  timers?: Timers;
  /** How the HF client waits between retries (tests: at once, on a fake clock). */
  sleep?: Sleep;
}

interface Ctx {
  config: Config;
  logger: Logger;
  app: App;
  io: Io;
  clock: Clock;
  deps: CliDeps;
  /** `serve` only: listening for SIGTERM/SIGINT from before the database opens. */
  stop?: StopSignal;
  /** The console chat on a terminal: where logs go as sentences, above the prompt once the console runs. */
  notes?: ConsoleLogSink;
}

/** What a subcommand that opens its own databases gets (no app: `migrate` must not open the one DATABASE_URL names). */
type AloneCtx = Omit<Ctx, 'app'>;

/** A subcommand only the CLI has (not a chat command). */
type CliOnly = { name: string; description: string; spec: FlagSpec } & (
  { alone?: false; run(args: ParsedArgs, ctx: Ctx): Promise<number> } | { alone: true; run(args: ParsedArgs, ctx: AloneCtx): Promise<number> }
);

const CLI_ONLY: readonly CliOnly[] = [
  {
    name: 'papers',
    description: 'Every stored paper, as JSON',
    spec: { flags: [JSON_FLAG, HELP_FLAG] },
    run: async (_args, { app, io }) => {
      io.stdout.write(`${JSON.stringify(app.store.all().map(paperJson))}\n`);
      return 0;
    },
  },
  {
    name: 'ingest',
    description: 'Ingest daily lists from the Hugging Face API (--date, --since), or page dumps from a folder (idempotent)',
    spec: {
      flags: [
        { name: 'seeds', kind: 'value', placeholder: 'DIR', description: 'The folder of page dumps (*.txt); default PAPERBOY_SEEDS_DIR' },
        { name: 'date', kind: 'value', placeholder: 'YYYY-MM-DD', description: "One day's Hugging Face daily list (New York date)" },
        { name: 'since', kind: 'value', placeholder: 'YYYY-MM-DD', description: 'Every daily list from this day (up to 366 days; completed days are skipped)' },
        { name: 'until', kind: 'value', placeholder: 'YYYY-MM-DD', description: 'With --since: the last day (default today)' },
        { name: 'refresh', kind: 'switch', description: 'Fetch days again even when they are already complete' },
        HELP_FLAG,
      ],
    },
    run: ingestCommand,
  },
  {
    name: 'serve',
    description: 'Start the configured chat adapters (Slack, Discord), or the console chat when none is configured',
    spec: {
      flags: [
        {
          name: 'shards',
          kind: 'value',
          placeholder: 'auto|N|0-3',
          description: 'Discord: one process per shard (auto asks Discord); with --total-shards, the shards this host runs',
        },
        { name: 'total-shards', kind: 'value', placeholder: 'N', description: "Discord: the bot's shards across every host (the same on each)" },
        HELP_FLAG,
      ],
    },
    run: serveCommand,
  },
  {
    name: 'post',
    description: 'Post the trending list to one channel now, once per list (for cron): post trending --platform slack|discord --channel ID',
    spec: {
      positional: { name: 'what', placeholder: 'trending', description: 'What to post (trending)' },
      flags: [
        { name: 'platform', kind: 'value', placeholder: 'slack|discord', description: 'The platform to post on (its variables must be set)' },
        { name: 'channel', kind: 'value', placeholder: 'ID', description: 'The channel id (Slack C…, Discord snowflake)' },
        { name: 'guild', kind: 'value', placeholder: 'ID', description: 'Discord: the server the channel is in (optional)' },
        { name: 'date', kind: 'value', placeholder: 'YYYY-MM-DD', description: "The list's date (default: the newest list)" },
        { name: 'top', kind: 'value', placeholder: 'N', description: `How many papers (1-${MAX_TOP}, default ${DEFAULT_TOP})` },
        HELP_FLAG,
      ],
    },
    run: postCommand,
  },
  {
    name: 'register',
    description: 'Register the Discord /papers command (in DISCORD_GUILD_ID, or globally)',
    spec: { flags: [HELP_FLAG] },
    run: registerCommand,
  },
  {
    name: 'migrate',
    description: 'Copy this data dir’s SQLite deployment into an empty PostgreSQL database (resumable; run again after a stop)',
    spec: {
      flags: [
        { name: 'to', kind: 'value', placeholder: 'DATABASE_URL', description: 'The PostgreSQL database to copy into (postgres://user:password@host:5432/db)' },
        HELP_FLAG,
      ],
    },
    alone: true,
    run: (args, { config, logger, clock, io }) => migrateTo(args.input, { config, logger, clock, stderr: io.stderr, stdout: io.stdout }),
  },
];

/** Registry commands the CLI exposes as subcommands (help is the CLI's own). */
const CHAT_COMMANDS = registry.filter((c) => c.name !== 'help');

/** Subcommands that do not ingest the seed corpus on first start. */
const NO_SEEDING = new Set(['ingest', 'register']);

/** Subcommands that read one query per stdin line when given no words and stdin is not a terminal. */
const BATCH = new Set(['search', 'ask']);

function version(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A platform the command needs is not configured: said on stderr, exit code 2 (the environment does not allow it). */
function notConfigured(io: Io, message: string): number {
  io.stderr.write(`${message}\n`);
  return 2;
}

/** The whole usage text, generated from the same specs the flags are parsed with. */
export function usage(): string {
  const rows: Array<[string, string]> = [
    ...CHAT_COMMANDS.map((c): [string, string] => [`${c.name} ${c.usage}`.trimEnd(), c.description]),
    ...CLI_ONLY.map((c): [string, string] => [
      c.name +
        (c.spec.positional ? ` ${c.spec.positional.placeholder}` : '') +
        c.spec.flags
          .filter((f) => f.name !== 'help' && f.name !== 'json')
          .map((f) => ` [--${f.name}${f.kind === 'value' ? ` ${f.placeholder ?? 'VALUE'}` : ''}]`)
          .join(''),
      c.description,
    ]),
    ['help [subcommand]', 'This text, or one subcommand’s flags'],
  ];
  return [
    'Usage: paperboy <subcommand> [options]',
    '',
    ...rows.map(([u, d]) => `  ${u}\n      ${d}`),
    '',
    'Every subcommand takes --help. List subcommands take --limit N (-n N), --offset N and --json.',
    'Logs go to stderr; JSON goes to stdout alone. paperboy --version prints the version.',
  ].join('\n');
}

function helpFor(name: string): string | null {
  const chat = CHAT_COMMANDS.find((c) => c.name === name);
  if (chat) return subcommandHelp(chat.name, chat.description, commandFlagSpec(chat));
  const own = CLI_ONLY.find((c) => c.name === name);
  return own ? subcommandHelp(own.name, own.description, own.spec) : null;
}

/** `Unknown subcommand "serach" — did you mean "search"?`: the closest subcommand within two edits, when there is one. */
function unknownSubcommand(name: string): string {
  const close = closeCommand(name, [...CHAT_COMMANDS.map((c) => c.name), ...CLI_ONLY.map((c) => c.name), 'help', 'version'], 2, true);
  return close ? `Unknown subcommand "${name}" — did you mean "${close}"?` : `Unknown subcommand "${name}".`;
}

/**
 * Runs the CLI and returns the process exit code: 0 done (a search that matches nothing is an
 * answer), 1 a mistake in what was asked, 2 the configuration or the environment does not allow
 * it (an operator error). Nothing here loads a chat SDK unless `serve` or `register` needs it.
 */
export async function main(argv: readonly string[], io: Io, deps: CliDeps = {}): Promise<number> {
  const [sub = 'help', ...rest] = argv;
  if (sub === '--version' || sub === '-v' || sub === 'version') {
    io.stdout.write(`paperboy ${version()}\n`);
    return 0;
  }
  if (sub === 'help' || sub === '--help' || sub === '-h') {
    const asked = rest[0] === '--help' || rest[0] === '-h' ? undefined : rest[0];
    const one = asked ? helpFor(asked) : null;
    if (asked && !one) {
      io.stderr.write(`${unknownSubcommand(asked)}\n\n${usage()}\n`);
      return 1;
    }
    io.stdout.write(`${one ?? usage()}\n`);
    return 0;
  }
  const chat = CHAT_COMMANDS.find((c) => c.name === sub);
  const own = CLI_ONLY.find((c) => c.name === sub);
  if (!chat && !own) {
    io.stderr.write(`${unknownSubcommand(sub)}\n\n${usage()}\n`);
    return 1;
  }
  const spec = chat ? commandFlagSpec(chat) : (own as CliOnly).spec;
  const parsed = parseFlags(sub, spec, rest);
  if (!parsed.ok) {
    io.stderr.write(`${[parsed.error.message, ...parsed.error.hints].join('\n')}\n`);
    return 1;
  }
  if (parsed.value.switches.has('help')) {
    io.stdout.write(`${helpFor(sub) ?? usage()}\n`);
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
  const level = config.logLevel ?? (consoleChat ? 'warn' : 'info');
  // On a terminal, the console chat's logs are sentences above the prompt, never JSON through the
  // line being typed; stderr sent elsewhere (`2>serve.log`) keeps the JSON lines.
  const notes = consoleChat && io.stderr.isTTY === true ? consoleLogSink(io.stderr) : undefined;
  const logger = createLogger(level, notes ?? (io.stderr === process.stderr ? 2 : io.stderr));
  const clock = deps.clock ?? systemClock;
  let app: App | undefined;
  // NOTE: serve listens for SIGTERM/SIGINT before doing anything else: a stop asked for during
  // start-up (docker stop, a deploy) must still shut down cleanly, not be lost or kill it mid-write.
  const stop = sub === 'serve' ? (deps.stopSignal ?? processStopSignal)() : undefined;
  logger.debug({ subcommand: sub, dataDir: config.dataDir }, 'starting');
  try {
    if (own?.alone) return await own.run(parsed.value, { config, logger, io, clock, deps });
    app = await createApp({ config, logger, clock, commands: registry });
    // `ingest` brings its own papers and `register` needs none: a broken seeds folder must not stop them.
    if (!NO_SEEDING.has(sub)) await seedOnFirstStart(app, seedSource(config.seedsDir), logger, clock);
    const ctx: Ctx = { config, logger, app, io, clock, deps, ...(stop ? { stop } : {}), ...(notes ? { notes } : {}) };
    return chat ? await runChatCommand(chat, parsed.value, ctx) : await (own as CliOnly & { alone?: false }).run(parsed.value, ctx);
  } catch (e) {
    if (e instanceof UserError || e instanceof OperatorError) {
      io.stderr.write(`${[e.message, ...e.hints].join('\n')}\n`);
      // What the operator must fix (a data dir that is a file, a damaged database) is the environment: exit 2.
      return e instanceof OperatorError ? 2 : 1;
    }
    if (e instanceof DatabaseUnavailable) {
      // NOTE: not a bug to trace: the server went away mid-command (and, for an ingest, did not come back within its retries).
      const cause = e.cause instanceof Error ? e.cause.message : String(e.cause);
      logger.error({ subcommand: sub, reason: cause }, 'the database became unreachable');
      io.stderr.write(
        `paperboy ${sub}: the PostgreSQL database (DATABASE_URL) became unreachable (${cause}). What was written before it is kept; run the same command again once the database answers (an ingest merges what is already stored).\n`,
      );
      return 1;
    }
    logger.error({ err: e, subcommand: sub }, 'paperboy failed');
    io.stderr.write(`paperboy failed: ${firstLine(e)} (details are in the log above).\n`);
    return 1;
  } finally {
    stop?.dispose();
    await app?.close();
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, 300) ?? '';
}

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

async function runChatCommand(command: AnyCommand, args: ParsedArgs, ctx: Ctx): Promise<number> {
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

async function ingestCommand(args: ParsedArgs, ctx: Ctx): Promise<number> {
  const { date, since, until } = args.input;
  const fromApi = date !== undefined || since !== undefined || until !== undefined;
  if (args.switches.has('refresh') && !fromApi) throw new UserError('--refresh goes with --date or --since (it fetches Hugging Face daily lists again).');
  if (fromApi) {
    if (args.input.seeds !== undefined) throw new UserError('Give --seeds DIR for page dumps, or --date/--since for Hugging Face daily lists, not both.');
    return ingestApi({ date, since, until }, args.switches.has('refresh'), ctx);
  }
  const given = args.input.seeds;
  const dir = path.resolve(given ?? ctx.config.seedsDir);
  // A folder with no page dump in it is an OperatorError from the source, naming where it was given.
  const { stats, counts, warnings } = await ingestFrom(ctx.app, seedSource(dir, given === undefined ? 'PAPERBOY_SEEDS_DIR' : '--seeds'), ctx.logger);
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const extras = [
    (counts.rejected ?? 0) > 0 ? `${plural(counts.rejected ?? 0, 'entry', 'entries')} skipped (values paperboy cannot store)` : '',
    (counts.skippedFiles ?? 0) > 0 ? `${plural(counts.skippedFiles ?? 0, 'file')} skipped (not a Daily Papers page)` : '',
    warnings > 0 ? `${plural(warnings, 'warning')} (see log)` : '',
  ].filter(Boolean);
  ctx.io.stdout.write(
    `Ingested ${counts.files} files from ${dir}: ${counts.entries} entries, ${counts.papers} papers (${stats.inserted} new, ${stats.updated} updated, ${stats.unchanged} unchanged)${extras.map((x) => `, ${x}`).join('')}.\n`,
  );
  return 0;
}

/**
 * `ingest --date/--since`: each day in one transaction, a progress bar on a terminal and one line
 * per day otherwise, a summary at the end; exit 1 when a day failed (re-running fetches only those).
 */
async function ingestApi(
  flags: { date?: string | undefined; since?: string | undefined; until?: string | undefined },
  refresh: boolean,
  ctx: Ctx,
): Promise<number> {
  const { io, config } = ctx;
  const today = dateInZone(ctx.clock.now(), config.timeZone);
  const days = ingestDates(flags, today);
  if (!days.ok) throw UserError.from(days.error);
  const deps = dayDeps(ctx.app, config, ctx.logger, ctx.clock, ctx.deps.sleep);
  if (!deps) throw new OperatorError('This paper store keeps no daily lists, so Hugging Face lists cannot be ingested into it.');
  const bar =
    io.stderr.isTTY === true && days.value.length > 1
      ? new cliProgress.SingleBar(
          { stream: io.stderr, format: 'ingest [{bar}] {value}/{total} days | {day}', hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.legacy,
        )
      : null;
  bar?.start(days.value.length, 0, { day: days.value[0] ?? '' });
  let outcomes: DayOutcome[];
  try {
    outcomes = await ingestDays(deps, days.value, {
      refresh,
      onDay: (o, done) => {
        if (bar) bar.update(done, { day: o.date });
        else io.stdout.write(`${dayLine(o)}\n`);
      },
    });
  } finally {
    bar?.stop();
  }
  const ingested = outcomes.flatMap((o) => (o.status === 'ingested' ? [o.result] : []));
  const failed = outcomes.filter((o) => o.status === 'failed');
  const skipped = outcomes.filter((o) => o.status === 'skipped').length;
  const sum = (f: (r: (typeof ingested)[number]) => number) => ingested.reduce((n, r) => n + f(r), 0);
  const parts = [
    `${sum((r) => r.counts.papers ?? 0)} papers (${sum((r) => r.stats.inserted)} new, ${sum((r) => r.stats.updated)} updated, ${sum((r) => r.stats.unchanged)} unchanged)`,
    sum((r) => r.counts.skipped ?? 0) > 0 ? `${sum((r) => r.counts.skipped ?? 0)} items skipped (see log)` : '',
    skipped > 0 ? `${skipped} ${skipped === 1 ? 'day' : 'days'} already complete (skipped; --refresh fetches again)` : '',
    failed.length > 0 ? `${failed.length} failed (${failed.map((f) => f.date).join(', ')})` : '',
  ].filter(Boolean);
  io.stdout.write(
    `Ingested ${ingested.length} of ${outcomes.length} ${outcomes.length === 1 ? 'day' : 'days'} from ${config.hf.apiUrl}: ${parts.join(', ')}.\n`,
  );
  if (failed.length === 0) return 0;
  io.stderr.write(
    `${failed.length} ${failed.length === 1 ? 'day was' : 'days were'} not ingested: ${failed[0]?.status === 'failed' ? failed[0].error : ''}\nRun the same command again to retry them; completed days are skipped.\n`,
  );
  return 1;
}

/** One line per day when stdout is not a progress bar. */
function dayLine(o: DayOutcome): string {
  if (o.status === 'skipped') return `${o.date}: already complete, skipped`;
  if (o.status === 'failed') return `${o.date}: failed: ${o.error}`;
  const { stats, counts } = o.result;
  const extra = (counts.skipped ?? 0) > 0 ? `, ${counts.skipped} items skipped` : '';
  return `${o.date}: ${counts.papers ?? 0} papers (${stats.inserted} new, ${stats.updated} updated, ${stats.unchanged} unchanged${extra})`;
}

async function registerCommand(_args: ParsedArgs, ctx: Ctx): Promise<number> {
  const discord = ctx.config.discord;
  if (!discord)
    return notConfigured(
      ctx.io,
      'Nothing to register: set DISCORD_TOKEN and DISCORD_APP_ID (and DISCORD_GUILD_ID to register in one server instantly); see README.md.',
    );
  const { registerCommands } = await import('../discord/commands.js');
  let r: Awaited<ReturnType<typeof registerCommands>>;
  try {
    r = await registerCommands({ config: discord, commands: ctx.app.dispatcher.commands });
  } catch (e) {
    throw new OperatorError(`Could not register /papers with Discord: ${firstLine(e)}`, [
      'Check DISCORD_TOKEN, DISCORD_APP_ID and DISCORD_API_URL (see README.md).',
    ]);
  }
  ctx.io.stdout.write(
    `Registered /papers with ${r.subcommands.length} subcommands (${r.subcommands.join(', ')}) and the "Paper card" message command ${r.scope === 'guild' ? `in guild ${discord.guildId ?? ''}; it is available now` : 'globally; it can take up to an hour to appear'}.\n`,
  );
  return 0;
}

async function serveCommand(args: ParsedArgs, ctx: Ctx): Promise<number> {
  const { config, io, logger, app } = ctx;
  // Discord sharding: the manager process runs every other platform and spawns one child per shard;
  // each child (SHARDING_MANAGER=true, set by discord.js) runs only Discord.
  const shards = parseShardFlags(args.input.shards, args.input['total-shards']);
  if (!shards.ok) throw new UserError(shards.error);
  if (shards.value && !config.discord) throw new UserError('--shards is for Discord: set DISCORD_TOKEN and DISCORD_APP_ID (see README.md).');
  if (shards.value && config.discord?.publicKey)
    throw new UserError('--shards splits gateway connections; with DISCORD_PUBLIC_KEY interactions come over HTTP and need none. Run more replicas instead.');
  const sharded = shards.value !== undefined;
  const platforms = config.discordShardChild ? { discord: config.discord } : { slack: config.slack, discord: sharded ? undefined : config.discord };

  const stop = ctx.stop ?? (ctx.deps.stopSignal ?? processStopSignal)();
  const before = stop.reason();
  if (before) {
    logger.info({ reason: before }, 'stop requested during start-up');
    return 0;
  }
  // Shard children only run Discord and take no part in the background work: the manager process (or another
  // replica on the database) leads it. The ingest runs on its own thread, so no day's fetch, parse or write ever
  // blocks the acks. NOTE: a thread runs on the system clock; tests that fake time (a clock, timers, sleeps) drive
  // the same LiveIngest in-process; the leader lease is renewed on real timers either way.
  const fakeTime = ctx.deps.clock !== undefined || ctx.deps.timers !== undefined || ctx.deps.sleep !== undefined;
  const timers = ctx.deps.timers;
  const work = config.discordShardChild
    ? null
    : leaderWork({
        app,
        logger,
        clock: ctx.clock,
        leaseMs: config.leaderLeaseSeconds * 1000,
        live: config.live.enabled,
        makeIngest: (fence) =>
          fakeTime
            ? createLiveIngest(app, config, logger, ctx.clock, {
                ...(timers ? { timers } : {}),
                ...(ctx.deps.sleep ? { sleep: ctx.deps.sleep } : {}),
                mayRun: fence.mayRun,
              })
            : createThreadedIngest(app, config, logger, fence.leader),
      });
  const watch = app.database.watch();
  let answering: ServeInbound | undefined;
  try {
    // Chat platforms answer through the worker pool, warm before any port opens; the console chat (one user) needs none.
    if (platforms.slack || platforms.discord) {
      const starting = startServeInbound(app, config, registry, logger, config.logLevel ?? 'info');
      const first = await Promise.race([starting, stop.requested.then((reason) => ({ stopped: reason }))]);
      if ('stopped' in first) {
        logger.info({ reason: first.stopped }, 'stop requested during start-up');
        starting.then((s) => s.close()).catch(() => undefined);
        return 0;
      }
      answering = first;
    }
    const adapters: ChatAdapter[] = await loadChatAdapters(platforms, app, logger, answering?.inbound);
    if (shards.value && config.discord) {
      const discord = config.discord;
      const plan = shards.value;
      const { startDiscordShards } = await import('../discord/sharding.js');
      let running: { stop(): Promise<void> } | undefined;
      adapters.unshift({
        platform: 'discord',
        async start() {
          running = await startDiscordShards({ config: discord, shards: plan, logger });
        },
        async stop() {
          await running?.stop();
        },
        async post() {
          throw new Error('posts go through the shard processes');
        },
        // The shard processes run their own schedulers, each posting for the guilds it holds.
        holds: () => false,
      });
    }
    if (adapters.length === 0) {
      if (io.stdin.isTTY !== true) {
        io.stderr.write(
          'No chat platform is configured and there is no terminal for the console chat.\n' +
            'Set SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP), and/or DISCORD_TOKEN with DISCORD_APP_ID; see README.md.\n',
        );
        return 2;
      }
      const { createConsoleAdapter } = await import('../console/index.js');
      const chat = createConsoleAdapter({ dispatcher: app.dispatcher, logger, input: io.stdin, output: io.stdout, color: io.stdout.isTTY === true });
      await chat.start();
      ctx.notes?.attach(chat.note);
      for (const j of work?.jobs ?? []) j.start([chat]);
      const lost = databaseLost(logger, watch);
      const end = await Promise.race([chat.done, stop.requested, lost]);
      for (const j of [...(work?.jobs ?? [])].reverse()) await j.stop();
      await chat.stop();
      if (end instanceof Error) throw end;
      return 0;
    }
    app.library.warm();
    // The leader lease and the live ingest first: the scheduler's posts ask the ingest for a fresh list, and health reports both.
    const jobs: BackgroundJob[] = [...(work?.jobs ?? [])];
    const live = work?.live ? work : null;
    const freshener = ctx.deps.freshener ?? live?.freshener;
    const lastIngest = ctx.deps.lastIngest ?? (live ? () => live.liveStatus().lastSuccessAt : undefined);
    let scheduler: Scheduler | undefined;
    if (app.schedules) {
      scheduler = new Scheduler({
        store: app.schedules,
        library: app.library,
        clock: ctx.clock,
        timeZone: config.timeZone,
        logger,
        catchupMs: config.catchupHours * 3_600_000,
        ...(config.leaseSeconds !== undefined ? { leaseMs: config.leaseSeconds * 1000 } : {}),
        ...(freshener ? { freshener } : {}),
        signals: app.database.signals,
      });
      jobs.push(scheduler);
    }
    // NOTE: shard processes inherit PAPERBOY_HEALTH_PORT; only the manager, which sees every platform and the live ingest, answers it.
    if (config.healthPort !== undefined && !config.discordShardChild) {
      const s = scheduler;
      const liveIngest = live ? () => live.liveStatus() : undefined;
      const leadership = work?.leadership;
      jobs.push(
        healthServer(
          config.healthPort,
          {
            ...(lastIngest ? { lastIngest } : {}),
            ...(s ? { nextPost: () => s.nextPost() } : {}),
            ...(liveIngest ? { liveIngest } : {}),
            ...(leadership ? { leader: () => leadership.status() } : {}),
            database: { where: app.database.where, check: () => app.database.check() },
          },
          logger,
        ),
      );
    }
    // Follow alerts recorded by any process's ingest (cron included) go out from here.
    if (app.follows)
      jobs.push(
        new AlertDelivery({
          follows: app.follows,
          clock: ctx.clock,
          logger,
          ...(config.leaseSeconds !== undefined ? { leaseMs: config.leaseSeconds * 1000 } : {}),
          ...(work?.planner ? { planner: work.planner } : {}),
          signals: app.database.signals,
        }),
      );
    // Slack OAuth mode: what workspaces that uninstalled left is deleted after 30 days.
    if (app.installations && platforms.slack?.oauth) {
      const { InstallationCleanup } = await import('../../src/installations/cleanup.js');
      jobs.push(new InstallationCleanup({ installations: app.installations, schedules: app.schedules, follows: app.follows, clock: ctx.clock, logger }));
    }
    // The database file replaced under serve, or the worker pool unable to replace a worker: either ends serve non-zero.
    const fatal = Promise.race([databaseLost(logger, watch), ...(answering ? [answering.lost] : [])]);
    await serve({ adapters, logger, stop, jobs, fatal });
    return 0;
  } finally {
    ctx.notes?.detach();
    watch.stop();
    await answering?.close();
    if (!ctx.stop) stop.dispose();
  }
}

/** The error that ends serve once the database file is deleted or replaced under it, logged once with the path and what happened. */
function databaseLost(logger: Logger, watch: DatabaseWatch): Promise<Error> {
  return watch.lost.then(({ file, change, error }) => {
    logger.error(
      { file },
      `${change} while serving: writes stopped (they would be lost); exiting non-zero so a supervisor restarts paperboy on the file there now`,
    );
    return error;
  });
}

/**
 * `post trending --platform slack --channel C…`: connects that one adapter for posting only, posts the
 * list through the scheduler's ledger (slot: the list date under `cron:<platform>:<channel>`), and
 * disconnects. A second identical run finds the slot posted, says so and exits 0.
 */
async function postCommand(args: ParsedArgs, ctx: Ctx): Promise<number> {
  const { config, io, logger, app } = ctx;
  const what = (args.input.what ?? '').trim().toLowerCase();
  if (what !== 'trending')
    throw new UserError(`paperboy post can post trending lists${what ? `, not "${what.slice(0, 30)}"` : ''}.`, [
      'Usage: paperboy post trending --platform slack|discord --channel ID [--date YYYY-MM-DD] [--top N]',
    ]);
  const platform = (args.input.platform ?? '').trim().toLowerCase();
  if (platform !== 'slack' && platform !== 'discord') throw new UserError('Give --platform slack or --platform discord.');
  const channel = (args.input.channel ?? '').trim();
  // NOTE: Slack OAuth mode names the workspace too: T0123ABCD:C0456EFGH.
  if (!/^(?:[A-Z0-9]{1,40}:)?[A-Za-z0-9]{1,40}$/.test(channel))
    throw new UserError(
      'Give the channel id with --channel, e.g. --channel C0123ABCD (Slack; TEAM:CHANNEL when installed by OAuth) or --channel 1100000000000000001 (Discord).',
    );
  const top = args.input.top === undefined ? { ok: true as const, value: DEFAULT_TOP } : parseTop(args.input.top);
  if (!top.ok) throw new UserError(`--top must be a whole number from 1 to ${MAX_TOP}.`);
  let date: string | undefined;
  if (args.input.date !== undefined) {
    const p = parsePeriod(args.input.date, dateInZone(ctx.clock.now(), config.timeZone));
    if (!p.ok || p.value.kind !== 'day') throw new UserError('--date must be a day, YYYY-MM-DD (e.g. 2025-11-27).');
    date = p.value.label;
  }
  if (!app.schedules)
    throw new OperatorError(`The paper database in ${config.dataDir} is read-only, so the post ledger cannot be written; nothing was posted.`, [
      'Make PAPERBOY_DATA_DIR writable.',
    ]);
  const guild = args.input.guild?.trim();
  const target = { channel, ...(guild ? { guildId: guild } : {}) };

  let adapter: ChatAdapter;
  if (platform === 'slack') {
    if (!config.slack) return notConfigured(io, 'Posting to Slack needs SLACK_BOT_TOKEN (and SLACK_APP_TOKEN or SLACK_SIGNING_SECRET); see README.md.');
    const { createSlackAdapter } = await import('../slack/index.js');
    adapter = createSlackAdapter({
      config: config.slack,
      dispatcher: app.dispatcher,
      logger,
      postOnly: true,
      cursors: pagerCursorsFor(app),
      ...(await oauthStoresFor(config.slack, app, logger)),
    });
  } else {
    if (!config.discord) return notConfigured(io, 'Posting to Discord needs DISCORD_TOKEN and DISCORD_APP_ID; see README.md.');
    const { createDiscordAdapter } = await import('../discord/index.js');
    adapter = createDiscordAdapter({ config: config.discord, dispatcher: app.dispatcher, logger, postOnly: true, cursors: pagerCursorsFor(app) });
  }
  const scheduler = new Scheduler({
    store: app.schedules,
    library: app.library,
    clock: ctx.clock,
    timeZone: config.timeZone,
    logger,
    ...(config.leaseSeconds !== undefined ? { leaseMs: config.leaseSeconds * 1000 } : {}),
  });
  try {
    await adapter.start();
  } catch (e) {
    throw new OperatorError(`Could not connect to ${platform === 'slack' ? 'Slack' : 'Discord'}: ${firstLine(e)}`, [
      `Check the ${platform.toUpperCase()}_* variables (see README.md); nothing was posted.`,
    ]);
  }
  try {
    const where = `${platform} channel ${channel}`;
    const r = await scheduler.postOnce(adapter, target, top.value, date);
    switch (r.kind) {
      case 'posted':
        io.stdout.write(`Posted the ${r.listDate ?? ''} trending list (top ${top.value}) to ${where}.\n`);
        return 0;
      case 'already':
        io.stdout.write(`The ${r.row.slot} trending list was already posted to ${where} (${r.row.updatedAt}); nothing was posted.\n`);
        return 0;
      case 'busy':
        io.stdout.write(`Another run is posting the list to ${where} right now; nothing was posted.\n`);
        return 0;
      case 'no-list':
        io.stderr.write(r.date ? `No papers are stored for ${r.date}; nothing was posted.\n` : 'No papers are stored yet; nothing was posted.\n');
        return 1;
      case 'interrupted':
        io.stderr.write(`Stopped before the post to ${where} went out; nothing was posted.\n`);
        return 1;
      case 'failed': {
        const hint =
          r.failure === 'no-access'
            ? platform === 'slack'
              ? 'Invite the bot with /invite @paperboy in that channel.'
              : "Give the bot View Channel and Send Messages in that channel's permissions."
            : r.failure === 'not-found'
              ? 'Check the channel id.'
              : 'It is recorded as not done; the next run tries again.';
        io.stderr.write(`Could not post to ${where}: ${r.detail}\n${hint}\n`);
        return 1;
      }
    }
  } finally {
    await adapter.stop();
  }
}
