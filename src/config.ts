// The one configuration schema: every environment variable paperboy reads, parsed once at start-up.
import path from 'node:path';
import { z } from 'zod';
import { err, ok, type Result } from './errors.js';
import { PROJECT_ROOT } from './projectRoot.js';
import { parseSecretKey } from './secretBox.js';
import { checkDatabaseUrl } from './store/postgres/url.js';

export { PROJECT_ROOT } from './projectRoot.js';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(blankToUndefined, z.string().trim().optional());
const bool = z.preprocess(
  (v) => (typeof v === 'string' ? blankToUndefined(v.trim().toLowerCase()) : v),
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => v === 'true' || v === '1' || v === 'yes'),
);
const url = (fallback: string) => z.preprocess(blankToUndefined, z.url({ protocol: /^(https?|wss?)$/ }).default(fallback));

/** Worker threads `serve` answers commands in (see README's Performance section for how it was chosen). */
export const DEFAULT_WORKERS = 2;
/** Commands that may wait for a worker before more are answered "busy". */
export const DEFAULT_QUEUE = 256;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** What each variable must be, in words: the sentence a bad value is answered with (the value itself is never echoed). */
const EXPECTED: Record<string, string> = {
  PAPERBOY_TIMEZONE: 'an IANA time zone such as America/New_York, Europe/Berlin or UTC',
  LOG_LEVEL: `one of ${LOG_LEVELS.join(', ')} (any case)`,
  SLACK_PORT: 'a whole number from 1 to 65535',
  SLACK_API_URL: 'an http(s) URL such as https://slack.com/api/',
  DISCORD_APP_ID: 'a numeric snowflake id (the "Application ID" on the Developer Portal)',
  DISCORD_GUILD_ID: 'a numeric snowflake id (right-click the server → Copy Server ID)',
  DISCORD_API_URL: 'an http(s) URL such as https://discord.com/api',
  DISCORD_REGISTER_ON_START: 'true or false (also 1/0, yes/no)',
  DISCORD_PUBLIC_KEY: 'the 64 hex characters (32 bytes) of "Public Key" on the Developer Portal\'s "General Information" page',
  DISCORD_PORT: 'a whole number from 1 to 65535',
  SHARDING_MANAGER: 'true or false',
  PAPERBOY_HEALTH_PORT: 'a whole number from 1 to 65535 (unset: no health endpoint)',
  PAPERBOY_CATCHUP_HOURS: 'a number of hours from 0 to 48, such as 6',
  PAPERBOY_LEASE_SECONDS: 'a whole number of seconds from 1 to 3600 (unset: 600 for scheduled posts, 120 for alerts)',
  PAPERBOY_LEADER_LEASE_SECONDS: 'a whole number of seconds from 3 to 300 (default 30)',
  SLACK_MANAGERS: 'Slack user ids separated by commas, such as U012ABCDEF,U034GHIJKL',
  LLM_BASE_URL: 'an http(s) URL of an OpenAI-compatible API, such as http://127.0.0.1:8080/v1',
  LLM_TIMEOUT_MS: 'a whole number of milliseconds from 1000 to 300000',
  HF_API_URL: 'an http(s) URL such as https://huggingface.co/api',
  HF_TIMEOUT_MS: 'a whole number of milliseconds from 1000 to 120000',
  HF_MAX_RESPONSE_MB: 'a whole number of megabytes from 1 to 1024',
  PAPERBOY_INGEST_EVERY: 'a whole number of minutes from 5 to 1440',
  PAPERBOY_LIVE: 'on or off (also true/false, 1/0, yes/no)',
  PAPERBOY_WORKERS: 'a whole number of worker threads from 0 to 16 (0: commands run on the thread that reads requests)',
  PAPERBOY_QUEUE: 'a whole number from 0 to 10000 (commands that may wait for a worker)',
};

