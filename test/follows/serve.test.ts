// Follow alerts as deployed: `paperboy serve` takes a follow, a separate `paperboy ingest` (cron) records the alert,
// and the serving process delivers it by DM through the fake Slack.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack, FAKE_TEAM } from '../fakes/slack.js';
import { pageEntry, pageHeader } from '../support/seedPages.js';
import { spawnPaperboy, until } from '../support/spawned.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Runs `paperboy <args>` on `dataDir`; resolves the exit code, with what it wrote. */
const paperboy = (args: string[], env: Record<string, string>) => spawnPaperboy(args, env, cleanups);

describe('follow alerts across processes', () => {
  it('a follow taken by serve is alerted after a cron ingest, by the serving process', async () => {
    const slack = await new FakeSlack().listen();
    cleanups.push(() => slack.close());
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-follow-'));
    const seeds = path.join(dataDir, 'new-seeds');
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const env = { PAPERBOY_DATA_DIR: dataDir, SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_APP_TOKEN: 'xapp-test-token', SLACK_API_URL: slack.apiUrl };

    const first = paperboy(['serve'], env);
    await until(() => /adapter started/.test(first.out.stderr));
    const responseUrl = slack.responseUrl();
    await slack.sendEnvelope('slash_commands', {
      command: '/papers',
      text: 'follow kv cache',
      user_id: 'U0ADA',
      channel_id: 'C0PAPERS',
      team_id: FAKE_TEAM,
      response_url: responseUrl,
      trigger_id: 't1',
    });
    await until(() => slack.responses.length > 0);
    expect(JSON.stringify(slack.responses[0]?.body)).toMatch(/Following \\"kv cache\\"/);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    fs.mkdirSync(seeds);
    const title = 'Paged KV Cache Offloading for Million-Token Contexts';
    fs.writeFileSync(
      path.join(seeds, 'new.txt'),
      pageHeader('Nov 28') + pageEntry(title, 'We page the KV cache to host memory.', '  • 3 authors\n·\nNov 28, 2025 12'),
    );
    const cron = paperboy(['ingest', '--seeds', seeds], env);
    expect(await cron.exited).toBe(0);
    expect(cron.out.stderr).toMatch(/follow alerts recorded/);
    expect(slack.directMessages()).toEqual([]);

    const second = paperboy(['serve'], env);
    await until(() => slack.directMessages().length > 0);
    const [dm] = slack.directMessages();
    expect(dm?.user).toBe('U0ADA');
    expect(JSON.stringify(dm?.args.blocks)).toContain(title);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(slack.directMessages()).toHaveLength(1);
  }, 60_000);
});
