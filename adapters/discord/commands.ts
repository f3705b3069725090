// Builds the /papers slash command JSON from the core registry and registers it with Discord.
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  REST,
  Routes,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { AnyCommand, CommandArg } from '../../src/command.js';
import type { DiscordConfig } from '../../src/config.js';
import { clip as clipText } from '../../src/reply.js';
import { paperCardCommandJson } from './paperCard.js';

/** The one top-level command; every registry command is a subcommand of it. */
export const ROOT_COMMAND = 'papers';

// NOTE: Discord limits: 25 subcommands/options/choices, 100-char descriptions and choice names,
// names of 1–32 lowercase letters, digits, `-` or `_`, string max_length 1–6000.
// https://discord.com/developers/docs/interactions/application-commands#application-command-object
const MAX_OPTIONS = 25;
const MAX_DESCRIPTION = 100;
const NAME = /^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$/u;

/** Clips to a Discord limit, which counts UTF-16 code units. */
function clip(s: string, n: number): string {
  return clipText(s, n, { units: 'utf16' });
}

function description(s: string): string {
  return clip(s.trim() === '' ? '-' : s.trim(), MAX_DESCRIPTION);
}

function option(arg: CommandArg): APIApplicationCommandBasicOption {
  const base = { name: arg.name.toLowerCase(), description: description(arg.description), required: arg.required };
  const choices = arg.choices?.slice(0, MAX_OPTIONS);
  if (arg.type === 'integer') {
    return {
      ...base,
      type: ApplicationCommandOptionType.Integer,
      ...(arg.minValue !== undefined ? { min_value: arg.minValue } : {}),
      ...(arg.maxValue !== undefined ? { max_value: arg.maxValue } : {}),
      ...(choices && choices.length > 0
        ? { choices: choices.map((c) => ({ name: clip(c.name, 100), value: Number(c.value) })) }
        : arg.autocomplete
          ? { autocomplete: true }
          : {}),
    } as APIApplicationCommandBasicOption;
  }
  return {
    ...base,
    type: ApplicationCommandOptionType.String,
    ...(arg.maxLength !== undefined ? { max_length: Math.min(Math.max(arg.maxLength, 1), 6000) } : {}),
    // NOTE: Discord rejects an option that has both choices and autocomplete; choices win.
    ...(choices && choices.length > 0
      ? { choices: choices.map((c) => ({ name: clip(c.name, 100), value: clip(c.value, 100) })) }
      : arg.autocomplete
        ? { autocomplete: true }
        : {}),
  } as APIApplicationCommandBasicOption;
}

/**
 * The `/papers` command with one subcommand per registry command, generated from each
 * command's `args`, so adding a command in commands/ needs no Discord code. Required options
 * come first, as Discord demands.
 */
export function buildCommandJson(commands: readonly AnyCommand[]): RESTPostAPIChatInputApplicationCommandsJSONBody {
  const subcommands: APIApplicationCommandSubcommandOption[] = [];
  for (const c of commands) {
    if (!NAME.test(c.name) || subcommands.length >= MAX_OPTIONS) continue;
    const args = [...c.args].filter((a) => !a.cliOnly && NAME.test(a.name.toLowerCase())).sort((a, b) => Number(b.required) - Number(a.required));
    subcommands.push({
      type: ApplicationCommandOptionType.Subcommand,
      name: c.name,
      description: description(c.description),
      options: args.slice(0, MAX_OPTIONS).map(option),
    });
  }
  return {
    name: ROOT_COMMAND,
    type: ApplicationCommandType.ChatInput,
    description: 'Ask paperboy about recent ML papers',
    options: subcommands,
  };
}

/** Where commands are registered: one guild (instant, for development) or globally (may take up to an hour). */
export function registrationRoute(config: Pick<DiscordConfig, 'appId' | 'guildId'>): `/${string}` {
  return config.guildId ? Routes.applicationGuildCommands(config.appId, config.guildId) : Routes.applicationCommands(config.appId);
}

export interface RegisterResult {
  scope: 'guild' | 'global';
  subcommands: string[];
}

/**
 * Replaces the application's commands with `/papers` and the "Paper card" message command (a bulk PUT, so stale commands disappear).
 * https://discord.com/developers/docs/interactions/application-commands#bulk-overwrite-global-application-commands
 */
export async function registerCommands(opts: { config: DiscordConfig; commands: readonly AnyCommand[]; rest?: REST }): Promise<RegisterResult> {
  const rest = opts.rest ?? new REST({ api: opts.config.apiUrl }).setToken(opts.config.token);
  const body = buildCommandJson(opts.commands);
  await rest.put(registrationRoute(opts.config), { body: [body, paperCardCommandJson()] });
  return { scope: opts.config.guildId ? 'guild' : 'global', subcommands: (body.options ?? []).map((o) => o.name) };
}
