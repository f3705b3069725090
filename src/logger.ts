// The narrow logger type the core depends on, and the pino instance the root creates.
import { pino, type Logger as PinoLogger } from 'pino';

/** What the core needs from a logger; pino satisfies it, tests pass `silentLogger`. */
export interface Logger {
  child(bindings: Record<string, unknown>): Logger;
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

/**
 * Paths pino blanks out wherever they appear, so a token that reaches a log line
 * (a config dump, a request's headers, an error carrying options) is never written.
 */
export const REDACT_PATHS = [
  'token',
  '*.token',
  '*.*.token',
  'botToken',
  '*.botToken',
  'appToken',
  '*.appToken',
  'signingSecret',
  '*.signingSecret',
  'clientSecret',
  '*.clientSecret',
  'authorization',
  'apiKey',
  '*.apiKey',
  '*.authorization',
  '*.headers.authorization',
  '*.*.headers.authorization',
  'headers.authorization',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'DISCORD_TOKEN',
  'HF_TOKEN',
  '*.HF_TOKEN',
  '*.SLACK_BOT_TOKEN',
  '*.SLACK_APP_TOKEN',
  '*.SLACK_SIGNING_SECRET',
  '*.DISCORD_TOKEN',
  'DATABASE_URL',
  '*.DATABASE_URL',
  'databaseUrl',
  '*.databaseUrl',
  'password',
  '*.password',
];

/**
 * Creates the process logger. Logs go to stderr (fd 2) so that stdout stays clean for
 * JSON output of the CLI.
 */
export function createLogger(level: string, destination: number | NodeJS.WritableStream = 2): Logger {
  const dest = typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination;
  const logger: PinoLogger = pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'paperboy' } }, dest);
  return logger;
}

/** A logger that drops everything: for tests and for library use. */
export const silentLogger: Logger = {
  child: () => silentLogger,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
