// Pool worker for workerPool.test.ts: the real worker, plus a command that never settles (`hang`) and a start-up that fails once a flag file says how.
import fs from 'node:fs';
import { workerData } from 'node:worker_threads';

// NOTE: the flag is read as the thread starts, so a test sets it after the first workers are ready to make their replacements fail.
const flag = workerData.test?.failAtStart;
if (flag && fs.existsSync(flag)) {
  const how = fs.readFileSync(flag, 'utf8');
  if (how === 'exit') process.exit(3);
  throw new Error(`test worker failed at start: ${how}`);
}

const { default: real } = await import(new URL('../../dist/src/pool/worker.js', import.meta.url).href);
const handle = await real;

/** A command stuck on something with no deadline of its own. */
const never = () => new Promise(() => undefined);

export default (task) => (task.kind === 'runText' && task.line === 'hang' ? never() : handle(task));
