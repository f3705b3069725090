// serve's live-ingest thread: opens its own app on the same database and runs the real LiveIngest, so fetching, parsing and storing a day never block the thread that acks chat.
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createApp, createLiveIngest } from '../app.js';
import { LeaderLease } from '../leader/lease.js';
import { systemClock } from '../ports.js';
import { threadLogger } from './threadLogger.js';
import { summarize, type FromIngestThread, type IngestThreadInit, type ToIngestThread } from './threadMessages.js';

/** How much lower this thread's CPU priority is than serve's main thread (a nice increment). */
const INGEST_NICE = 10;

// NOTE: on Linux a nice value is per thread, and setpriority(0) means the calling thread: on a busy machine the
// thread that acks chat is then scheduled before ingest work. Elsewhere it would lower the whole process, so not there.
if (process.platform === 'linux') {
  try {
    os.setPriority(INGEST_NICE);
  } catch {
    // A container that forbids it keeps the default priority.
  }
}

const port = parentPort;
if (!port) throw new Error('src/ingest/thread.ts runs as a worker thread of serve (see ingest/threaded.ts)');
const post = (m: FromIngestThread) => port.postMessage(m);
const { config, leader } = workerData as IngestThreadInit;
const logger = threadLogger(port, { thread: 'ingest' });

let sent = '';
// NOTE: better-sqlite3 connections belong to the thread that opened them: this app has its own.
// No commands: the thread answers no chat, it only ingests (and plans the alerts of what it stored).
const app = await createApp({ config, logger, clock: systemClock, commands: [] });
const lease = leader ? new LeaderLease(app.database.sql, () => systemClock.now()) : null;
const live = createLiveIngest(app, config, logger, systemClock, {
  ...(lease && leader ? { mayRun: () => lease.isHolder(leader.role, leader.holder) } : {}),
  onChange: () => {
    const status = live?.status();
    const key = JSON.stringify(status);
    if (!status || key === sent) return;
    sent = key;
    post({ type: 'status', status });
  },
});
post(live ? { type: 'ready' } : { type: 'unavailable', reason: 'this database keeps no daily lists, or cannot be written' });

port.on('message', (m: ToIngestThread) => {
  switch (m.type) {
    case 'start':
      live?.start();
      return;
    case 'stop':
      void (async () => {
        await live?.stop();
        await app.close();
        post({ type: 'stopped' });
      })();
      return;
    case 'call': {
      if (!live) {
        post({ type: 'result', id: m.id, ok: false, error: 'live ingest is off in this database' });
        return;
      }
      const run = m.method === 'runOnce' ? live.runOnce(m.date) : live.ensureFresh(m.date, m.maxAgeMs);
      run.then(
        (r) => post({ type: 'result', id: m.id, ok: true, value: r ? summarize(r) : null }),
        (e: unknown) => post({ type: 'result', id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
      );
      return;
    }
  }
});
