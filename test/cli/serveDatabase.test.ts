// `paperboy serve` whose database file is deleted or replaced while it runs: one log line naming the path, and a non-zero exit.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/sqlite.js';
import { FakeSlack } from '../fakes/slack.js';
import { spawnPaperboy, until } from '../support/spawned.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Serve on Slack (Socket Mode, the fake) until it has started; its data folder and what it wrote. */
async function serving() {
  const slack = await new FakeSlack().listen();
  cleanups.push(() => slack.close());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-serve-db-'));
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const { out, exited } = spawnPaperboy(
    ['serve'],
    {
      PAPERBOY_DATA_DIR: dataDir,
      PAPERBOY_LIVE: 'off',
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_APP_TOKEN: 'xapp-test-token',
      SLACK_API_URL: slack.apiUrl,
    },
    cleanups,
  );
  await until(() => /adapter started/.test(out.stderr));
  return { file: path.join(dataDir, 'paperboy.db'), out, exited };
}

/** The JSON log lines at level error (50) or above. */
const errorLines = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string; file?: string })
    .filter((l) => l.level >= 50);

describe('serve and its database file', () => {
  it('the database file deleted under serve: one error line naming the path and what happened, and a non-zero exit', async () => {
    const { file, out, exited } = await serving();
    fs.rmSync(file);
    expect(await exited).not.toBe(0);
    const lines = errorLines(out.stderr).filter((l) => l.msg.includes('while serving'));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.file).toBe(file);
    expect(lines[0]?.msg).toContain(`the database file ${file} was deleted while serving`);
  }, 30_000);

  it('another database renamed over it (a restore while running): the line says it was replaced, and serve exits non-zero', async () => {
    const { file, out, exited } = await serving();
    const other = await openStore(`${file}.restore`);
    other.close();
    fs.renameSync(`${file}.restore`, file);
    expect(await exited).not.toBe(0);
    expect(errorLines(out.stderr)[0]?.msg).toContain(`the database file ${file} was replaced by another file`);
  }, 30_000);

  it('its write-ahead log deleted under serve: the line names the -wal file, and serve exits non-zero', async () => {
    const { file, out, exited } = await serving();
    fs.rmSync(`${file}-wal`);
    expect(await exited).not.toBe(0);
    expect(errorLines(out.stderr)[0]?.msg).toContain(`its write-ahead log ${file}-wal was deleted`);
  }, 30_000);
});