const envSchema = z.object({
  PAPERBOY_DATA_DIR: z.preprocess(blankToUndefined, z.string().default('./data')),
  PAPERBOY_SEEDS_DIR: z.preprocess(blankToUndefined, z.string().default(path.join(PROJECT_ROOT, 'seeds'))),
  PAPERBOY_TIMEZONE: z.preprocess(
    blankToUndefined,
    z.string().default('America/New_York').refine(isTimeZone, 'must be an IANA time zone such as America/New_York'),
  ),
  LOG_LEVEL: z.preprocess((v) => (typeof v === 'string' ? blankToUndefined(v.trim().toLowerCase()) : v), z.enum(LOG_LEVELS).optional()),
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_CLIENT_ID: optionalString,
  SLACK_CLIENT_SECRET: optionalString,
  SLACK_STATE_SECRET: optionalString,
  // NOTE: checked in loadConfig (parseSecretKey), whose sentence never echoes the key.
  PAPERBOY_SECRET_KEY: optionalString,
  PAPERBOY_SECRET_KEY_PREVIOUS: optionalString,
  SLACK_PORT: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(65535).default(3000)),
  SLACK_API_URL: url('https://slack.com/api/'),
  DISCORD_TOKEN: optionalString,
  DISCORD_APP_ID: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\d{5,25}$/, 'must be a numeric snowflake id')
      .optional(),
  ),
  DISCORD_GUILD_ID: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\d{5,25}$/, 'must be a numeric snowflake id')
      .optional(),
  ),
  DISCORD_API_URL: url('https://discord.com/api'),
  DISCORD_REGISTER_ON_START: bool,
  DISCORD_PUBLIC_KEY: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 32 bytes in hex')
      .optional(),
  ),
  DISCORD_PORT: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(65535).default(3001)),
  // Set by shells (terminal width, for wrapping piped output) and by discord.js's ShardingManager (in shard processes).
  COLUMNS: z.preprocess(blankToUndefined, z.coerce.number().int().min(20).max(1000).optional().catch(undefined)),
  SHARDING_MANAGER: bool,
  PAPERBOY_HEALTH_PORT: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(65535).optional()),
  PAPERBOY_CATCHUP_HOURS: z.preprocess(blankToUndefined, z.coerce.number().min(0).max(48).default(6)),
  PAPERBOY_LEASE_SECONDS: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(3600).optional()),
  PAPERBOY_LEADER_LEASE_SECONDS: z.preprocess(blankToUndefined, z.coerce.number().int().min(3).max(300).default(30)),
  SLACK_MANAGERS: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\s*[UW][A-Z0-9]{2,}\s*(,\s*[UW][A-Z0-9]{2,}\s*)*,?\s*$/)
      .transform((v) =>
        v
          .split(',')
          .map((id) => id.trim())
          .filter(Boolean),
      )
      .optional(),
  ),
  LLM_BASE_URL: z.preprocess(blankToUndefined, z.url({ protocol: /^https?$/ }).optional()),
  LLM_MODEL: optionalString,
  LLM_API_KEY: optionalString,
  LLM_TIMEOUT_MS: z.preprocess(blankToUndefined, z.coerce.number().int().min(1000).max(300_000).default(20_000)),
  HF_API_URL: url('https://huggingface.co/api'),
  HF_TOKEN: optionalString,
  HF_TIMEOUT_MS: z.preprocess(blankToUndefined, z.coerce.number().int().min(1000).max(120_000).default(15_000)),
  HF_MAX_RESPONSE_MB: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(1024).default(16)),
  PAPERBOY_INGEST_EVERY: z.preprocess(blankToUndefined, z.coerce.number().int().min(5).max(1440).default(60)),
  PAPERBOY_LIVE: z.preprocess(
    (v) => (typeof v === 'string' ? blankToUndefined(v.trim().toLowerCase()) : v),
    z
      .enum(['on', 'off', 'true', 'false', '1', '0', 'yes', 'no'])
      .optional()
      .transform((v) => v === undefined || v === 'on' || v === 'true' || v === '1' || v === 'yes'),
  ),
  PAPERBOY_WORKERS: z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(16).default(DEFAULT_WORKERS)),
  PAPERBOY_QUEUE: z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(10_000).default(DEFAULT_QUEUE)),
  // NOTE: checked in loadConfig (checkDatabaseUrl), whose sentence says what is wrong with it without echoing the password.
  DATABASE_URL: z.preprocess(blankToUndefined, z.string().trim().optional()),
});

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Slack settings; `appToken` set means Socket Mode, otherwise HTTP mode with a signing secret. One
 * workspace with `botToken` (SLACK_BOT_TOKEN); any number installed by OAuth with `oauth` instead.
 */
