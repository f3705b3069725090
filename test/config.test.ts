// Configuration: one schema, defaults, half-set platforms named, secrets never echoed, logs redacted.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUEUE, DEFAULT_WORKERS, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';

describe('config', () => {
  it('has working defaults and starts no platform when none is configured', () => {
    const r = loadConfig({});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.dataDir.endsWith('data')).toBe(true);
    expect(r.value.timeZone).toBe('America/New_York');
    expect(r.value.slack).toBeUndefined();
    expect(r.value.discord).toBeUndefined();
  });

  it('PAPERBOY_LEASE_SECONDS sets the claim lease (unset: each job keeps its default); a bad value names the variable and the range', () => {
    const unset = loadConfig({});
    expect(unset.ok && unset.value.leaseSeconds).toBeUndefined();
    const set = loadConfig({ PAPERBOY_LEASE_SECONDS: '30' });
    expect(set.ok && set.value.leaseSeconds).toBe(30);
    const bad = loadConfig({ PAPERBOY_LEASE_SECONDS: '0' });
    expect(!bad.ok && bad.error).toMatch(/PAPERBOY_LEASE_SECONDS must be a whole number of seconds from 1 to 3600/);
  });

  it('Slack with an app token is Socket Mode; with a signing secret, HTTP on SLACK_PORT', () => {
    const socket = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' });
    expect(socket.ok && socket.value.slack).toEqual({ botToken: 'xoxb-1', appToken: 'xapp-1', port: 3000, apiUrl: 'https://slack.com/api/' });
    const http = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_PORT: '8080', SLACK_API_URL: 'http://127.0.0.1:9/api' });
    expect(http.ok && http.value.slack).toEqual({ botToken: 'xoxb-1', signingSecret: 's', port: 8080, apiUrl: 'http://127.0.0.1:9/api/' });
  });

  it('half-set Slack or Discord variables name what is missing and never echo a secret', () => {
    const r = loadConfig({ SLACK_SIGNING_SECRET: 'super-secret-value', DISCORD_TOKEN: 'discord-secret-token' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatch(/SLACK_BOT_TOKEN is required/);
    expect(r.error).toMatch(/DISCORD_APP_ID is required/);
    expect(r.error).not.toMatch(/super-secret-value|discord-secret-token/);
  });

  it('Discord settings: API URL without trailing slash, register-on-start flag, guild id', () => {
    const r = loadConfig({
      DISCORD_TOKEN: 't',
      DISCORD_APP_ID: '123456789012345678',
      DISCORD_GUILD_ID: '223456789012345678',
      DISCORD_API_URL: 'http://127.0.0.1:1/api/',
      DISCORD_REGISTER_ON_START: 'true',
    });
    expect(r.ok && r.value.discord).toEqual({
      token: 't',
      appId: '123456789012345678',
      guildId: '223456789012345678',
      apiUrl: 'http://127.0.0.1:1/api',
      registerOnStart: true,
      port: 3001,
    });
  });

  it('Discord over HTTP: DISCORD_PUBLIC_KEY (32 bytes in hex) turns on interactions on DISCORD_PORT (3001 unless set)', () => {
    const key = 'AB'.repeat(32);
    const base = { DISCORD_TOKEN: 't', DISCORD_APP_ID: '123456789012345678' };
    const r = loadConfig({ ...base, DISCORD_PUBLIC_KEY: key });
    expect(r.ok && r.value.discord?.publicKey).toBe(key.toLowerCase());
    expect(r.ok && r.value.discord?.port).toBe(3001);
    const other = loadConfig({ ...base, DISCORD_PUBLIC_KEY: key, DISCORD_PORT: '8443' });
    expect(other.ok && other.value.discord?.port).toBe(8443);
  });

  it.each(['abc', 'zz'.repeat(32), 'ab'.repeat(31), 'ab'.repeat(33)])(
    'a malformed DISCORD_PUBLIC_KEY (%s) is named, with where to find it, and not echoed',
    (value) => {
      const r = loadConfig({ DISCORD_TOKEN: 't', DISCORD_APP_ID: '123456789012345678', DISCORD_PUBLIC_KEY: value });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error).toMatch(/DISCORD_PUBLIC_KEY must be the 64 hex characters \(32 bytes\) of "Public Key"/);
      expect(r.error).not.toContain(value);
    },
  );

  it('LLM_BASE_URL with LLM_MODEL turns on the model for ask (20 s timeout by default); half-set names what is missing without echoing the key', () => {
    const r = loadConfig({ LLM_BASE_URL: 'http://127.0.0.1:8080/v1', LLM_MODEL: 'qwen', LLM_API_KEY: 'sk-very-secret' });
    expect(r.ok && r.value.llm).toEqual({ baseUrl: 'http://127.0.0.1:8080/v1', model: 'qwen', apiKey: 'sk-very-secret', timeoutMs: 20_000 });
    const none = loadConfig({});
    expect(none.ok && none.value.llm).toBeUndefined();
    const half = loadConfig({ LLM_API_KEY: 'sk-very-secret' });
    expect(half.ok).toBe(false);
    expect(!half.ok && half.error).toMatch(/LLM_BASE_URL is required/);
    expect(!half.ok && half.error).not.toContain('sk-very-secret');
    const bad = loadConfig({ LLM_BASE_URL: 'http://x/v1', LLM_MODEL: 'm', LLM_TIMEOUT_MS: '5' });
    expect(!bad.ok && bad.error).toMatch(/LLM_TIMEOUT_MS must be a whole number of milliseconds/);
  });

  it('bad values name the variable', () => {
    for (const [env, name] of [
      [{ SLACK_PORT: 'abc' }, 'SLACK_PORT'],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
      [{ PAPERBOY_TIMEZONE: 'Mars/Olympus' }, 'PAPERBOY_TIMEZONE'],
      [{ DISCORD_API_URL: 'not a url' }, 'DISCORD_API_URL'],
      [{ DISCORD_REGISTER_ON_START: 'maybe' }, 'DISCORD_REGISTER_ON_START'],
      [{ DISCORD_PORT: '70000' }, 'DISCORD_PORT'],
      [{ PAPERBOY_HEALTH_PORT: '70000' }, 'PAPERBOY_HEALTH_PORT'],
      [{ PAPERBOY_CATCHUP_HOURS: 'six' }, 'PAPERBOY_CATCHUP_HOURS'],
      [{ SLACK_MANAGERS: 'alice, bob' }, 'SLACK_MANAGERS'],
    ] as const) {
      const r = loadConfig(env);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error).toContain(name);
    }
  });
});

