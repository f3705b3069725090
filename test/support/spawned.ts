// Spawned `paperboy` processes for tests: the real bin, output captured, the exit awaited, and a SIGKILL at cleanup for one still running.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config.js';

export const BIN = path.join(PROJECT_ROOT, 'bin/paperboy.js');

export interface Spawned {
  child: ChildProcess;
  out: { stdout: string; stderr: string };
  /** The exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

/**
 * Runs `paperboy <args>` with only PATH, `LOG_LEVEL=info` and `env` in its environment. `cleanups` gets a
 * step that kills it if it is still running when the test ends.
 */
export function spawnPaperboy(args: readonly string[], env: Record<string, string>, cleanups: Array<() => Promise<void> | void>): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env } });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return { child, out, exited };
}

/** Waits (real time) until `cond` holds; the test's own timeout bounds it. */
export async function until(cond: () => boolean, everyMs = 25): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, everyMs));
}