export interface SlackConfig {
  /** Single-workspace mode: the one workspace's bot token. Absent in OAuth mode. */
  botToken?: string;
  /** OAuth mode (no SLACK_BOT_TOKEN): workspaces install the app at /slack/install; their tokens live in the database. */
  oauth?: SlackOAuthConfig;
  signingSecret?: string;
  appToken?: string;
  port: number;
  apiUrl: string;
  /** SLACK_MANAGERS: when set, only these users (and workspace admins and owners) may change a channel's subscriptions. */
  managers?: string[];
}

/** Slack OAuth v2 distribution: the app's credentials from "Basic Information", and the secret that signs install states. */
export interface SlackOAuthConfig {
  clientId: string;
  clientSecret: string;
  stateSecret: string;
}

/** PAPERBOY_SECRET_KEY (32 bytes) and, while rotating, PAPERBOY_SECRET_KEY_PREVIOUS: what seals secrets at rest. */
export interface SecretKeys {
  current: Buffer;
  previous?: Buffer;
}

/** Discord settings; `guildId` registers commands to one guild (instant, for development). */
export interface DiscordConfig {
  token: string;
  appId: string;
  guildId?: string;
  apiUrl: string;
  registerOnStart: boolean;
  /**
   * DISCORD_PUBLIC_KEY: when set, interactions come over HTTP (`POST /discord/interactions` on `port`), verified
   * with this Ed25519 key (hex), and no gateway connection is opened.
   */
  publicKey?: string;
  /** DISCORD_PORT: where HTTP interactions are answered (default 3001). */
  port: number;
}

/** The optional model that writes `ask` answers: any OpenAI-compatible chat-completions server. */
export interface LlmConfig {
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** NOTE: milliseconds. */
  timeoutMs: number;
}

/** The Hugging Face API: where it is, the optional token (sent as a bearer, never logged), the per-request timeout. */
export interface HfConfig {
  apiUrl: string;
  token?: string;
  timeoutMs: number;
  /** HF_MAX_RESPONSE_MB in bytes: a larger answer is abandoned as it streams in (unset: the client's default). */
  maxResponseBytes?: number;
}

/** The live ingest `serve` runs: whether (PAPERBOY_LIVE, off for offline use) and how often (PAPERBOY_INGEST_EVERY minutes). */
export interface LiveConfig {
  enabled: boolean;
  everyMinutes: number;
}

/** How `serve` runs commands: in `workers` threads (0: on the thread reading chat requests), with `queue` more waiting at most. */
export interface PoolConfig {
  workers: number;
  queue: number;
}

