// One attempt of a ledger-kept send (a scheduled post, a follow alert): the platform call under its deadline, its outcome as a value the ledger records.
import { DeliveryError } from './errors.js';
import type { Landed } from './ports.js';
import { within } from './serve.js';

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
 * Runs one attempt under `ms`. An attempt that runs out of time is a transient DeliveryError whose
 * message says it may have landed: the ledger has counted the attempt, so the next one looks first.
 * NOTE: the platform call is abandoned, not cancelled; the adapters' own client timeouts end it.
 */
export async function sendWithin(send: () => Promise<Landed | void>, ms: number): Promise<Landed | null> {
  const r = await within(send(), ms);
  if (r === 'timeout' || r === 'stopped')
    throw new DeliveryError('transient', `no answer within ${Math.round(ms / 100) / 10} s (it may have landed; the next attempt looks for it first)`);
  return r ?? null;
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
