// The CLI's subcommand table: chat commands from the registry, the CLI-only ones (flags here, code loaded when run), and the help text generated from their flag specs.
import { commands as registry } from '../../commands/index.js';
import { closeCommand } from '../../src/dispatch.js';
import { paperJson } from '../../src/papers/model.js';
import { DEFAULT_TOP, MAX_TOP } from '../../src/scheduler/spec.js';
import { commandFlagSpec, HELP_FLAG, JSON_FLAG, subcommandHelp } from './args.js';
import type { CliOnly } from './context.js';
import { registerSubcommand } from './register.js';

/** `paperboy ingest`. */
const ingestSubcommand: CliOnly = {
  name: 'ingest',
  description: 'Ingest daily lists from the Hugging Face API (--date, --since), or page dumps from a folder (idempotent)',
  spec: {
    flags: [
      { name: 'seeds', kind: 'value', placeholder: 'DIR', description: 'The folder of page dumps (*.txt); default PAPERBOY_SEEDS_DIR' },
      { name: 'date', kind: 'value', placeholder: 'YYYY-MM-DD', description: "One day's Hugging Face daily list (New York date)" },
      { name: 'since', kind: 'value', placeholder: 'YYYY-MM-DD', description: 'Every daily list from this day (up to 366 days; completed days are skipped)' },
      { name: 'until', kind: 'value', placeholder: 'YYYY-MM-DD', description: 'With --since: the last day (default today)' },
      { name: 'refresh', kind: 'switch', description: 'Fetch days again even when they are already complete' },
      HELP_FLAG,
    ],
  },
  run: (args, ctx) => import('./ingest.js').then((m) => m.ingestCommand(args, ctx)),
};

/** `paperboy serve`. */
const serveSubcommand: CliOnly = {
  name: 'serve',
  description: 'Start the configured chat adapters (Slack, Discord), or the console chat when none is configured',
  spec: {
    flags: [
      {
        name: 'shards',
        kind: 'value',
        placeholder: 'auto|N|0-3',
        description: 'Discord: one process per shard (auto asks Discord); with --total-shards, the shards this host runs',
      },
      { name: 'total-shards', kind: 'value', placeholder: 'N', description: "Discord: the bot's shards across every host (the same on each)" },
      HELP_FLAG,
    ],
  },
  run: (args, ctx) => import('./serve.js').then((m) => m.serveCommand(args, ctx)),
};

/** `paperboy post`. */
const postSubcommand: CliOnly = {
  name: 'post',
  description: 'Post the trending list to one channel now, once per list (for cron): post trending --platform slack|discord --channel ID',
  spec: {
    positional: { name: 'what', placeholder: 'trending', description: 'What to post (trending)' },
    flags: [
      { name: 'platform', kind: 'value', placeholder: 'slack|discord', description: 'The platform to post on (its variables must be set)' },
      { name: 'channel', kind: 'value', placeholder: 'ID', description: 'The channel id (Slack C…, Discord snowflake)' },
      { name: 'guild', kind: 'value', placeholder: 'ID', description: 'Discord: the server the channel is in (optional)' },
      { name: 'date', kind: 'value', placeholder: 'YYYY-MM-DD', description: "The list's date (default: the newest list)" },
      { name: 'top', kind: 'value', placeholder: 'N', description: `How many papers (1-${MAX_TOP}, default ${DEFAULT_TOP})` },
      HELP_FLAG,
    ],
  },
  run: (args, ctx) => import('./post.js').then((m) => m.postCommand(args, ctx)),
};

/** The subcommands only the CLI has. Each one's code is loaded when it runs: a search never loads serve's or ingest's. */
export const CLI_ONLY: readonly CliOnly[] = [
  {
    name: 'papers',
    description: 'Every stored paper, as JSON',
    spec: { flags: [JSON_FLAG, HELP_FLAG] },
    run: async (_args, { app, io }) => {
      io.stdout.write(`${JSON.stringify(app.store.all().map(paperJson))}\n`);
      return 0;
    },
  },
  ingestSubcommand,
  serveSubcommand,
  postSubcommand,
  registerSubcommand,
  {
    name: 'migrate',
    description: 'Copy this data dir’s SQLite deployment into an empty PostgreSQL database (resumable; run again after a stop)',
    spec: {
      flags: [
        { name: 'to', kind: 'value', placeholder: 'DATABASE_URL', description: 'The PostgreSQL database to copy into (postgres://user:password@host:5432/db)' },
        HELP_FLAG,
      ],
    },
    alone: true,
    run: async (args, { config, logger, clock, io }) => {
      const { migrateTo } = await import('./migrateTo.js');
      return migrateTo(args.input, { config, logger, clock, stderr: io.stderr, stdout: io.stdout });
    },
  },
];

/** Registry commands the CLI exposes as subcommands (help is the CLI's own). */
export const CHAT_COMMANDS = registry.filter((c) => c.name !== 'help');

/** The whole usage text, generated from the same specs the flags are parsed with. */
export function usage(): string {
  const rows: Array<[string, string]> = [
    ...CHAT_COMMANDS.map((c): [string, string] => [`${c.name} ${c.usage}`.trimEnd(), c.description]),
    ...CLI_ONLY.map((c): [string, string] => [
      c.name +
        (c.spec.positional ? ` ${c.spec.positional.placeholder}` : '') +
        c.spec.flags
          .filter((f) => f.name !== 'help' && f.name !== 'json')
          .map((f) => ` [--${f.name}${f.kind === 'value' ? ` ${f.placeholder ?? 'VALUE'}` : ''}]`)
          .join(''),
      c.description,
    ]),
    ['help [subcommand]', 'This text, or one subcommand’s flags'],
  ];
  return [
    'Usage: paperboy <subcommand> [options]',
    '',
    ...rows.map(([u, d]) => `  ${u}\n      ${d}`),
    '',
    'Every subcommand takes --help. List subcommands take --limit N (-n N), --offset N and --json.',
    'Logs go to stderr; JSON goes to stdout alone. paperboy --version prints the version.',
  ].join('\n');
}

export function helpFor(name: string): string | null {
  const chat = CHAT_COMMANDS.find((c) => c.name === name);
  if (chat) return subcommandHelp(chat.name, chat.description, commandFlagSpec(chat));
  const own = CLI_ONLY.find((c) => c.name === name);
  return own ? subcommandHelp(own.name, own.description, own.spec) : null;
}

/** `Unknown subcommand "serach" — did you mean "search"?`: the closest subcommand within two edits, when there is one. */
export function unknownSubcommand(name: string): string {
  const close = closeCommand(name, [...CHAT_COMMANDS.map((c) => c.name), ...CLI_ONLY.map((c) => c.name), 'help', 'version'], 2, true);
  return close ? `Unknown subcommand "${name}" — did you mean "${close}"?` : `Unknown subcommand "${name}".`;
}