/** The parsed configuration. Nothing else in the program reads `process.env`. */
export interface Config {
  dataDir: string;
  seedsDir: string;
  timeZone: string;
  /** LOG_LEVEL when set; unset means `info`, or `warn` under the console chat (logs share its terminal). */
  logLevel?: string;
  slack?: SlackConfig;
  discord?: DiscordConfig;
  /** Set when LLM_BASE_URL and LLM_MODEL are: `ask` answers are written by that model. */
  llm?: LlmConfig;
  /** Terminal width from COLUMNS, for wrapping output that goes to a pipe. */
  terminalColumns?: number;
  /** This process is one Discord shard spawned by `serve --shards` (discord.js sets SHARDING_MANAGER). */
  discordShardChild: boolean;
  /** PAPERBOY_HEALTH_PORT: where `serve` answers GET /healthz (unset: off). */
  healthPort?: number;
  /** PAPERBOY_CATCHUP_HOURS: a scheduled post missed by at most this long is posted late at start. */
  catchupHours: number;
  /**
   * PAPERBOY_LEASE_SECONDS: how long a process's claim on a scheduled post or an alert holds without
   * being renewed (it is renewed while the work runs), i.e. how soon another process takes over the
   * work of one that died. Unset: each job's default.
   */
  leaseSeconds?: number;
  /**
   * PAPERBOY_LEADER_LEASE_SECONDS: how long the replica leading the background work (live ingest, alert
   * planning, list fetches before posts) may go without renewing before another replica takes over; it
   * renews every third of it.
   */
  leaderLeaseSeconds: number;
  hf: HfConfig;
  live: LiveConfig;
  /** PAPERBOY_WORKERS and PAPERBOY_QUEUE. */
  pool: PoolConfig;
  /**
   * DATABASE_URL: a postgres:// or postgresql:// URL (sslmode/sslrootcert honoured) makes paperboy
   * keep everything in that PostgreSQL database; unset, the SQLite file in the data dir. Holds a
   * password: show it only through redactUrl (src/store/postgres/url.ts).
   */
  databaseUrl?: string;
  /** PAPERBOY_SECRET_KEY (required in Slack OAuth mode): seals installation tokens in the database. */
  secretKeys?: SecretKeys;
}

/** What a bad environment gets: one line for one problem (the operator reads it in a crash loop's log), a list for several. */
function invalid(problems: readonly string[]): string {
  return problems.length === 1 ? `Invalid configuration: ${problems[0] ?? ''}` : `Invalid configuration:\n  ${problems.join('\n  ')}`;
}

/**
 * Parses the environment. Failures name each variable and how to fix it, and never
 * echo a value (a mistyped token must not end up in a terminal scroll-back or CI log).
 */