describe('config: schedule and health', () => {
  it('the health endpoint is off and the catch-up window is 6 h unless set', () => {
    const r = loadConfig({});
    expect(r.ok && r.value.healthPort).toBeUndefined();
    expect(r.ok && r.value.catchupHours).toBe(6);
    const set = loadConfig({ PAPERBOY_HEALTH_PORT: '8081', PAPERBOY_CATCHUP_HOURS: '1.5' });
    expect(set.ok && [set.value.healthPort, set.value.catchupHours]).toEqual([8081, 1.5]);
  });

  it('serve answers in PAPERBOY_WORKERS worker threads (0: on the thread reading requests) with PAPERBOY_QUEUE more waiting', () => {
    const d = loadConfig({});
    expect(d.ok && d.value.pool).toEqual({ workers: DEFAULT_WORKERS, queue: DEFAULT_QUEUE });
    const set = loadConfig({ PAPERBOY_WORKERS: '0', PAPERBOY_QUEUE: '5' });
    expect(set.ok && set.value.pool).toEqual({ workers: 0, queue: 5 });
    const bad = loadConfig({ PAPERBOY_WORKERS: 'many', PAPERBOY_QUEUE: '-1' });
    expect(bad.ok ? '' : bad.error).toMatch(/PAPERBOY_WORKERS must be a whole number of worker threads from 0 to 16/);
    expect(bad.ok ? '' : bad.error).toMatch(/PAPERBOY_QUEUE must be a whole number from 0 to 10000/);
  });

  it('SLACK_MANAGERS is a comma-separated list of user ids', () => {
    const r = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_MANAGERS: ' U012ABC, W0456DEF ,' });
    expect(r.ok && r.value.slack?.managers).toEqual(['U012ABC', 'W0456DEF']);
    const bad = loadConfig({ SLACK_MANAGERS: 'alice' });
    expect(!bad.ok && bad.error).toContain('SLACK_MANAGERS must be Slack user ids separated by commas');
  });
});

