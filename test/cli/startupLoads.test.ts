// What `paperboy` loads before its first answer: a subcommand loads nothing it does not use (no chat SDK, no PostgreSQL driver), so it starts fast.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';

const BIN = path.join(PROJECT_ROOT, 'bin/paperboy.js');
const RECORD = path.join(PROJECT_ROOT, 'test/support/recordLoads.mjs');
let dir: string;

/** Runs the real bin with a preload that records every module file it loads; returns the exit code and the package names and project files loaded. */
async function loads(args: string[]): Promise<{ code: number | null; packages: Set<string>; files: Set<string> }> {
  const out = path.join(dir, `loaded-${args.join('-').replace(/\W+/g, '_')}.txt`);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', RECORD, BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', PAPERBOY_DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent', LOADED_MODULES_FILE: out },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', resolve);
  });
  const lines = fs.readFileSync(out, 'utf8').split('\n').filter(Boolean);
  const packages = new Set(lines.map((l) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(l)?.[1]).filter((p): p is string => p !== undefined));
  const files = new Set(lines.filter((l) => !l.includes('node_modules') && l.startsWith(PROJECT_ROOT)).map((l) => path.relative(PROJECT_ROOT, l)));
  return { code, packages, files };
}

const CHAT_SDKS = ['discord.js', '@discordjs/ws', '@slack/bolt', '@slack/web-api', '@slack/socket-mode'];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-loads-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('what paperboy loads to answer', () => {
  it('--version loads no package at all: no config, logger, store or chat SDK', async () => {
    const r = await loads(['--version']);
    expect(r.code).toBe(0);
    expect([...r.packages]).toEqual([]);
    expect([...r.files].filter((f) => f.startsWith('dist/'))).toEqual(['dist/adapters/cli/index.js', 'dist/src/projectRoot.js']);
  });

  it('help, whole or for one subcommand, loads no package and no command code: it prints the help text written from the subcommand table', async () => {
    for (const args of [['help'], ['help', 'search'], ['--help']]) {
      const r = await loads(args);
      expect(r.code).toBe(0);
      expect([...r.packages]).toEqual([]);
      expect([...r.files].filter((f) => f.startsWith('dist/')).sort()).toEqual([
        'dist/adapters/cli/helpText.js',
        'dist/adapters/cli/index.js',
        'dist/src/projectRoot.js',
      ]);
    }
  });

  it('a search loads no chat SDK, no PostgreSQL driver (SQLite deployment), and not the code of serve, ingest or post', async () => {
    const r = await loads(['search', 'memory agents', '--json']);
    expect(r.code).toBe(0);
    expect(r.packages).toContain('better-sqlite3');
    for (const p of [...CHAT_SDKS, 'pg', 'cli-progress']) expect(r.packages).not.toContain(p);
    for (const f of ['serve', 'ingest', 'post', 'migrateTo']) expect(r.files).not.toContain(`dist/adapters/cli/${f}.js`);
  });
});
