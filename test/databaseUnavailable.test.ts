// PostgreSQL unreachable while serving: commands that need it get the usual apology (logged once, naming the database, never its password), others still answer, and serve goes on.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { commands } from '../commands/index.js';
import { StoredConversations } from '../src/ask/conversations.js';
import { APOLOGY, Dispatcher } from '../src/dispatch.js';
import type { Caller } from '../src/ports.js';
import { redactUrl } from '../src/store/postgres/url.js';
import { PostgresSql } from '../src/store/postgresSql.js';
import { recordingLogger } from './adapters/discord/harness.js';
import { FakeClock, createTestCore } from './support/core.js';

/** A server that is not there: port 1 on loopback refuses at once. */
const URL_WITH_PASSWORD = 'postgres://paperboy:s3cret-pw@127.0.0.1:1/paperboy';
const pool = new pg.Pool({ connectionString: URL_WITH_PASSWORD, connectionTimeoutMillis: 2_000 });
afterAll(async () => {
  await pool.end();
});

async function unreachable() {
  const clock = new FakeClock(new Date('2025-11-27T15:00:00Z'));
  const core = await createTestCore({ clock });
  const logger = recordingLogger();
  const dispatcher = new Dispatcher({
    library: core.library,
    clock,
    timeZone: 'America/New_York',
    logger,
    commands,
    conversations: new StoredConversations(new PostgresSql(pool), clock),
    database: redactUrl(URL_WITH_PASSWORD),
  });
  return { dispatcher, logger };
}

const thread: Caller = { platform: 'slack', channel: 'C1', thread: 'T1' };

/** Every log line as text, to look for what must never be there. */
const logged = (logger: ReturnType<typeof recordingLogger>) =>
  JSON.stringify(logger.entries, (_k, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack } : v));

describe('the database unreachable while serving', () => {
  it('a question in a thread (which reads its earlier answer) gets the apology, logged once naming the database without its password or a stack', async () => {
    const { dispatcher, logger } = await unreachable();
    const r = await dispatcher.runText('how is the kv cache quantized?', thread);
    expect(r).toEqual({ kind: 'error', message: APOLOGY, hints: [], visibility: 'ephemeral' });
    const errors = logger.entries.filter((e) => e.level === 'error' || e.level === 'warn');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toBe('the database is unreachable: answered with the apology');
    expect(errors[0]?.obj).toMatchObject({ database: 'postgres://paperboy:***@127.0.0.1:1/paperboy', command: 'ask' });
    expect((errors[0]?.obj as { cause: string }).cause).toMatch(/unreachable.*ECONNREFUSED/);
    expect(logged(logger)).not.toContain('s3cret-pw');
    expect(logged(logger)).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it('a number to pick from the last list gets the apology once too, and serve keeps answering what needs no database', async () => {
    const { dispatcher, logger } = await unreachable();
    const r = await dispatcher.runText('2', thread);
    expect(r.kind === 'error' && r.message).toBe(APOLOGY);
    expect(logger.entries.filter((e) => e.level === 'error')).toHaveLength(1);
    const help = await dispatcher.run({ command: 'help', text: '' }, thread);
    expect(help.kind).not.toBe('error');
  });

  it('a search still answers: only its list for follow-ups is lost, said once as a warning', async () => {
    const { dispatcher, logger } = await unreachable();
    const r = await dispatcher.run({ command: 'search', text: 'kv cache' }, thread);
    expect(r.kind).toBe('papers');
    const said = logger.entries.filter((e) => e.level === 'error' || e.level === 'warn');
    expect(said.map((e) => e.msg)).toEqual(['could not keep the list shown for follow-ups']);
    expect(said[0]?.obj).toMatchObject({ database: 'postgres://paperboy:***@127.0.0.1:1/paperboy' });
    expect(logged(logger)).not.toContain('s3cret-pw');
  });

  it('linking an answer message never rejects: it only loses the follow-up', async () => {
    const { dispatcher, logger } = await unreachable();
    await expect(dispatcher.linkThread({ platform: 'discord', channel: 'C9', thread: 'q' }, 'a')).resolves.toBeUndefined();
    expect(logger.entries.filter((e) => e.level === 'warn').map((e) => e.msg)).toEqual(['could not link a thread for follow-ups']);
  });
});
