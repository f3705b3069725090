// `paperboy migrate --to URL`: copies this data dir's SQLite deployment into a PostgreSQL database, with progress on stderr.
import fs from 'node:fs';
import { z } from 'zod';
import { databaseFile } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { OperatorError, UserError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import type { Clock } from '../../src/ports.js';
import { openDatabase } from '../../src/store/database.js';
import { FEATURES } from '../../src/store/features.js';
import { migrate } from '../../src/store/migrations.js';
import { connectPostgres } from '../../src/store/postgres/connect.js';
import { copyDeployment, type CopyProgress } from '../../src/store/postgres/copyDeployment.js';
import { MIGRATE_LOCK } from '../../src/store/postgres/open.js';
import { redactUrl } from '../../src/store/postgres/url.js';
import { PostgresSql } from '../../src/store/postgresSql.js';

const flagsSchema = z.object({
  to: z
    .string({ error: 'migrate needs --to "$DATABASE_URL" (postgres://user:password@host:5432/database): the empty PostgreSQL database to copy into.' })
    .min(1),
});

export interface MigrateToCtx {
  config: Pick<Config, 'dataDir'>;
  logger: Logger;
  clock: Clock;
  stderr: NodeJS.WritableStream;
  stdout: NodeJS.WritableStream;
  /** Stops the copy between two batches (tests: a kill part-way). */
  signal?: AbortSignal;
  batch?: number;
}

/**
 * Opens the target exactly as the app does (connectPostgres, every feature migrated under the
 * migration lock), opens the data dir's paperboy.db, and copies it (copyDeployment.ts). A bad or
 * unreachable URL is the usual one-line DATABASE_URL error; a target of another deployment is refused.
 */
export async function migrateTo(input: Record<string, string>, ctx: MigrateToCtx): Promise<number> {
  const flags = flagsSchema.safeParse(input);
  if (!flags.success) throw new UserError(flags.error.issues[0]?.message ?? 'migrate needs --to "$DATABASE_URL".');
  const url = flags.data.to;
  const file = databaseFile(ctx.config.dataDir);
  if (!fs.existsSync(file)) {
    throw new OperatorError(
      `There is no SQLite deployment to copy in ${ctx.config.dataDir} (${file} is missing); set PAPERBOY_DATA_DIR to the data dir it lives in.`,
    );
  }
  const where = redactUrl(url);
  const pool = await connectPostgres(url, { logger: ctx.logger });
  try {
    const target = new PostgresSql(pool);
    await migrate(
      {
        sql: target,
        exclusively: (fn) => target.withLock(MIGRATE_LOCK, fn),
        where,
        startAfresh: 'Point --to at a new, empty database instead.',
      },
      FEATURES,
    );
    const source = await openDatabase({ file, now: () => ctx.clock.now(), logger: ctx.logger, features: FEATURES });
    try {
      if (source.readOnlyReason !== null)
        throw new OperatorError(`${file} cannot be written (${source.readOnlyReason}); migrate records the deployment's id in it before copying.`);
      const result = await copyDeployment({
        source: source.sql,
        target,
        where,
        ...(ctx.batch === undefined ? {} : { batch: ctx.batch }),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onProgress: (p: CopyProgress) => ctx.stderr.write(`${p.table}: ${p.done}/${p.total} rows (${p.copied} copied)\n`),
      });
      const copied = Object.values(result.copied).reduce((a, b) => a + b, 0);
      if (!result.complete) {
        ctx.stderr.write(`Stopped part-way; run the same command again to copy the rest.\n`);
        return 1;
      }
      ctx.stdout.write(`Copied ${file} into ${where}: ${copied} rows new (deployment ${result.deploymentId}). Start paperboy with DATABASE_URL set to it.\n`);
      return 0;
    } finally {
      await source.close();
    }
  } finally {
    await pool.end();
  }
}
