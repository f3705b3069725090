// A Caller crossing into a worker thread: its data is copied, its functions (mayManage…) become calls back to the main thread over a MessagePort.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { Logger } from '../logger.js';
import type { Caller } from '../ports.js';

/** A Caller as it travels in a task: plain fields, the names of its functions, and the port those are called through. */
export interface WireCaller {
  fields: Record<string, unknown>;
  calls: string[];
  port?: MessagePort;
}

interface CallRequest {
  id: number;
  name: string;
  args: unknown[];
}

type CallAnswer = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

/** How long a worker waits for the main thread to answer a caller function (Slack's users.info has its own shorter deadline). */
export const CALL_DEADLINE_MS = 15_000;

/**
 * The main thread's side: `wire` goes into the task (with `transfer` in its transfer list); each call
 * the worker makes runs the adapter's real function here and is answered. `close` once the task is
 * done. Any function-valued member is served, so a new caller ability needs no change here.
 */
export function exposeCaller(caller: Caller, logger: Logger): { wire: WireCaller; transfer: MessagePort[]; close(): void } {
  const fields: Record<string, unknown> = {};
  const fns = new Map<string, (...args: unknown[]) => unknown>();
  for (const [key, value] of Object.entries(caller)) {
    if (typeof value === 'function') fns.set(key, value as (...args: unknown[]) => unknown);
    else if (value !== undefined) fields[key] = value;
  }
  if (fns.size === 0) return { wire: { fields, calls: [] }, transfer: [], close: () => undefined };
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (req: CallRequest) => {
    const fn = fns.get(req.name);
    const answer = (a: CallAnswer) => {
      try {
        port1.postMessage(a);
      } catch (e) {
        logger.warn({ err: e, call: req.name }, 'could not answer a worker call (the task ended)');
      }
    };
    if (!fn) {
      answer({ id: req.id, ok: false, message: `the caller has no function ${req.name}` });
      return;
    }
    Promise.resolve()
      .then(() => fn.apply(caller, req.args))
      .then(
        (value) => answer({ id: req.id, ok: true, value }),
        (e: unknown) => answer({ id: req.id, ok: false, message: e instanceof Error ? e.message : String(e) }),
      );
  });
  return { wire: { fields, calls: [...fns.keys()], port: port2 }, transfer: [port2], close: () => port1.close() };
}

/**
 * The worker's side: a Caller whose functions ask the main thread and resolve with its answer, or
 * reject after `deadlineMs` or once the port is closed. `close` when the task is done.
 */
export function callerFromWire(wire: WireCaller, deadlineMs = CALL_DEADLINE_MS): { caller: Caller; close(): void } {
  const caller: Record<string, unknown> = { ...wire.fields };
  const port = wire.port;
  if (!port || wire.calls.length === 0) return { caller: caller as unknown as Caller, close: () => undefined };
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  let next = 0;
  const settle = (id: number, outcome: { value: unknown } | { error: Error }) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    clearTimeout(p.timer);
    if ('error' in outcome) p.reject(outcome.error);
    else p.resolve(outcome.value);
  };
  port.on('message', (a: CallAnswer) => settle(a.id, a.ok ? { value: a.value } : { error: new Error(a.message) }));
  port.on('close', () => {
    for (const id of [...pending.keys()]) settle(id, { error: new Error('the main thread closed the call port') });
  });
  for (const name of wire.calls) {
    caller[name] = (...args: unknown[]) =>
      new Promise((resolve, reject) => {
        const id = next++;
        const timer = setTimeout(() => settle(id, { error: new Error(`${name} got no answer from the main thread within ${deadlineMs} ms`) }), deadlineMs);
        pending.set(id, { resolve, reject, timer });
        port.postMessage({ id, name, args } satisfies CallRequest);
      });
  }
  return {
    caller: caller as unknown as Caller,
    close: () => {
      for (const id of [...pending.keys()]) settle(id, { error: new Error('the task ended') });
      port.close();
    },
  };
}