export function loadConfig(env: Record<string, string | undefined>): Result<Config, string> {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '')))].map(
      (name) => `${name} must be ${EXPECTED[name] ?? 'set to a valid value'}.`,
    );
    return err(invalid(lines));
  }
  const e = parsed.data;
  const problems: string[] = [];

  let slack: SlackConfig | undefined;
  const oauthSet = [e.SLACK_CLIENT_ID, e.SLACK_CLIENT_SECRET, e.SLACK_STATE_SECRET].some((v) => v !== undefined);
  const slackSet = [e.SLACK_BOT_TOKEN, e.SLACK_SIGNING_SECRET, e.SLACK_APP_TOKEN].some((v) => v !== undefined) || oauthSet;
  const secretKeys = readSecretKeys(e.PAPERBOY_SECRET_KEY, e.PAPERBOY_SECRET_KEY_PREVIOUS, problems);
  if (slackSet && oauthSet && !e.SLACK_BOT_TOKEN) {
    // OAuth mode: workspaces install the app themselves; their tokens are sealed in the database.
    const missing = (
      [
        ['SLACK_CLIENT_ID', e.SLACK_CLIENT_ID, 'the Client ID from "Basic Information"'],
        ['SLACK_CLIENT_SECRET', e.SLACK_CLIENT_SECRET, 'the Client Secret from "Basic Information"'],
        ['SLACK_STATE_SECRET', e.SLACK_STATE_SECRET, 'any long random string; it signs the install links'],
        ['SLACK_SIGNING_SECRET', e.SLACK_SIGNING_SECRET, 'the Signing Secret from "Basic Information"'],
      ] as const
    ).filter(([, v]) => v === undefined);
    for (const [name, , what] of missing) problems.push(`${name} is required to install Slack by OAuth (${what}).`);
    if (e.SLACK_APP_TOKEN) problems.push('SLACK_APP_TOKEN cannot be used to install Slack by OAuth: OAuth mode serves HTTP (unset SLACK_APP_TOKEN).');
    if (e.PAPERBOY_SECRET_KEY === undefined)
      problems.push('PAPERBOY_SECRET_KEY is required to install Slack by OAuth: 32 random bytes in base64 or hex (openssl rand -base64 32).');
    if (
      missing.length === 0 &&
      !e.SLACK_APP_TOKEN &&
      secretKeys &&
      e.SLACK_CLIENT_ID &&
      e.SLACK_CLIENT_SECRET &&
      e.SLACK_STATE_SECRET &&
      e.SLACK_SIGNING_SECRET
    ) {
      slack = {
        oauth: { clientId: e.SLACK_CLIENT_ID, clientSecret: e.SLACK_CLIENT_SECRET, stateSecret: e.SLACK_STATE_SECRET },
        signingSecret: e.SLACK_SIGNING_SECRET,
        port: e.SLACK_PORT,
        apiUrl: withTrailingSlash(e.SLACK_API_URL),
      };
      if (e.SLACK_MANAGERS && e.SLACK_MANAGERS.length > 0) slack.managers = e.SLACK_MANAGERS;
    }
  } else if (slackSet) {
    if (!e.SLACK_BOT_TOKEN) problems.push('SLACK_BOT_TOKEN is required when any Slack variable is set (the xoxb-… token from "OAuth & Permissions").');
    if (!e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET)
      problems.push('Slack needs SLACK_APP_TOKEN (Socket Mode, an xapp-… token) or SLACK_SIGNING_SECRET (HTTP mode, from "Basic Information").');
    if (e.SLACK_BOT_TOKEN && (e.SLACK_APP_TOKEN || e.SLACK_SIGNING_SECRET)) {
      slack = { botToken: e.SLACK_BOT_TOKEN, port: e.SLACK_PORT, apiUrl: withTrailingSlash(e.SLACK_API_URL) };
      if (e.SLACK_SIGNING_SECRET) slack.signingSecret = e.SLACK_SIGNING_SECRET;
      if (e.SLACK_APP_TOKEN) slack.appToken = e.SLACK_APP_TOKEN;
      if (e.SLACK_MANAGERS && e.SLACK_MANAGERS.length > 0) slack.managers = e.SLACK_MANAGERS;
    }
  }

  let discord: DiscordConfig | undefined;
  const discordSet = [e.DISCORD_TOKEN, e.DISCORD_APP_ID, e.DISCORD_GUILD_ID, e.DISCORD_PUBLIC_KEY].some((v) => v !== undefined);
  if (discordSet) {
    if (!e.DISCORD_TOKEN) problems.push('DISCORD_TOKEN is required when any Discord variable is set (the bot token from the Developer Portal, "Bot" page).');
    if (!e.DISCORD_APP_ID) problems.push('DISCORD_APP_ID is required when any Discord variable is set (the "Application ID" on the Developer Portal).');
    if (e.DISCORD_TOKEN && e.DISCORD_APP_ID) {
      discord = {
        token: e.DISCORD_TOKEN,
        appId: e.DISCORD_APP_ID,
        apiUrl: e.DISCORD_API_URL.replace(/\/+$/, ''),
        registerOnStart: e.DISCORD_REGISTER_ON_START,
        port: e.DISCORD_PORT,
      };
      if (e.DISCORD_GUILD_ID) discord.guildId = e.DISCORD_GUILD_ID;
      if (e.DISCORD_PUBLIC_KEY) discord.publicKey = e.DISCORD_PUBLIC_KEY.toLowerCase();
    }
  }

  let llm: LlmConfig | undefined;
  if (e.LLM_BASE_URL !== undefined || e.LLM_MODEL !== undefined || e.LLM_API_KEY !== undefined) {
    if (!e.LLM_BASE_URL) problems.push('LLM_BASE_URL is required when LLM_MODEL or LLM_API_KEY is set (e.g. http://127.0.0.1:8080/v1 for llama.cpp).');
    if (!e.LLM_MODEL) problems.push('LLM_MODEL is required when LLM_BASE_URL is set (the model name the server knows, e.g. qwen2.5-7b-instruct).');
    if (e.LLM_BASE_URL && e.LLM_MODEL) {
      llm = { baseUrl: e.LLM_BASE_URL, model: e.LLM_MODEL, timeoutMs: e.LLM_TIMEOUT_MS };
      if (e.LLM_API_KEY) llm.apiKey = e.LLM_API_KEY;
    }
  }

  if (e.DATABASE_URL !== undefined) {
    const checked = checkDatabaseUrl(e.DATABASE_URL);
    if (!checked.ok) problems.push(checked.error);
  }

  if (problems.length > 0) return err(invalid(problems));
  const config: Config = {
    dataDir: path.resolve(e.PAPERBOY_DATA_DIR),
    seedsDir: path.resolve(e.PAPERBOY_SEEDS_DIR),
    timeZone: e.PAPERBOY_TIMEZONE,
    discordShardChild: e.SHARDING_MANAGER,
    catchupHours: e.PAPERBOY_CATCHUP_HOURS,
    leaderLeaseSeconds: e.PAPERBOY_LEADER_LEASE_SECONDS,
    hf: {
      apiUrl: e.HF_API_URL.replace(/\/+$/, ''),
      timeoutMs: e.HF_TIMEOUT_MS,
      maxResponseBytes: e.HF_MAX_RESPONSE_MB * 1024 * 1024,
      ...(e.HF_TOKEN ? { token: e.HF_TOKEN } : {}),
    },
    live: { enabled: e.PAPERBOY_LIVE, everyMinutes: e.PAPERBOY_INGEST_EVERY },
    pool: { workers: e.PAPERBOY_WORKERS, queue: e.PAPERBOY_QUEUE },
  };
  if (e.PAPERBOY_HEALTH_PORT !== undefined) config.healthPort = e.PAPERBOY_HEALTH_PORT;
  if (e.PAPERBOY_LEASE_SECONDS !== undefined) config.leaseSeconds = e.PAPERBOY_LEASE_SECONDS;
  if (e.COLUMNS !== undefined) config.terminalColumns = e.COLUMNS;
  if (e.LOG_LEVEL !== undefined) config.logLevel = e.LOG_LEVEL;
  if (slack) config.slack = slack;
  if (discord) config.discord = discord;
  if (llm) config.llm = llm;
  if (e.DATABASE_URL !== undefined) config.databaseUrl = e.DATABASE_URL;
  if (secretKeys) config.secretKeys = secretKeys;
  return ok(config);
}

/** PAPERBOY_SECRET_KEY and PAPERBOY_SECRET_KEY_PREVIOUS as keys; a malformed one is a problem naming it (never its value). */
function readSecretKeys(current: string | undefined, previous: string | undefined, problems: string[]): SecretKeys | undefined {
  const c = current === undefined ? undefined : parseSecretKey(current);
  const p = previous === undefined ? undefined : parseSecretKey(previous);
  if (c && !c.ok) problems.push(`PAPERBOY_SECRET_KEY ${c.error}.`);
  if (p && !p.ok) problems.push(`PAPERBOY_SECRET_KEY_PREVIOUS ${p.error}.`);
  if (p && current === undefined) problems.push('PAPERBOY_SECRET_KEY_PREVIOUS is only read while rotating: set PAPERBOY_SECRET_KEY to the new key too.');
  if (!c?.ok || (p && !p.ok)) return undefined;
  return { current: c.value, ...(p?.ok ? { previous: p.value } : {}) };
}

function withTrailingSlash(u: string): string {
  return u.endsWith('/') ? u : `${u}/`;
}
