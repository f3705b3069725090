// The engine flags that npm run bench and npm run bench:load take (--engine, --database-url, --replicas): defaults, both spellings, refusals.
import { describe, expect, it } from 'vitest';
import { parseEngineArgs } from '../../scripts/benchEngine.js';

describe('bench engine flags', () => {
  it('without flags the benches measure SQLite alone with one serve process, as before', () => {
    expect(parseEngineArgs([])).toEqual({ ok: true, value: { engines: ['sqlite'], databaseUrl: undefined, replicas: 1 } });
  });

  it('--engine both measures SQLite then PostgreSQL, and takes --database-url in either spelling', () => {
    const url = 'postgres://bench@127.0.0.1:5432/postgres';
    expect(parseEngineArgs(['--sizes', '10000', '--engine', 'both', '--database-url', url])).toEqual({
      ok: true,
      value: { engines: ['sqlite', 'postgres'], databaseUrl: url, replicas: 1 },
    });
    expect(parseEngineArgs(['--engine=postgres', `--database-url=${url}`])).toMatchObject({ ok: true, value: { engines: ['postgres'], databaseUrl: url } });
  });

  it('--engine postgres without a URL uses DATABASE_URL when set, else none (the bench starts a throw-away cluster)', () => {
    expect(parseEngineArgs(['--engine', 'postgres'], 'postgresql://from-env/db')).toMatchObject({
      ok: true,
      value: { databaseUrl: 'postgresql://from-env/db' },
    });
    expect(parseEngineArgs(['--engine', 'postgres'])).toMatchObject({ ok: true, value: { databaseUrl: undefined } });
  });

  it('--replicas 2 is accepted with PostgreSQL', () => {
    expect(parseEngineArgs(['--engine', 'postgres', '--replicas', '2'])).toMatchObject({ ok: true, value: { replicas: 2 } });
    expect(parseEngineArgs(['--engine=both', '--replicas=2'])).toMatchObject({ ok: true, value: { replicas: 2 } });
  });

  it('an unknown engine, a URL that is not postgres://, and replicas on SQLite alone or below 1 are refused with a sentence saying what to pass', () => {
    expect(parseEngineArgs(['--engine', 'mysql'])).toEqual({ ok: false, error: '--engine must be sqlite, postgres or both (got "mysql").' });
    expect(parseEngineArgs(['--engine', 'postgres', '--database-url', 'mysql://x'])).toMatchObject({
      ok: false,
      error: expect.stringContaining('postgres://'),
    });
    expect(parseEngineArgs(['--replicas', '2'])).toMatchObject({ ok: false, error: expect.stringContaining('--engine postgres') });
    expect(parseEngineArgs(['--engine', 'postgres', '--replicas', '0'])).toMatchObject({ ok: false, error: expect.stringContaining('at least 1') });
    expect(parseEngineArgs(['--engine', 'postgres', '--replicas', 'two'])).toMatchObject({ ok: false, error: expect.stringContaining('at least 1') });
  });
});
