// `paperboy serve` in-process with PAPERBOY_HEALTH_PORT: /healthz reports the connected adapter and the next scheduled post, and serve stops cleanly.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../adapters/cli/index.js';
import { openDatabase } from '../../src/store/database.js';
import { FEATURES } from '../../src/store/features.js';
import { ScheduleStore } from '../../src/scheduler/store.js';
import { manualStopSignal } from '../../src/serve.js';
import { FakeSlack } from '../fakes/slack.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const quiet = () => new Writable({ write: (_c, _e, cb) => cb() });

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('serve with PAPERBOY_HEALTH_PORT', () => {
  it('answers /healthz with the adapter connected and the next scheduled post, then stops on a stop signal', async () => {
    const slack = await new FakeSlack().listen();
    cleanups.push(() => slack.close());
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-health-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    // A subscription made earlier (by another process) is in the database before serve starts.
    const database = await openDatabase({ file: path.join(dataDir, 'paperboy.db'), features: FEATURES });
    await new ScheduleStore(database.sql, () => new Date()).add({ platform: 'slack', channel: 'C0NEWS', hour: 9, minute: 0, zone: 'UTC', top: 5 });
    await database.close();

    const port = await freePort();
    const stop = manualStopSignal();
    const stdin = Object.assign(Readable.from([]), { isTTY: false });
    const env = {
      PAPERBOY_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      PAPERBOY_HEALTH_PORT: String(port),
      SLACK_BOT_TOKEN: 'xoxb-test-token-123456',
      SLACK_APP_TOKEN: 'xapp-test-token-123456',
      SLACK_API_URL: slack.apiUrl,
    };
    const served = main(['serve'], { stdin, stdout: quiet(), stderr: quiet(), env }, { stopSignal: () => stop });
    let res: Response | undefined;
    while (!res) {
      res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(async () => {
        await new Promise((r) => setTimeout(r, 50));
        return undefined;
      });
    }
    expect(res.status).toBe(200);
    const body = (await res.json()) as { adapters: unknown; nextPost: { platform: string; channel: string; at: string } | null };
    expect(body.adapters).toEqual([{ platform: 'slack', connected: true }]);
    expect(body.nextPost).toMatchObject({ platform: 'slack', channel: 'C0NEWS' });
    expect(body.nextPost?.at).toMatch(/T09:00:00\.000Z$/);
    stop.stop('SIGTERM');
    expect(await served).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
