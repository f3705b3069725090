// The fake Hugging Face API in a child process, for bench:ingest: the event loop being measured then runs paperboy's work only, not the fake's.
import os from 'node:os';
import { FakeHf, renumbered, type Fault, type HfItem } from '../test/fakes/hf.js';

/** What bench:ingest asks of the child, each answered with `{ id }` once done. */
export type HfChildRequest =
  | { id: number; op: 'day'; date: string; papers: number; tag: number }
  | { id: number; op: 'longTitle'; date: string; bytes: number; tag: number }
  | { id: number; op: 'fail'; route: string; fault: Fault };

// NOTE: the real API is on another machine: here it runs at a lower CPU priority, so its own work (10 MB of JSON)
// competes as little as it can with the loop being measured on a 2-core machine.
os.setPriority(19);
const send = (m: unknown) => process.send?.(m);
const hf = await new FakeHf().listen();
process.on('message', (m: HfChildRequest) => {
  if (m.op === 'day') hf.days.set(m.date, renumbered(m.papers, m.tag));
  else if (m.op === 'longTitle') {
    const [base] = renumbered(1, m.tag) as [HfItem];
    hf.days.set(m.date, [{ ...base, paper: { ...base.paper, title: `Runaway ${'title '.repeat(m.bytes / 6)}` } }]);
  } else hf.fail(m.route, m.fault);
  send({ id: m.id });
});
process.on('disconnect', () => void hf.close().then(() => process.exit(0)));
send({ apiUrl: hf.apiUrl });
