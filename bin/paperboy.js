#!/usr/bin/env node
// The paperboy command: runs the compiled CLI (npm ci builds it through the prepare script).
import { main } from '../dist/adapters/cli/index.js';

// NOTE: a reader that stops early (`paperboy papers --json | head -c 100`) closes the pipe; that ends
// the process quietly, as it does for any Unix tool, instead of an unhandled EPIPE error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

const code = await main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
// NOTE: exit explicitly once output is flushed: a chat SDK that failed to start can leave retry
// timers behind (Bolt retries for about 30 minutes) that would keep a failed process alive.
const flushed = (stream) => new Promise((resolve) => stream.write('', () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
