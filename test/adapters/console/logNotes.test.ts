// The console chat's logs: pino JSON lines become one readable sentence each, on stderr until the console takes them.
import { describe, expect, it } from 'vitest';
import { consoleLogSink, logSentence } from '../../../adapters/console/logNotes.js';
import { createLogger } from '../../../src/logger.js';
import { sink } from '../../support/streams.js';

describe('console log notes', () => {
  it('a warning with its cause is one sentence: level, message, cause; no JSON, no ids or timestamps', () => {
    const line = JSON.stringify({
      level: 40,
      time: 1,
      pid: 7,
      app: 'paperboy',
      job: 'live-ingest',
      problem: 'HF down (ECONNREFUSED)',
      msg: 'live ingest failed',
    });
    expect(logSentence(line)).toBe('Warning: live ingest failed. Cause: HF down (ECONNREFUSED).');
    expect(logSentence(JSON.stringify({ level: 50, err: { message: 'boom' }, msg: 'console line failed' }))).toBe('Error: console line failed. Cause: boom.');
  });

  it('control characters from outside text are removed, so a log line cannot move the cursor', () => {
    const line = JSON.stringify({ level: 40, msg: 'fetch failed', problem: 'evil\u001b[2J\u001b[Hbody\nsecond line' });
    expect(logSentence(line)).toBe('Warning: fetch failed. Cause: evilbodysecond line.');
  });

  it('before the console starts, sentences go to the fallback stream; attached, they go to the console; detached, back', () => {
    const fallback = sink();
    const notes = consoleLogSink(fallback);
    const logger = createLogger('warn', notes);
    const seen: string[] = [];
    logger.warn({ problem: 'no network' }, 'before');
    notes.attach((t) => seen.push(t));
    logger.warn({}, 'during');
    logger.info({}, 'not shown at warn');
    notes.detach();
    logger.error({}, 'after');
    expect(fallback.text()).toBe('Warning: before. Cause: no network.\nError: after.\n');
    expect(seen).toEqual(['Warning: during.']);
  });
});
