// The CLI adapter: `paperboy <subcommand>`. `--version` and `help` answer here without config or the app; other subcommands load their runner (run.ts).
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/projectRoot.js';
import type { CliDeps, Io } from './context.js';

export type { CliDeps, Io } from './context.js';

function version(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Runs the CLI and returns the process exit code: 0 done (a search that matches nothing is an
 * answer), 1 a mistake in what was asked, 2 the configuration or the environment does not allow
 * it (an operator error). What a subcommand does not need is not loaded: `--version` loads nothing,
 * `help` only its text (helpText.ts), and no chat SDK is loaded unless `serve` or `register` needs it.
 */
export async function main(argv: readonly string[], io: Io, deps: CliDeps = {}): Promise<number> {
  const [sub = 'help', ...rest] = argv;
  if (sub === '--version' || sub === '-v' || sub === 'version') {
    io.stdout.write(`paperboy ${version()}\n`);
    return 0;
  }
  if (sub === 'help' || sub === '--help' || sub === '-h') {
    // NOTE: the help text is written from the subcommand table ahead of time (helpText.ts), so help loads
    // neither zod nor the commands; only a name it does not know loads the table, to say which is close.
    const { SUBCOMMAND_HELP, USAGE } = await import('./helpText.js');
    const asked = rest[0] === '--help' || rest[0] === '-h' ? undefined : rest[0];
    const one = asked && Object.hasOwn(SUBCOMMAND_HELP, asked) ? SUBCOMMAND_HELP[asked] : null;
    if (asked && !one) {
      const { unknownSubcommand } = await import('./subcommands.js');
      io.stderr.write(`${unknownSubcommand(asked)}\n\n${USAGE}\n`);
      return 1;
    }
    io.stdout.write(`${one ?? USAGE}\n`);
    return 0;
  }
  const { runCli } = await import('./run.js');
  return runCli(argv, io, deps);
}
