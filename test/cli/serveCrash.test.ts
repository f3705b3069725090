// `paperboy serve` killed (kill -9) after Slack accepted a scheduled post but before the ledger said posted: the next serve finds the post and does not post again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { createApp, databaseFile } from '../../src/app.js';
import { silentLogger } from '../../src/logger.js';
import { FakeSlack } from '../fakes/slack.js';
import { FakeClock } from '../support/core.js';
import { spawnPaperboy, until } from '../support/spawned.js';

const CHANNEL = 'C0PAPERS';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const serve = (env: Record<string, string>) => spawnPaperboy(['serve'], { PAPERBOY_LIVE: 'off', ...env }, cleanups);

interface Row {
  state: string;
  attempts: number;
  lease_until: number | null;
  message_id: string | null;
}

describe('serve killed mid-post', () => {
  it('killed after Slack accepted the post and before the ledger said posted, the next serve posts nothing more and records the ts', async () => {
    const slack = await new FakeSlack().listen();
    cleanups.push(() => slack.close());
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-crash-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    // A subscription made yesterday for the minute that has just passed (UTC), so the first tick posts it.
    const due = new Date(Date.now() - 60_000);
    const clock = new FakeClock(new Date(due.getTime() - 86_400_000));
    const setup = await createApp({ config: { dataDir, timeZone: 'America/New_York' }, logger: silentLogger, clock, commands });
    const sub = await setup.schedules?.add({ platform: 'slack', channel: CHANNEL, hour: due.getUTCHours(), minute: due.getUTCMinutes(), zone: 'UTC', top: 3 });
    await setup.close();
    if (!sub) throw new Error('no schedule store');
    const ledger = new Database(databaseFile(dataDir), { readonly: true, fileMustExist: true });
    cleanups.push(() => {
      ledger.close();
    });
    const row = () => ledger.prepare<[string], Row>('SELECT * FROM schedule_posts WHERE subscription = ?').get(sub.id);
    const env = {
      PAPERBOY_DATA_DIR: dataDir,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_APP_TOKEN: 'xapp-test-token',
      SLACK_API_URL: slack.apiUrl,
      PAPERBOY_LEASE_SECONDS: '2',
    };

    slack.lostAnswers.push('hang');
    const first = serve(env);
    await until(() => slack.postsIn(CHANNEL).length === 1);
    expect(row()).toMatchObject({ state: 'claimed', attempts: 1 });
    first.child.kill('SIGKILL');
    await first.exited;
    const leaseUntil = row()?.lease_until ?? 0;
    await until(() => Date.now() > leaseUntil);

    const second = serve(env);
    await until(() => row()?.state === 'posted');
    second.child.kill('SIGTERM');
    await second.exited;
    const posts = slack.postsIn(CHANNEL);
    expect(posts).toHaveLength(1);
    expect(row()).toMatchObject({ state: 'posted', attempts: 2, message_id: posts[0]?.ts });
    expect(second.out.stderr).toMatch(/an earlier attempt had landed/);
  }, 90_000);
});