describe('config: the Hugging Face API and the live ingest', () => {
  it('defaults to huggingface.co, live ingest on, every 60 minutes, answers up to 16 MB; a token is kept only when set', () => {
    const r = loadConfig({});
    expect(r.ok && r.value.hf).toEqual({ apiUrl: 'https://huggingface.co/api', timeoutMs: 15_000, maxResponseBytes: 16 * 1024 * 1024 });
    expect(r.ok && r.value.live).toEqual({ enabled: true, everyMinutes: 60 });
    const set = loadConfig({
      HF_API_URL: 'http://127.0.0.1:9/api/',
      HF_TOKEN: 'hf_abc',
      HF_TIMEOUT_MS: '5000',
      HF_MAX_RESPONSE_MB: '4',
      PAPERBOY_INGEST_EVERY: '30',
      PAPERBOY_LIVE: 'OFF',
    });
    expect(set.ok && set.value.hf).toEqual({ apiUrl: 'http://127.0.0.1:9/api', token: 'hf_abc', timeoutMs: 5_000, maxResponseBytes: 4 * 1024 * 1024 });
    expect(loadConfig({ HF_MAX_RESPONSE_MB: '0' })).toMatchObject({
      ok: false,
      error: expect.stringContaining('HF_MAX_RESPONSE_MB must be a whole number of megabytes from 1 to 1024'),
    });
    expect(set.ok && set.value.live).toEqual({ enabled: false, everyMinutes: 30 });
  });

  it('bad values name the variable and what it must be, never echoing the value', () => {
    const r = loadConfig({
      HF_API_URL: 'ftp://x',
      HF_TIMEOUT_MS: 'soon',
      PAPERBOY_INGEST_EVERY: '1',
      PAPERBOY_LIVE: 'maybe',
      HF_TOKEN: 'hf_secretsecretsecretsecret',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatch(/HF_API_URL must be an http\(s\) URL/);
    expect(r.error).toMatch(/HF_TIMEOUT_MS must be a whole number of milliseconds/);
    expect(r.error).toMatch(/PAPERBOY_INGEST_EVERY must be a whole number of minutes from 5 to 1440/);
    expect(r.error).toMatch(/PAPERBOY_LIVE must be on or off/);
    expect(r.error).not.toMatch(/soon|maybe|ftp|hf_secret/);
  });
});

describe('config: DATABASE_URL', () => {
  it('unset keeps the SQLite file; postgres:// and postgresql:// URLs are kept as given', () => {
    const unset = loadConfig({ DATABASE_URL: ' ' });
    expect(unset.ok && unset.value.databaseUrl).toBeUndefined();
    for (const url of ['postgres://bot:pw@db.example:5432/paperboy', 'postgresql://bot:pw@db.example/paperboy?sslmode=verify-full&sslrootcert=/etc/ca.pem']) {
      const r = loadConfig({ DATABASE_URL: url });
      expect(r.ok && r.value.databaseUrl).toBe(url);
    }
  });

  it('a malformed value, another scheme or an unknown sslmode is one line naming DATABASE_URL, never echoing the password', () => {
    const cases: [string, RegExp][] = [
      ['db.example:5432/paperboy', /DATABASE_URL is not a URL; write it as postgres:\/\/user:password@host:5432\/database\./],
      ['mysql://bot:s3cret-pw@db.example/paperboy', /DATABASE_URL must start with postgres:\/\/ or postgresql:\/\/ \(it starts with mysql:\/\/\)/],
      ['postgres://bot:s3cret/pw@db.example/paperboy', /DATABASE_URL is not a valid URL; .*percent-encoding/],
      ['postgres://bot:12#s3cret@db.example/paperboy', /DATABASE_URL contains a #; percent-encode it as %23/],
      [
        'postgres://bot:s3cret@db.example/paperboy?sslmode=requird',
        /DATABASE_URL has sslmode=requird; use one of disable, prefer, require, verify-ca, verify-full/,
      ],
    ];
    for (const [value, expected] of cases) {
      const r = loadConfig({ DATABASE_URL: value });
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error).toMatch(expected);
      expect(r.error).not.toContain('s3cret');
      expect(r.error.split('\n')).toEqual([expect.stringMatching(/^Invalid configuration: DATABASE_URL /)]);
    }
  });
});

describe('logger', () => {
  it('redacts tokens, secrets and authorization headers wherever they appear', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const log = createLogger('info', sink);
    log.info(
      {
        config: { botToken: 'xoxb-secret-1', signingSecret: 'sig-secret-2' },
        req: { headers: { authorization: 'Bot discord-secret-3' } },
        token: 'tok-secret-4',
        env: { HF_TOKEN: 'hf-secret-5' },
        hf: { token: 'hf-secret-6' },
        config2: { databaseUrl: 'postgres://bot:pg-secret-7@db/paperboy' },
        env2: { DATABASE_URL: 'postgres://bot:pg-secret-8@db/paperboy' },
        pg: { password: 'pg-secret-9' },
      },
      'hello',
    );
    expect(out).toMatch(/hello/);
    expect(out).not.toMatch(/secret-[1-9]/);
    expect(out).toMatch(/\[redacted\]/);
  });

  describe('Slack OAuth mode', () => {
    const KEY = Buffer.alloc(32, 7).toString('base64');
    const OAUTH = {
      SLACK_CLIENT_ID: '111.222',
      SLACK_CLIENT_SECRET: 'client-secret-value',
      SLACK_STATE_SECRET: 'state-secret-value',
      SLACK_SIGNING_SECRET: 'sig',
    };

    it('the four variables and PAPERBOY_SECRET_KEY without SLACK_BOT_TOKEN mean OAuth mode over HTTP', () => {
      const r = loadConfig({ ...OAUTH, PAPERBOY_SECRET_KEY: KEY });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value.slack?.oauth).toEqual({ clientId: '111.222', clientSecret: 'client-secret-value', stateSecret: 'state-secret-value' });
      expect(r.value.slack?.botToken).toBeUndefined();
      expect(r.value.secretKeys?.current.equals(Buffer.alloc(32, 7))).toBe(true);
    });

    it('without PAPERBOY_SECRET_KEY, or with a malformed one, start-up stops on one line naming it, never echoing it', () => {
      const missing = loadConfig({ ...OAUTH });
      expect(!missing.ok && missing.error.split('\n')).toEqual([expect.stringMatching(/^Invalid configuration: PAPERBOY_SECRET_KEY is required/)]);
      const bad = loadConfig({ ...OAUTH, PAPERBOY_SECRET_KEY: 'not-a-key-at-all' });
      expect(!bad.ok && bad.error.split('\n')).toEqual([
        expect.stringMatching(/^Invalid configuration: PAPERBOY_SECRET_KEY must be 32 random bytes in base64 or hex/),
      ]);
      expect(!bad.ok && bad.error).not.toContain('not-a-key-at-all');
      expect(!bad.ok && bad.error).not.toContain('client-secret-value');
    });

    it('a missing OAuth variable is named; SLACK_BOT_TOKEN keeps single-workspace mode', () => {
      const half = loadConfig({ SLACK_CLIENT_ID: '111.222', PAPERBOY_SECRET_KEY: KEY });
      expect(!half.ok && half.error).toMatch(/SLACK_CLIENT_SECRET is required/);
      expect(!half.ok && half.error).toMatch(/SLACK_STATE_SECRET is required/);
      expect(!half.ok && half.error).toMatch(/SLACK_SIGNING_SECRET is required/);
      const single = loadConfig({ ...OAUTH, SLACK_BOT_TOKEN: 'xoxb-1' });
      expect(single.ok && single.value.slack).toMatchObject({ botToken: 'xoxb-1' });
      expect(single.ok && single.value.slack?.oauth).toBeUndefined();
    });

    it('PAPERBOY_SECRET_KEY_PREVIOUS is read beside the new key while rotating', () => {
      const r = loadConfig({ ...OAUTH, PAPERBOY_SECRET_KEY: KEY, PAPERBOY_SECRET_KEY_PREVIOUS: Buffer.alloc(32, 9).toString('hex') });
      expect(r.ok && r.value.secretKeys?.previous?.equals(Buffer.alloc(32, 9))).toBe(true);
    });
  });
});
