// Child process for lifecycle.test.ts: starts one built adapter against a fake, stops it on a line from stdin, then does nothing more.
// It must exit by itself: anything the adapter left behind (a socket, a timer, a reconnect loop) would keep it alive.
import { createInterface } from 'node:readline';

const [platform, apiUrl] = process.argv.slice(2);
const dist = new URL('../../dist/adapters/', import.meta.url);
const silent = { child: () => silent, debug() {}, info() {}, warn() {}, error() {} };
const reply = { kind: 'text', lines: ['ok'], visibility: 'ephemeral' };
const dispatcher = { commands: [], find: () => undefined, complete: () => [], run: async () => reply, runText: async () => reply };

let adapter;
if (platform === 'slack') {
  const { createSlackAdapter } = await import(new URL('slack/index.js', dist).href);
  adapter = createSlackAdapter({
    config: { botToken: 'xoxb-child-token', appToken: 'xapp-child-token', port: 0, apiUrl },
    dispatcher,
    logger: silent,
    clientOptions: { retryConfig: { retries: 0 } },
    connectTimeoutMs: 60_000,
    socketRetry: { firstMs: 20_000, maxMs: 20_000 },
  });
} else {
  const { createDiscordAdapter } = await import(new URL('discord/index.js', dist).href);
  adapter = createDiscordAdapter({
    config: { token: 'child.token.not-a-secret', appId: '900000000000000001', apiUrl, registerOnStart: false },
    dispatcher,
    logger: silent,
    rest: { retries: 0 },
    connectTimeoutMs: 60_000,
  });
}

const starting = adapter.start().then(
  () => 'started',
  (e) => String(e?.message ?? e),
);
const lines = createInterface({ input: process.stdin });
lines.once('line', async () => {
  lines.close();
  const t0 = Date.now();
  await adapter.stop();
  process.stdout.write(`${JSON.stringify({ start: await starting, stopMs: Date.now() - t0 })}\n`);
});
process.stdout.write('ready\n');
