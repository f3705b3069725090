// Sealing secrets at rest: AES-256-GCM under PAPERBOY_SECRET_KEY, keys read from base64 or hex.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSecretKey, SecretBox } from '../src/secretBox.js';

describe('secret box', () => {
  it('a key is read from hex or base64 (padded, unpadded, url-safe); anything else is refused without echoing it', () => {
    const key = randomBytes(32);
    for (const text of [key.toString('hex'), key.toString('base64'), key.toString('base64').replace(/=$/, ''), key.toString('base64url')]) {
      const r = parseSecretKey(text);
      expect(r.ok && r.value.equals(key)).toBe(true);
    }
    for (const bad of ['', 'short', randomBytes(16).toString('base64'), randomBytes(31).toString('hex'), 'z'.repeat(64)]) {
      const r = parseSecretKey(bad);
      expect(r.ok).toBe(false);
      if (!r.ok && bad !== '') expect(r.error).not.toContain(bad);
    }
  });

  it('a sealed value opens under its key and context only, and is different every time', () => {
    const box = new SecretBox(randomBytes(32));
    const a = box.seal('xoxb-secret', 'installation:slack:T2');
    const b = box.seal('xoxb-secret', 'installation:slack:T2');
    expect(a).not.toBe(b);
    expect(a).not.toContain('xoxb');
    expect(box.open(a, 'installation:slack:T2')).toEqual({ ok: true, value: { value: 'xoxb-secret', stale: false } });
    expect(box.open(a, 'installation:slack:T3').ok).toBe(false);
    expect(new SecretBox(randomBytes(32)).open(a, 'installation:slack:T2').ok).toBe(false);
  });

  it('a tampered value is refused (the auth tag)', () => {
    const box = new SecretBox(randomBytes(32));
    const parts = box.seal('xoxb-secret', 'c').split('.');
    const body = Buffer.from(parts[4] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[4] = body.toString('base64url');
    expect(box.open(parts.join('.'), 'c').ok).toBe(false);
  });

  it('while rotating, values sealed under the previous key open and say they are stale', () => {
    const old = randomBytes(32);
    const sealed = new SecretBox(old).seal('xoxb-secret', 'c');
    expect(new SecretBox(randomBytes(32), old).open(sealed, 'c')).toEqual({ ok: true, value: { value: 'xoxb-secret', stale: true } });
  });
});
