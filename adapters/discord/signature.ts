// Verifies the Ed25519 signature Discord puts on every HTTP interaction, with node:crypto, and refuses stale timestamps.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/**
 * How far a request's timestamp may be from our clock, either way (seconds). Discord does not name a window;
 * five minutes is Slack's, and a replayed request older than that is refused even with a valid signature.
 */
export const MAX_SKEW_SECONDS = 5 * 60;

// NOTE: an Ed25519 public key in DER (SPKI) form is this fixed 12-byte prefix and the 32 raw key bytes (RFC 8410).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The application's public key ("Public Key" on the Developer Portal, 64 hex characters) as a key object. */
export function discordPublicKey(hex: string): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing headers' | 'bad timestamp' | 'stale timestamp' | 'bad signature' };

/**
 * Checks `X-Signature-Ed25519` (hex) over `X-Signature-Timestamp` followed by the raw body.
 * https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers
 */
export function verifyDiscordSignature(args: {
  key: KeyObject;
  body: Buffer;
  timestamp: string | undefined;
  signature: string | undefined;
  nowMs: number;
}): SignatureCheck {
  const { timestamp, signature } = args;
  if (!timestamp || !signature) return { ok: false, reason: 'missing headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad timestamp' };
  // NOTE: the header is in seconds, the clock in milliseconds.
  if (Math.abs(Math.floor(args.nowMs / 1000) - Number(timestamp)) > MAX_SKEW_SECONDS) return { ok: false, reason: 'stale timestamp' };
  if (!/^[0-9a-f]{128}$/i.test(signature)) return { ok: false, reason: 'bad signature' };
  const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), args.body]);
  return verify(null, signed, args.key, Buffer.from(signature, 'hex')) ? { ok: true } : { ok: false, reason: 'bad signature' };
}
