// `paperboy serve`: the chat adapters (or the console chat), the background jobs and health, until a stop signal.
import { commands as registry } from '../../commands/index.js';
import { createLiveIngest, createThreadedIngest, loadChatAdapters, startServeInbound, type ServeInbound } from '../../src/app.js';
import { UserError } from '../../src/errors.js';
import { AlertDelivery } from '../../src/follows/delivery.js';
import { healthServer } from '../../src/health.js';
import { leaderWork } from '../../src/leader/background.js';
import type { Logger } from '../../src/logger.js';
import type { ChatAdapter } from '../../src/ports.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { processStopSignal, serve, type BackgroundJob } from '../../src/serve.js';
import type { DatabaseWatch } from '../../src/store/sqliteWatch.js';
import { parseShardFlags } from '../discord/shardsOption.js';
import type { ParsedArgs } from './args.js';
import type { Ctx } from './context.js';

/** Runs `paperboy serve` (its flags are in subcommands.ts, so they are known without loading this file). */
export async function serveCommand(args: ParsedArgs, ctx: Ctx): Promise<number> {
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
