// A pool worker thread: builds its own app over the process's database, warms it, and runs the real Dispatcher for each task.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { commands } from '../../commands/index.js';
import { createApp, type App } from '../app.js';
import { createLogger } from '../logger.js';
import { systemClock } from '../ports.js';
import { callerFromWire } from './callerRpc.js';
import type { PoolResult, PoolTask, WorkerSetup, WorkerStatus } from './protocol.js';

async function handle(app: App, task: PoolTask): Promise<PoolResult> {
  switch (task.kind) {
    case 'complete':
      return app.dispatcher.complete(task.command, task.arg, task.partial);
    case 'linkThread': {
      const wired = callerFromWire(task.caller);
      try {
        await app.dispatcher.linkThread(wired.caller, task.alias);
      } finally {
        wired.close();
      }
      return null;
    }
    case 'run':
    case 'runText': {
      const wired = task.caller ? callerFromWire(task.caller) : undefined;
      try {
        return task.kind === 'run' ? await app.dispatcher.run(task.inv, wired?.caller) : await app.dispatcher.runText(task.line, wired?.caller);
      } finally {
        wired?.close();
      }
    }
  }
}

/**
 * Piscina loads this module once per thread and awaits its default export for the task handler. A
 * failure to build the app is reported to the pool (which then fails start-up with the reason)
 * instead of crashing the thread, which piscina would restart over and over.
 */
export default (async () => {
  const setup = workerData as WorkerSetup;
  const status = (s: WorkerStatus) => parentPort?.postMessage(s);
  let app: App;
  try {
    const logger = createLogger(setup.logLevel).child({ component: 'pool-worker', thread: threadId });
    app = await createApp({ config: setup.config, logger, clock: systemClock, commands });
    // What the first search needs (the index caught up, the vocabulary loaded), before any user waits for it.
    app.library.warm();
  } catch (e) {
    status({ paperboyWorker: 'failed', message: e instanceof Error ? e.message : String(e) });
    return () => Promise.reject(new Error('this pool worker could not start'));
  }
  status({ paperboyWorker: 'ready' });
  return (task: PoolTask) => handle(app, task);
})();
