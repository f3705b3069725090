// Secrets at rest (installation bot tokens): AES-256-GCM from node:crypto under PAPERBOY_SECRET_KEY, with the previous key kept for rotation.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { err, ok, type Result } from './errors.js';

/** The key length AES-256 needs. NOTE: bytes. */
export const KEY_BYTES = 32;

/** The sealed form's version tag: `v1.<key id>.<iv>.<tag>.<ciphertext>`, each part base64url. */
const VERSION = 'v1';

/** GCM's recommended nonce length. NOTE: bytes. */
const IV_BYTES = 12;

/**
 * Reads a key given as 32 bytes in hex (64 characters) or base64 (44 characters, or 43 unpadded,
 * base64url too). The sentence on failure never echoes the value.
 */
export function parseSecretKey(text: string): Result<Buffer, string> {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return ok(Buffer.from(t, 'hex'));
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === KEY_BYTES) return ok(key);
  }
  return err(`must be ${KEY_BYTES} random bytes in base64 or hex (make one with: openssl rand -base64 32)`);
}

/** A short public name for a key (not the key): which key sealed a value, so rotation knows what to re-seal. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('paperboy-secret-key-id:').update(key).digest('hex').slice(0, 8);
}

/** What opening a sealed value gave: the plain text, and whether it was sealed under the previous key (re-seal it). */
export interface Opened {
  value: string;
  stale: boolean;
}

/**
 * Seals and opens secrets with AES-256-GCM: a random IV per value, the auth tag checked on open, and
 * `context` (what the value belongs to, e.g. `slack:T123`) bound in as associated data, so a sealed
 * token copied onto another row does not open. Values name the key that sealed them; while rotating,
 * `previous` still opens the old ones (and `open` says they are stale).
 * https://nodejs.org/api/crypto.html#class-cipher
 */
export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  private readonly currentId: string;

  constructor(
    private readonly current: Buffer,
    previous?: Buffer,
  ) {
    if (current.length !== KEY_BYTES || (previous && previous.length !== KEY_BYTES)) throw new Error(`a secret key must be ${KEY_BYTES} bytes`);
    this.currentId = keyId(current);
    this.keys = new Map([[this.currentId, current]]);
    if (previous && !this.keys.has(keyId(previous))) this.keys.set(keyId(previous), previous);
  }

  /** The id of the key new values are sealed with. */
  get keyId(): string {
    return this.currentId;
  }

  seal(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, this.currentId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** The plain text, or why it cannot be opened (sealed under a key not given, damaged, or for another context). */
  open(sealed: string, context: string): Result<Opened, string> {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) return err('not a value this paperboy sealed');
    const [, id = '', iv = '', tag = '', body = ''] = parts;
    const key = this.keys.get(id);
    if (!key) return err(`sealed under key ${id}, which is neither PAPERBOY_SECRET_KEY nor PAPERBOY_SECRET_KEY_PREVIOUS`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const value = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      return ok({ value, stale: id !== this.currentId });
    } catch {
      return err(`does not open under key ${id} (damaged, or sealed for another row)`);
    }
  }
}
