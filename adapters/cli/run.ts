// Runs one CLI subcommand: parses its flags, loads config and the app, and dispatches to the subcommand's file.
import { commands as registry } from '../../commands/index.js';
import { createApp, seedOnFirstStart, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { OperatorError, UserError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { seedSource } from '../../src/papers/seeds.js';
import { systemClock } from '../../src/ports.js';
import { processStopSignal } from '../../src/serve.js';
import { DatabaseUnavailable } from '../../src/store/postgresSql.js';
import { consoleLogSink } from '../console/logNotes.js';
import { commandFlagSpec, parseFlags } from './args.js';
import { runChatCommand } from './chatCommand.js';
import { firstLine, type CliDeps, type CliOnly, type Ctx, type Io } from './context.js';
import { CHAT_COMMANDS, CLI_ONLY, helpFor, unknownSubcommand, usage } from './subcommands.js';

/** Subcommands that do not ingest the seed corpus on first start. */
const NO_SEEDING = new Set(['ingest', 'register']);

/** Runs every subcommand but `--version` and `help` (see `main` in index.ts); returns the process exit code. */
export async function runCli(argv: readonly string[], io: Io, deps: CliDeps): Promise<number> {
  const [sub = 'help', ...rest] = argv;
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
