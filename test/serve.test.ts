// The serve lifecycle: adapters start in order, stop in reverse, a failed start stops the rest, a stop during start-up is honoured.
import { describe, expect, it } from 'vitest';
import { OperatorError } from '../src/errors.js';
import { silentLogger } from '../src/logger.js';
import type { ChatAdapter } from '../src/ports.js';
import { manualStopSignal, serve } from '../src/serve.js';

/** An adapter that records what happens to it; `start` can be made to fail or to hang until stopped. */
function fakeAdapter(platform: string, log: string[], behaviour: 'ok' | 'fail' | 'hang' = 'ok'): ChatAdapter {
  let release: () => void = () => undefined;
  return {
    platform,
    async start() {
      log.push(`start ${platform}`);
      if (behaviour === 'fail') throw new Error(`${platform} refused the token`);
      if (behaviour === 'hang') await new Promise<void>((r) => (release = r));
    },
    async stop() {
      log.push(`stop ${platform}`);
      release();
    },
    async post() {
      log.push(`post ${platform}`);
    },
  };
}

describe('serve lifecycle', () => {
  it('starts background jobs after every adapter and stops them before the adapters, waiting for in-flight work', async () => {
    const log: string[] = [];
    const stop = manualStopSignal();
    let finishInFlight: () => void = () => undefined;
    const job = {
      name: 'scheduler',
      start: (adapters: readonly ChatAdapter[]) => log.push(`job start with ${adapters.map((a) => a.platform).join('+')}`),
      stop: async () => {
        log.push('job stopping');
        await new Promise<void>((r) => (finishInFlight = r));
        log.push('job stopped');
      },
    };
    const done = serve({ adapters: [fakeAdapter('slack', log), fakeAdapter('discord', log)], jobs: [job], logger: silentLogger, stop });
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['start slack', 'start discord', 'job start with slack+discord']);
    stop.stop('SIGTERM');
    await new Promise((r) => setImmediate(r));
    expect(log.at(-1)).toBe('job stopping');
    finishInFlight();
    await done;
    expect(log.slice(-3)).toEqual(['job stopped', 'stop discord', 'stop slack']);
  });

  it('starts every adapter in order and, on a stop request, stops them in reverse', async () => {
    const log: string[] = [];
    const stop = manualStopSignal();
    const done = serve({ adapters: [fakeAdapter('slack', log), fakeAdapter('discord', log)], logger: silentLogger, stop });
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['start slack', 'start discord']);
    stop.stop('SIGTERM');
    await expect(done).resolves.toEqual({ reason: 'SIGTERM', startedAll: true });
    expect(log).toEqual(['start slack', 'start discord', 'stop discord', 'stop slack']);
  });

  it('a platform that fails to start stops the ones already started and is named in an operator error', async () => {
    const log: string[] = [];
    const run = serve({ adapters: [fakeAdapter('slack', log), fakeAdapter('discord', log, 'fail')], logger: silentLogger, stop: manualStopSignal() });
    await expect(run).rejects.toThrow(OperatorError);
    await expect(run).rejects.toThrow(/^Could not start Discord: discord refused the token/);
    expect(log).toEqual(['start slack', 'start discord', 'stop slack']);
  });

  it('a stop asked for while an adapter is still connecting ends start-up at once and stops everything', async () => {
    const log: string[] = [];
    const stop = manualStopSignal();
    const run = serve({ adapters: [fakeAdapter('slack', log), fakeAdapter('discord', log, 'hang'), fakeAdapter('console', log)], logger: silentLogger, stop });
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['start slack', 'start discord']);
    stop.stop('SIGINT');
    await expect(run).resolves.toEqual({ reason: 'SIGINT', startedAll: false });
    expect(log).toEqual(['start slack', 'start discord', 'stop discord', 'stop slack']);
  });

  it('an adapter whose stop hangs is left behind after the timeout, and the others still stop', async () => {
    const log: string[] = [];
    const stuck: ChatAdapter = { ...fakeAdapter('discord', log), stop: () => new Promise<void>(() => log.push('stop discord (hangs)')) };
    const stop = manualStopSignal();
    const run = serve({ adapters: [fakeAdapter('slack', log), stuck], logger: silentLogger, stop, stopTimeoutMs: 20 });
    await new Promise((r) => setImmediate(r));
    stop.stop();
    await expect(run).resolves.toMatchObject({ startedAll: true });
    expect(log).toEqual(['start slack', 'start discord', 'stop discord (hangs)', 'stop slack']);
  });
});
