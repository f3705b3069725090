// DATABASE_URL: whether a value is a PostgreSQL URL paperboy can use, and the form of it that may be shown or logged.
import { err, ok, type Result } from '../../errors.js';

/** How DATABASE_URL is written, for messages. */
export const DATABASE_URL_FORM = 'postgres://user:password@host:5432/database';

/**
 * Checks that `raw` is a PostgreSQL URL (`postgres://` or `postgresql://`, as libpq and node-postgres
 * accept). The error is a sentence naming DATABASE_URL that never echoes the value (it holds a password).
 */
export function checkDatabaseUrl(raw: string): Result<URL, string> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1];
  if (scheme === undefined) {
    return err(`DATABASE_URL is not a URL; write it as ${DATABASE_URL_FORM}.`);
  }
  if (!/^postgres(ql)?$/i.test(scheme)) {
    return err(`DATABASE_URL must start with postgres:// or postgresql:// (it starts with ${scheme.toLowerCase()}://); write it as ${DATABASE_URL_FORM}.`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return err(
      `DATABASE_URL is not a valid URL; write it as ${DATABASE_URL_FORM}, percent-encoding any of @ : / ? # % in the user name or password (e.g. %40 for @).`,
    );
  }
  // NOTE: `#` never belongs in a PostgreSQL URL; seeing one means a password with an unencoded `#`,
  // whose tail would otherwise be silently dropped (and part of it shown as the port).
  if (raw.includes('#')) {
    return err(`DATABASE_URL contains a #; percent-encode it as %23 if it is part of the password (write the URL as ${DATABASE_URL_FORM}).`);
  }
  if (url.port !== '' && !/^\d+$/.test(url.port)) {
    return err(`DATABASE_URL has a port that is not a number; write it as ${DATABASE_URL_FORM}.`);
  }
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode !== null && !SSL_MODES.includes(sslmode)) {
    return err(`DATABASE_URL has sslmode=${sslmode}; use one of ${SSL_MODES.join(', ')}.`);
  }
  return ok(url);
}

/** The sslmode values node-postgres understands (libpq's, without `allow`, plus its own `no-verify`). */
const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

/**
 * DATABASE_URL as it may be shown or logged: `postgres://user:***@host:port/db`, with a `password`
 * query parameter masked too. A value that is not a URL is never shown, only described.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return NOT_SHOWN;
  }
  // NOTE: a `#` means a password with an unencoded `#` (see checkDatabaseUrl): the parsed URL would
  // show part of it as the port, so such a value is not shown at all.
  if (raw.includes('#')) return NOT_SHOWN;
  if (url.password !== '') url.password = '***';
  for (const key of [...url.searchParams.keys()]) {
    if (key.toLowerCase() === 'password') url.searchParams.set(key, '***');
  }
  return url.toString();
}

const NOT_SHOWN = '(DATABASE_URL, not shown: it is not a valid URL)';
