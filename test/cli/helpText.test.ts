// `paperboy help` prints text written ahead of time from the subcommand table: it must stay equal to what the table generates.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SUBCOMMAND_HELP, USAGE } from '../../adapters/cli/helpText.js';
import { main } from '../../adapters/cli/index.js';
import { CHAT_COMMANDS, CLI_ONLY, helpFor, unknownSubcommand, usage } from '../../adapters/cli/subcommands.js';
import { sink } from '../support/streams.js';

/** Runs `paperboy <args>` in this process; help reads no environment or data dir. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const stdin = Object.assign(Readable.from([]), { isTTY: false });
  const code = await main(args, { stdin, stdout, stderr, env: {} });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const NAMES = [...CHAT_COMMANDS, ...CLI_ONLY].map((c) => c.name);

describe('the help text written from the subcommand table', () => {
  it('equals what the subcommand table generates, for the whole usage and every subcommand (after changing a command: npm run help:text)', () => {
    expect(USAGE).toBe(usage());
    expect(Object.keys(SUBCOMMAND_HELP).sort()).toEqual([...NAMES].sort());
    for (const name of NAMES) expect(SUBCOMMAND_HELP[name], name).toBe(helpFor(name));
  });

  it('paperboy help, --help and help <subcommand> print the table’s text byte for byte', async () => {
    for (const args of [[], ['help'], ['--help'], ['-h'], ['help', '--help']]) expect(await run(args)).toEqual({ code: 0, stdout: `${usage()}\n`, stderr: '' });
    for (const name of NAMES) expect(await run(['help', name])).toEqual({ code: 0, stdout: `${helpFor(name)}\n`, stderr: '' });
  });

  it('help for a name no subcommand has (also one an object has, like constructor) says which is close and lists the subcommands', async () => {
    for (const name of ['serach', 'constructor', '__proto__', 'help']) {
      expect(await run(['help', name])).toEqual({ code: 1, stdout: '', stderr: `${unknownSubcommand(name)}\n\n${usage()}\n` });
    }
  });
});
