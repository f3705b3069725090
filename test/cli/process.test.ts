// What only a real process shows: bin/paperboy.js flushes all output before it exits, and exits by itself.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';

const BIN = path.join(PROJECT_ROOT, 'bin/paperboy.js');
let dataDir: string;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', PAPERBOY_DATA_DIR: dataDir, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-proc-'));
});
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('paperboy as a process', () => {
  it('papers --json writes the whole corpus to a pipe before exiting 0, logs on stderr', async () => {
    const r = await run(['papers', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(242);
    expect(r.stderr).toMatch(/seed corpus ingested/);
  });

  it('a usage mistake exits 1 with the message on stderr and nothing on stdout', async () => {
    const r = await run(['trending', '--frobnicate']);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/Unknown option --frobnicate for trending/);
  });

  it('a reader that closes the pipe early ends the process quietly with exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'papers', '--json'], {
      env: { PATH: process.env.PATH ?? '', PAPERBOY_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Read the first chunk, then close our end, as `| head -c 100` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
  });
});
