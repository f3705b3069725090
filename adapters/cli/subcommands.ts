// The CLI's subcommand table: chat commands from the registry, the CLI-only ones, and the help text generated from their flag specs.
import { commands as registry } from '../../commands/index.js';
import { closeCommand } from '../../src/dispatch.js';
import { paperJson } from '../../src/papers/model.js';
import { commandFlagSpec, HELP_FLAG, JSON_FLAG, subcommandHelp } from './args.js';
import type { CliOnly } from './context.js';
import { ingestSubcommand } from './ingest.js';
import { migrateTo } from './migrateTo.js';
import { postSubcommand } from './post.js';
import { registerSubcommand } from './register.js';
import { serveSubcommand } from './serve.js';

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
    run: (args, { config, logger, clock, io }) => migrateTo(args.input, { config, logger, clock, stderr: io.stderr, stdout: io.stdout }),
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
