// Runs one Discord client per shard in child processes with discord.js's ShardingManager (`paperboy serve --shards`).
import { fileURLToPath } from 'node:url';
import { REST, Routes, ShardingManager } from 'discord.js';
import { z } from 'zod';
import type { DiscordConfig } from '../../src/config.js';
import { describeError } from '../../src/errorInfo.js';
import type { Logger } from '../../src/logger.js';
import type { ShardPlan, ShardsOption } from './shardsOption.js';

export { parseShardFlags, parseShardsOption, type ShardPlan, type ShardsOption } from './shardsOption.js';

const gatewayBotSchema = z.object({ shards: z.number().int().min(1) });

/**
 * The shard count to run: N as given, or for `auto` Discord's recommendation from `GET /gateway/bot`,
 * asked through `DISCORD_API_URL` so a REST proxy is honoured (discord.js's own lookup would bypass it).
 */
export async function resolveShardCount(config: DiscordConfig, shards: ShardsOption, rest?: REST): Promise<number> {
  if (shards !== 'auto') return shards;
  const client = rest ?? new REST({ api: config.apiUrl }).setToken(config.token);
  return gatewayBotSchema.parse(await client.get(Routes.gatewayBot())).shards;
}

/** The shard entry script next to this module (`.ts` under tsx, `.js` once built). */
export function shardEntryFile(): string {
  return fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './shard.ts' : './shard.js', import.meta.url));
}

/**
 * Spawns the shard processes: every shard of a count, or this host's part of the bot's shards
 * (`shardList` of `totalShards`). Each runs `paperboy serve` with discord.js's SHARDS/SHARD_COUNT
 * environment, so its client connects only its shard and posts only to the guilds it holds (guild
 * shard = (guild_id >> 22) % total shards, the total across every host).
 */
export async function startDiscordShards(opts: {
  config: DiscordConfig;
  shards: ShardPlan;
  logger: Logger;
}): Promise<{ count: number; stop(): Promise<void> }> {
  const logger = opts.logger.child({ platform: 'discord' });
  const plan = opts.shards;
  const count = 'list' in plan ? plan.total : await resolveShardCount(opts.config, plan.count);
  const list = 'list' in plan ? plan.list : undefined;
  if (list) logger.info({ shards: list, of: count }, `this host runs ${list.length} of the bot's ${count} Discord shards`);
  const manager = new ShardingManager(shardEntryFile(), {
    token: opts.config.token,
    totalShards: count,
    ...(list ? { shardList: list } : {}),
    mode: 'process',
    respawn: true,
    // NOTE: children need the parent's loader flags (tsx in development) to run the entry script.
    execArgv: process.execArgv,
  });
  manager.on('shardCreate', (shard) => {
    logger.info({ shard: shard.id, of: count }, 'discord shard spawned');
    shard.on('death', () => {
      if (manager.respawn) logger.warn({ shard: shard.id }, 'discord shard exited; respawning');
      else logger.info({ shard: shard.id }, 'discord shard stopped');
    });
    shard.on('error', (e) => logger.error({ shard: shard.id, err: describeError(e, [opts.config.token]) }, 'discord shard error'));
  });
  await manager.spawn({ amount: count, timeout: 60_000 });
  return {
    count: list?.length ?? count,
    async stop() {
      manager.respawn = false;
      // Each shard gets SIGTERM (it shuts down cleanly) and is waited for; a stuck one is killed after 10 s.
      await Promise.all(
        [...manager.shards.values()].map(
          (shard) =>
            new Promise<void>((resolve) => {
              const child = shard.process;
              if (!child || child.exitCode !== null || child.signalCode !== null) {
                shard.kill();
                resolve();
                return;
              }
              child.once('exit', () => resolve());
              setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
              shard.kill();
            }),
        ),
      );
    },
  };
}
