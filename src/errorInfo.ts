// What an error may say in a log: one scrubber for every adapter, so no token or request reaches a log line.

/**
 * The loggable facts of an error. A plain object of short strings and numbers: never the request,
 * its headers or body, or the stack, which can carry an Authorization header or user text.
 */
export interface ErrorInfo {
  name?: string;
  message: string;
  /** A library's error code, e.g. Slack's `slack_webapi_platform_error` or a Discord API code. */
  code?: string | number;
  /** The HTTP status, as discord.js (`status`) and the Slack Web API (`statusCode`) name it. */
  status?: number;
  statusCode?: number;
  /** Slack's own error name from the response body (`data.error`), e.g. `invalid_auth`. */
  slackError?: string;
  method?: string;
  /** The request path, without host or query, with interaction and webhook tokens replaced. */
  path?: string;
}

const MAX_MESSAGE = 500;

// NOTE: Slack tokens (bot `xoxb-`, user `xoxp-`, app-level `xapp-`, …), Discord bot tokens
// (three base64url parts joined by dots), Hugging Face tokens (`hf_…`) and credentials after
// `Bot`/`Bearer` in a header echo.
const TOKEN_SHAPES = [
  /\bhf_[A-Za-z0-9]{20,}/g,
  /\bxox[abposr]-[A-Za-z0-9-]+/g,
  /\bxapp-[A-Za-z0-9-]+/g,
  /\b[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}/g,
  /\b(Bot|Bearer) [A-Za-z0-9._~+/=-]{20,}/g,
];

/**
 * Replaces anything token-shaped, and each of `secrets` (the configured tokens and signing
 * secrets), with `[redacted]`. Secrets shorter than 6 characters are ignored: replacing them
 * would garble the text without protecting anything.
 */
export function redactSecrets(text: string, secrets: readonly (string | null | undefined)[] = []): string {
  let out = text;
  for (const shape of TOKEN_SHAPES) out = out.replace(shape, '[redacted]');
  const given = secrets.filter((v): v is string => typeof v === 'string' && v.length >= 6).sort((a, b) => b.length - a.length);
  for (const secret of given) out = out.split(secret).join('[redacted]');
  return out;
}

/**
 * A request URL as a log may show it: the path only (no host, no query string, which can carry
 * secrets), with the token in Discord's `/interactions/{id}/{token}` and `/webhooks/{id}/{token}`
 * paths replaced by `:token`. Those tokens let anyone answer as the bot for 15 minutes.
 * https://discord.com/developers/docs/interactions/receiving-and-responding#followup-messages
 */
export function redactUrl(url: string, secrets: readonly (string | null | undefined)[] = []): string {
  const path = url
    .replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '')
    .replace(/[?#].*$/s, '')
    .replace(/\/(interactions|webhooks)\/([^/]+)\/[^/]+/g, '/$1/$2/:token');
  return redactSecrets(path, secrets).slice(0, 300);
}

function str(v: unknown): string {
  try {
    return String(v);
  } catch {
    return '[unprintable]';
  }
}

/**
 * Describes an error for a log line (as pino's `err`): name, message (token-shaped strings and
 * `secrets` redacted, at most 500 characters), code, HTTP status, Slack's `data.error`, method and
 * redacted path. Errors from the Slack Web API and discord.js REST carry their request, headers
 * included, so the whole object must never be logged; this picks only what is safe.
 */
export function describeError(e: unknown, secrets: readonly (string | null | undefined)[] = []): ErrorInfo {
  if (typeof e !== 'object' || e === null) return { message: redactSecrets(str(e), secrets).slice(0, MAX_MESSAGE) };
  const x = e as { name?: unknown; message?: unknown; code?: unknown; status?: unknown; statusCode?: unknown; data?: unknown; method?: unknown; url?: unknown };
  const message = redactSecrets(typeof x.message === 'string' ? x.message : e instanceof Error ? '' : str(e), secrets).slice(0, MAX_MESSAGE);
  const out: ErrorInfo = { ...(typeof x.name === 'string' ? { name: x.name.slice(0, 100) } : {}), message };
  if (typeof x.code === 'string') out.code = redactSecrets(x.code, secrets).slice(0, 100);
  else if (typeof x.code === 'number') out.code = x.code;
  if (typeof x.status === 'number') out.status = x.status;
  if (typeof x.statusCode === 'number') out.statusCode = x.statusCode;
  const slackError = typeof x.data === 'object' && x.data !== null ? (x.data as { error?: unknown }).error : undefined;
  if (typeof slackError === 'string') out.slackError = redactSecrets(slackError, secrets).slice(0, 100);
  if (typeof x.method === 'string') out.method = x.method.slice(0, 16);
  if (typeof x.url === 'string') out.path = redactUrl(x.url, secrets);
  return out;
}

/** A network failure in words, with the system's code: "connection refused (ECONNREFUSED)". */
export function networkReason(code: unknown, message?: string): string {
  const c = typeof code === 'string' ? code : undefined;
  switch (c) {
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name did not resolve (${c})`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `the connection timed out (${c})`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `the server closed the connection (${c})`;
    default: {
      const text = (message ?? '').trim().slice(0, 200);
      if (text && c) return `${text} (${c})`;
      return text || c || 'a network error with no details';
    }
  }
}
