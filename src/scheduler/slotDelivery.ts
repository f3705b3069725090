// One scheduled post sent through the ledger: attempts counted before they are made, each under a deadline, retried only here, and looked for before a retry, so a lost answer never makes a second post.
import pRetry, { AbortError } from 'p-retry';
import { DeliveryError } from '../errors.js';
import { heartbeat, postKey, sendWithin } from '../ledgerSend.js';
import type { Logger } from '../logger.js';
import type { ChatAdapter, Landed, PostTarget } from '../ports.js';
import type { Reply } from '../reply.js';
import type { LedgerRow, ScheduleStore } from './store.js';

/** How a failed post is retried (p-retry's options): `retries` more attempts, waiting `minTimeout`·`factor`^n ms. */
export interface RetryPolicy {
  retries: number;
  minTimeout: number;
  factor: number;
  maxTimeout: number;
}

/** How one slot ended, for the one-shot `post` command and tests. */
export type SlotOutcome =
  | { kind: 'posted'; listDate: string | null; attempts: number; messageId?: string; found?: boolean }
  | { kind: 'already'; row: LedgerRow }
  | { kind: 'busy' }
  | { kind: 'failed'; failure: string; detail: string; attempts: number }
  | { kind: 'interrupted' };

/** The ledger a post is kept in, and who holds its claim. */
export interface SlotLedger {
  store: ScheduleStore;
  /** This process's name on its claims. */
  owner: string;
  leaseMs: number;
  retry: RetryPolicy;
  sendTimeoutMs: number;
  /** Fires when the scheduler stops: a post waiting to retry gives its claim back. */
  stopping: AbortSignal;
  log: Logger;
}

/** The claimed slot to post, and what to post in it. */
export interface SlotPost {
  adapter: ChatAdapter;
  target: PostTarget;
  subscription: string;
  slot: string;
  reply: Reply;
  /** Log context. */
  where: Record<string, unknown>;
  /** The daily list posted (null: the "nothing new" line). */
  listDate: string | null;
}

/**
 * Posts with retries (transient failures only) and settles the claim: posted (with the platform's
 * message id), failed, or given back on stop. Each attempt is counted in the ledger before it is
 * made and has a deadline; an attempt after one whose answer never came (or after a takeover) asks
 * the adapter to look for the earlier message first, so a lost answer never makes a second post.
 * The chat clients do not retry these sends themselves: only this loop does, through the ledger.
 */
export async function deliverSlot(ledger: SlotLedger, post: SlotPost): Promise<SlotOutcome> {
  const { adapter, target, subscription, slot, reply, where, listDate } = post;
  const { store, owner, leaseMs, retry, sendTimeoutMs, stopping, log } = ledger;
  let attempts = 0;
  let landed: Landed | null | undefined;
  let lost = false;
  const key = postKey(subscription, slot);
  const stopBeat = heartbeat(leaseMs, () => {
    store.renew(subscription, slot, owner, leaseMs).catch((e: unknown) => log.warn({ ...where, err: e }, 'could not renew the claim on a scheduled post'));
  });
  try {
    await pRetry(
      async () => {
        const row = await store.attempt(subscription, slot, owner, leaseMs);
        if (!row) {
          lost = true;
          throw new AbortError('the claim was taken over by another process');
        }
        attempts = row.attempts;
        const since = row.attempts > 1 && row.firstAttemptAt !== null ? { landedSince: new Date(row.firstAttemptAt) } : {};
        try {
          landed = await sendWithin((signal) => adapter.post(target, reply, { key, ...since, signal }), sendTimeoutMs);
        } catch (e) {
          if (e instanceof DeliveryError && e.failure !== 'transient') throw new AbortError(e);
          throw e;
        }
      },
      {
        ...retry,
        randomize: false,
        // NOTE: p-retry also rejects a successful attempt once the signal has fired; `landed` says what really happened.
        signal: stopping,
        onFailedAttempt: ({ error, retriesLeft }) => {
          if (retriesLeft > 0 && !stopping.aborted && !lost)
            log.warn({ ...where, attempt: attempts, retriesLeft, err: error }, 'scheduled post failed; retrying');
        },
      },
    );
  } catch (e) {
    const delivered = landed !== undefined;
    if (!delivered && lost) {
      log.warn({ ...where, attempts }, 'another process took over this scheduled post; leaving it to that process');
      return { kind: 'busy' };
    }
    if (!delivered && stopping.aborted && e === stopping.reason) {
      await store.release(subscription, slot, owner);
      log.warn({ ...where, attempts }, 'stopping before the scheduled post went out: recorded as not done (the next start catches it up)');
      return { kind: 'interrupted' };
    }
    if (!delivered) {
      const cause = e;
      const failure = cause instanceof DeliveryError ? cause.failure : 'transient';
      const detail = cause instanceof Error ? cause.message : String(cause);
      await store.failed(subscription, slot, owner, attempts, failure, detail);
      const code = cause instanceof DeliveryError ? cause.platformCode : undefined;
      if (failure === 'transient') log.error({ ...where, attempts, failure, detail }, 'scheduled post failed after retries: recorded as failed, not done');
      else log.error({ ...where, attempts, failure, code, detail }, 'the bot cannot post in this channel: recorded as failed, not retried');
      return { kind: 'failed', failure, detail, attempts };
    }
  } finally {
    stopBeat();
  }
  const sent: Landed | null = landed ?? null;
  if (!(await store.posted(subscription, slot, owner, attempts, sent?.messageId ?? null))) {
    log.warn({ ...where }, 'posted, but the claim had been taken over meanwhile');
  }
  if (sent?.found)
    log.warn({ ...where, attempts, messageId: sent.messageId }, 'an earlier attempt had landed (its answer was lost): recorded it, not posted again');
  else log.info({ ...where, attempts, list: listDate, ...(sent ? { messageId: sent.messageId } : {}) }, 'scheduled post sent');
  return { kind: 'posted', listDate, attempts, ...(sent ? { messageId: sent.messageId, ...(sent.found ? { found: true } : {}) } : {}) };
}
