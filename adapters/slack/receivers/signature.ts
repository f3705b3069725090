// Slack request signing: a request's signature and timestamp checked against the signing secret.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's replay window: requests dated more than five minutes from now, either way, are refused. */
export const MAX_SKEW_SECONDS = 5 * 60;

export type Verification = { ok: true } | { ok: false; reason: 'missing headers' | 'bad timestamp' | 'timestamp skew' | 'bad signature' };

/**
 * Verifies a Slack request signature (https://api.slack.com/authentication/verifying-requests-from-slack).
 * Unlike Bolt's check, which only refuses stale timestamps, this refuses skew in both directions:
 * a correctly signed request dated in the future is as suspicious as a replayed one.
 */
export function verifySlackSignature(args: {
  signingSecret: string;
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  nowMs: number;
}): Verification {
  const { timestamp, signature } = args;
  if (!timestamp || !signature) return { ok: false, reason: 'missing headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad timestamp' };
  // NOTE: the header is in seconds, the clock in milliseconds.
  if (Math.abs(Math.floor(args.nowMs / 1000) - Number(timestamp)) > MAX_SKEW_SECONDS) return { ok: false, reason: 'timestamp skew' };
  const expected = Buffer.from(`v0=${createHmac('sha256', args.signingSecret).update(`v0:${timestamp}:${args.body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
  return { ok: true };
}
