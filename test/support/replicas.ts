// Two "replicas" in one test process: each its own core on one shared PostgreSQL database, as two serve processes on two hosts would be.
import { commands } from '../../commands/index.js';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/logger.js';
import type { Clock } from '../../src/ports.js';
import { openDatabase } from '../../src/store/database.js';
import { FEATURES } from '../../src/store/features.js';

/** A core on `url` with its own in-memory copy of the catalogue; `close()` ends its pool. */
export async function replicaOn(url: string, clock: Clock): Promise<App> {
  const database = await openDatabase({ file: ':memory:', url, now: () => clock.now(), features: FEATURES });
  return createApp({ config: { dataDir: '/nonexistent', timeZone: 'America/New_York' }, logger: silentLogger, clock, commands, database });
}
