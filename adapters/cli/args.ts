// CLI flags generated from each command's args (as the Discord slash command is), parsed into raw command input.
import type { AnyCommand, CommandArg } from '../../src/command.js';
import { err, ok, problem, type Problem, type Result } from '../../src/errors.js';

/** One flag of a subcommand. */
export interface Flag {
  name: string;
  /** A value flag takes the next word (`--limit 5`) or `=value`; a switch takes none. */
  kind: 'value' | 'switch';
  description: string;
  short?: string;
  /** Shown after the flag in help: `N`, `DIR`, `YYYY-MM-DD`. */
  placeholder?: string;
}

/** What a subcommand accepts on the command line. */
export interface FlagSpec {
  /** The input field bare words go to (`search kv cache` → `query`); none means bare words are refused. */
  positional?: { name: string; placeholder: string; description: string };
  flags: Flag[];
}

/** A parsed command line: the raw input (validated later by the command's schema) and the CLI's own switches. */
export interface ParsedArgs {
  input: Record<string, string>;
  switches: Set<string>;
  /** Whether bare words (or `--` words) were given for the positional field. */
  positionalGiven: boolean;
}

/** Switches every subcommand has. */
export const HELP_FLAG: Flag = { name: 'help', short: 'h', kind: 'switch', description: 'Show this help' };
export const JSON_FLAG: Flag = { name: 'json', kind: 'switch', description: 'Print JSON on stdout (logs stay on stderr)' };

function placeholder(arg: CommandArg): string {
  if (arg.type === 'integer') return 'N';
  return arg.name.toUpperCase();
}

/**
 * The flags of a registry command, from its `args`: the first text arg also takes bare words,
 * every arg is a `--name` flag (paging flags only exist here; chat pages with buttons).
 */
export function commandFlagSpec(command: AnyCommand): FlagSpec {
  const first = command.args.find((a) => a.type === 'string' && !a.cliOnly);
  const flags: Flag[] = command.args.map((a) => ({
    name: a.name,
    kind: 'value',
    description: `${a.description}${a.defaultValue !== undefined && !/default/i.test(a.description) ? ` (default ${a.defaultValue})` : ''}`,
    placeholder: placeholder(a),
    ...(a.short ? { short: a.short } : {}),
  }));
  if (command.name !== 'help') flags.push(JSON_FLAG);
  flags.push(HELP_FLAG);
  return {
    ...(first ? { positional: { name: first.name, placeholder: command.usage, description: first.description } } : {}),
    flags,
  };
}

/**
 * Parses argv against a spec. `--name value`, `--name=value`, `-n value`; `--` ends the flags.
 * A word like `-benchmark` is text (search exclusions), while an unknown `--flag` or `-x` is refused
 * the same way for every subcommand, so a typo is never silently searched for.
 */
export function parseFlags(subcommand: string, spec: FlagSpec, argv: readonly string[]): Result<ParsedArgs, Problem> {
  const input: Record<string, string> = {};
  const switches = new Set<string>();
  const words: string[] = [];
  const byName = new Map(spec.flags.map((f) => [f.name, f]));
  const byShort = new Map(spec.flags.filter((f) => f.short).map((f) => [f.short as string, f]));
  const unknown = (token: string) =>
    err(
      problem(`Unknown option ${token} for ${subcommand}.`, [
        `Options: ${spec.flags.map((f) => flagUsage(f)).join(', ')}.`,
        ...(spec.positional ? ['Put -- before words that start with - to search for them as they are.'] : []),
        `See paperboy ${subcommand} --help.`,
      ]),
    );
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (token === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    let flag: Flag | undefined;
    let inline: string | undefined;
    const long = /^--([^=]+)(?:=([\s\S]*))?$/.exec(token);
    if (long) {
      flag = byName.get(long[1] ?? '');
      inline = long[2];
      if (!flag) return unknown(`--${long[1] ?? ''}`);
    } else if (/^-[^-\d]$/.test(token)) {
      flag = byShort.get(token.slice(1));
      if (!flag) return unknown(token);
    } else {
      words.push(token);
      continue;
    }
    if (flag.kind === 'switch') {
      if (inline !== undefined) return err(problem(`--${flag.name} takes no value.`, [`See paperboy ${subcommand} --help.`]));
      switches.add(flag.name);
      continue;
    }
    const value = inline ?? argv[i + 1];
    if (inline === undefined) i += 1;
    if (value === undefined) return err(problem(`--${flag.name} needs a value, e.g. --${flag.name} ${example(flag)}.`, [`See paperboy ${subcommand} --help.`]));
    input[flag.name] = value;
  }
  if (words.length > 0) {
    if (!spec.positional) return err(problem(`${subcommand} takes no words (got "${words.join(' ').slice(0, 60)}").`, [`See paperboy ${subcommand} --help.`]));
    if (input[spec.positional.name] !== undefined) {
      return err(problem(`Give the ${spec.positional.name} once: as words or with --${spec.positional.name}, not both.`));
    }
    input[spec.positional.name] = words.join(' ');
  }
  const positionalGiven = spec.positional !== undefined && input[spec.positional.name] !== undefined;
  return ok({ input, switches, positionalGiven });
}

function example(flag: Flag): string {
  return flag.placeholder === 'N' ? '10' : (flag.placeholder ?? 'VALUE');
}

/** `--limit N (-n)` as help and messages show a flag. */
export function flagUsage(f: Flag): string {
  const value = f.kind === 'value' ? ` ${f.placeholder ?? 'VALUE'}` : '';
  return `--${f.name}${value}${f.short ? ` (-${f.short})` : ''}`;
}

/** The help of one subcommand: usage line, description, then each flag. */
export function subcommandHelp(name: string, description: string, spec: FlagSpec): string {
  const usage = [
    `paperboy ${name}`,
    spec.positional ? spec.positional.placeholder : '',
    ...spec.flags.filter((f) => f !== HELP_FLAG).map((f) => `[${flagUsage(f).replace(/ \(-.\)$/, '')}]`),
  ]
    .filter((s) => s !== '')
    .join(' ');
  const rows = spec.flags.map(
    (f) => [`${f.short ? `-${f.short}, ` : ''}--${f.name}${f.kind === 'value' ? ` ${f.placeholder ?? 'VALUE'}` : ''}`, f.description] as const,
  );
  const width = Math.max(...rows.map(([l]) => l.length));
  return [`Usage: ${usage}`, '', `  ${description}`, '', ...rows.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`)].join('\n');
}
