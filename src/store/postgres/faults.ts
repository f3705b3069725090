// What went wrong reaching PostgreSQL, as the one line an operator reads: names DATABASE_URL, says what to do, never shows the password.

/** Where paperboy tried to connect, for messages: the redacted URL and the parts a sentence names. */
export interface Target {
  /** DATABASE_URL redacted (see redactUrl). */
  shown: string;
  host: string;
  port: number;
  user: string;
  database: string;
  /** The password, only so that a message that somehow contains it can be masked. */
  password?: string;
  connectTimeoutMs: number;
}

/** A PostgreSQL error code (SQLSTATE) or a Node.js system error code, when the error carries one. */
function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The one-line sentence for a failure to connect to, or to verify, the database at `target`
 * (a pg `DatabaseError` with its SQLSTATE, a Node.js socket or TLS error, or pg's own timeouts).
 * See https://www.postgresql.org/docs/current/errcodes-appendix.html for the codes.
 */
export function connectFault(e: unknown, target: Target): string {
  return mask(`DATABASE_URL (${target.shown}): ${describe(e, target)}`, target.password);
}

function describe(e: unknown, t: Target): string {
  const code = codeOf(e);
  const message = messageOf(e).split('\n')[0] ?? '';
  const where = `${t.host}:${t.port}`;
  const retry = 'or fix DATABASE_URL.';
  switch (code) {
    case '28P01':
      return `PostgreSQL refused the password for user "${t.user}"; put that user's password in DATABASE_URL (percent-encoded), or reset it with ALTER ROLE.`;
    case '28000':
      return `PostgreSQL refused user "${t.user}" (${message}); allow this host and user in the server's pg_hba.conf (or add sslmode=require if it only accepts SSL), ${retry}`;
    case '3D000':
      return `database "${t.database}" does not exist on ${where}; create it (createdb ${t.database}, owned by "${t.user}") ${retry}`;
    case '42501':
      return `user "${t.user}" lacks a privilege it needs (${message}); grant it (e.g. GRANT CONNECT ON DATABASE ${t.database} TO ${t.user}) or use another user in DATABASE_URL.`;
    case '53300':
      return `the server at ${where} has no connection slots left (${message}); raise max_connections there or lower the pool size.`;
    case '57P03':
      return `the server at ${where} is starting up or shutting down; start paperboy again when it is up.`;
    case 'ECONNREFUSED':
      return `nothing accepts connections at ${where} (connection refused); start PostgreSQL there, or correct the host and port in DATABASE_URL.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return `the host name "${t.host}" cannot be resolved (${code}); correct the host in DATABASE_URL.`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return `${where} cannot be reached (${code}); check the host and port in DATABASE_URL and the network (firewall, VPN, security group).`;
    case undefined:
      break;
    default:
      if (isTlsCode(code)) return tlsFault(code, message);
  }
  if (/does not support SSL/i.test(message)) {
    return `sslmode in DATABASE_URL asks for SSL but the server at ${where} does not offer it; turn ssl on in that server's postgresql.conf, or remove sslmode (sslmode=disable) from DATABASE_URL.`;
  }
  if (/timeout|timed out/i.test(message)) {
    return `no answer from ${where} within ${seconds(t.connectTimeoutMs)}; check that PostgreSQL runs there and the host is reachable (firewall, VPN), ${retry}`;
  }
  if (/certificate|SSL|TLS/i.test(message)) return tlsFault(code ?? 'TLS', message);
  if (/client password must be a string|password authentication/i.test(message)) {
    return `the server at ${where} asks for a password and DATABASE_URL has none for user "${t.user}"; write it as postgres://user:password@host:port/database.`;
  }
  if (/Connection terminated/i.test(message) || code === 'ECONNRESET' || code === 'EPIPE') {
    return `the server at ${where} closed the connection while paperboy was logging in (${code ?? message}); check the server's log (SSL required? too many connections?) ${retry}`;
  }
  return `could not connect to ${where}: ${message}${code ? ` (${code})` : ''}; check the server and DATABASE_URL.`;
}

const TLS_CODE = /^(ERR_SSL|ERR_TLS|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH)/;
function isTlsCode(code: string): boolean {
  return TLS_CODE.test(code);
}

function tlsFault(code: string, message: string): string {
  return `the server's SSL certificate was not accepted (${code}: ${message}); set sslrootcert=<file> to the CA that signed it (sslmode=verify-full also checks the host name), or use sslmode=require to encrypt without verifying.`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Belt and braces: no message may carry the password, whatever a library put in it. */
function mask(line: string, password: string | undefined): string {
  if (!password) return line;
  return line.split(password).join('***').split(encodeURIComponent(password)).join('***');
}
