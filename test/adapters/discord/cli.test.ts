// `paperboy register` from the CLI against the fake Discord: the guild route when DISCORD_GUILD_ID is set, else global.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../../commands/index.js';
import { main } from '../../../adapters/cli/index.js';
import { BOT_ID, FakeDiscord } from '../../fakes/discord.js';
import { GUILD } from './harness.js';

function collect(): PassThrough & { text(): string } {
  const chunks: Buffer[] = [];
  const s = new PassThrough() as PassThrough & { text(): string };
  s.on('data', (c: Buffer) => chunks.push(c));
  s.text = () => Buffer.concat(chunks).toString('utf8');
  return s;
}

describe('paperboy register', () => {
  let fake: FakeDiscord;
  let dir: string;
  beforeAll(async () => {
    fake = await new FakeDiscord([GUILD]).listen();
    dir = mkdtempSync(path.join(tmpdir(), 'paperboy-discord-'));
  });
  afterAll(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (extra: Record<string, string>) => {
    const stdout = collect();
    const stderr = collect();
    const env = {
      DISCORD_TOKEN: 'test-token.not-a-secret',
      DISCORD_APP_ID: BOT_ID,
      DISCORD_API_URL: fake.apiUrl,
      PAPERBOY_DATA_DIR: dir,
      PAPERBOY_SEEDS_DIR: dir,
      LOG_LEVEL: 'silent',
      ...extra,
    };
    const code = await main(['register'], { stdin: new PassThrough(), stdout, stderr, env });
    return { code, out: stdout.text(), err: stderr.text() };
  };

  it('registers /papers to the guild in DISCORD_GUILD_ID, with every command as a subcommand', async () => {
    const r = await run({ DISCORD_GUILD_ID: GUILD.id });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/in guild 100000000000000001/);
    const put = await fake.waitFor((q) => q.method === 'PUT' && q.path.includes('/guilds/'));
    expect(put.path).toBe(`/api/v10/applications/${BOT_ID}/guilds/${GUILD.id}/commands`);
    const [cmd] = put.body as { name: string; options: { name: string }[] }[];
    expect(cmd?.options.map((o) => o.name)).toEqual(commands.map((c) => c.name));
  });

  it('registers globally without DISCORD_GUILD_ID', async () => {
    const r = await run({});
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/globally/);
    await fake.waitFor((q) => q.method === 'PUT' && q.path === `/api/v10/applications/${BOT_ID}/commands`);
  });

  it('explains what to set when Discord is not configured', async () => {
    const stdout = collect();
    const stderr = collect();
    const code = await main(['register'], {
      stdin: new PassThrough(),
      stdout,
      stderr,
      env: { PAPERBOY_DATA_DIR: dir, PAPERBOY_SEEDS_DIR: dir, LOG_LEVEL: 'silent' },
    });
    // The environment does not allow it (README: exit code 2), not a mistake in the request.
    expect(code).toBe(2);
    expect(stderr.text()).toMatch(/DISCORD_TOKEN and DISCORD_APP_ID/);
  });
});
