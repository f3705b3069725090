// One attempt of a ledger-kept send (a scheduled post, a follow alert): the platform call under its deadline, its outcome as a value the ledger records.
import { DeliveryError } from './errors.js';
import type { Landed, LedgerSend } from './ports.js';

/** How long one attempt may take, the look for an earlier attempt included (milliseconds). */
export const SEND_TIMEOUT_MS = 15_000;

/** How many sends one poll or tick makes at once: posts to different channels never wait on each other. */
export const SEND_CONCURRENCY = 8;

/** The ledger key of a scheduled post (the same for every attempt, in every process). */
export function postKey(subscription: string, slot: string): string {
  return `post:${subscription}:${slot}`;
}

/** The ledger key of a follow alert. */
export function alertKey(id: number): string {
  return `alert:${id}`;
}

/**
 * Runs one attempt under `ms`. At the deadline `send`'s signal is aborted (the adapter starts no
 * further platform call and cancels the one under way) and the attempt is a transient DeliveryError
 * whose message says it may have landed: the ledger has counted the attempt, so the next one looks first.
 */
export async function sendWithin(send: (signal: AbortSignal) => Promise<Landed | void>, ms: number): Promise<Landed | null> {
  const deadline = new AbortController();
  const late = new Promise<never>((_, reject) => {
    deadline.signal.addEventListener('abort', () => reject(deadline.signal.reason as Error), { once: true });
  });
  // NOTE: aborted from the timer itself, so no continuation of the attempt runs between the deadline and the abort.
  const timer = setTimeout(
    () =>
      deadline.abort(
        new DeliveryError('transient', `no answer within ${Math.round(ms / 100) / 10} s (it may have landed; the next attempt looks for it first)`),
      ),
    ms,
  );
  try {
    return (await Promise.race([send(deadline.signal), late])) ?? null;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Throws when the attempt's deadline has passed, so that no platform call starts after it: adapters
 * call it before each call of a ledger-kept send (`what` names the call, for the log).
 */
export function beforeCall(send: LedgerSend | undefined, what: string): void {
  if (send?.signal?.aborted) throw new DeliveryError('transient', `the attempt ran out of time before ${what}; not sent (the ledger retries)`);
}

/**
 * Keeps a lease alive while work under it runs: `renew` every third of the lease. Returns the stop
 * function. NOTE: real (or faked) timers, unref'd.
 */
export function heartbeat(leaseMs: number, renew: () => void): () => void {
  const t = setInterval(renew, Math.max(1, Math.floor(leaseMs / 3)));
  t.unref?.();
  return () => clearInterval(t);
}
