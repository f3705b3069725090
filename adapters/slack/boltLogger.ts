// Bolt's logger for the Slack adapter: its lines go into the app's logger, secrets scrubbed, empty ones demoted to debug.
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import { redactSecrets } from '../../src/errorInfo.js';
import type { Logger } from '../../src/logger.js';

/** Bolt's own lines that say nothing (the websocket's reason is logged by the receiver instead): demoted to debug. */
const EMPTY_BOLT_LINES = [
  /^WebSocket error occurred:\s*$/,
  /^WebSocket error! \w*$/,
  // NOTE: an event from a workspace with no installation; the installation store logs that once per workspace.
  /^Authorization of incoming event did not succeed/,
];

/** Bolt and its clients log through this, into the app's logger, with secrets scrubbed from every line. */
export function boltLogger(log: Logger, secrets: readonly (string | undefined)[]): BoltLogger {
  let level = LogLevel.INFO;
  // NOTE: Socket Mode URLs carry a connection ticket, which Bolt's debug lines print.
  const line = (msg: unknown[]) =>
    redactSecrets(msg.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' '), secrets).replace(
      /([?&]ticket=)[^&\s"\\]+/g,
      '$1[redacted]',
    );
  const atLevel =
    (at: 'warn' | 'error') =>
    (...msg: unknown[]) => {
      const text = line(msg);
      if (EMPTY_BOLT_LINES.some((re) => re.test(text))) log.debug({ source: 'bolt' }, text);
      else log[at]({ source: 'bolt' }, text);
    };
  return {
    debug: (...msg: unknown[]) => log.debug({ source: 'bolt' }, line(msg)),
    info: (...msg: unknown[]) => log.info({ source: 'bolt' }, line(msg)),
    warn: atLevel('warn'),
    error: atLevel('error'),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
