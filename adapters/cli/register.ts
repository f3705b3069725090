// `paperboy register`: registers the Discord /papers command (in one guild, or globally).
import { OperatorError } from '../../src/errors.js';
import { HELP_FLAG, type ParsedArgs } from './args.js';
import { firstLine, notConfigured, type CliOnly, type Ctx } from './context.js';

/** `paperboy register`. */
export const registerSubcommand: CliOnly = {
  name: 'register',
  description: 'Register the Discord /papers command (in DISCORD_GUILD_ID, or globally)',
  spec: { flags: [HELP_FLAG] },
  run: registerCommand,
};

async function registerCommand(_args: ParsedArgs, ctx: Ctx): Promise<number> {
  const discord = ctx.config.discord;
  if (!discord)
    return notConfigured(
      ctx.io,
      'Nothing to register: set DISCORD_TOKEN and DISCORD_APP_ID (and DISCORD_GUILD_ID to register in one server instantly); see README.md.',
    );
  const { registerCommands } = await import('../discord/commands.js');
  let r: Awaited<ReturnType<typeof registerCommands>>;
  try {
    r = await registerCommands({ config: discord, commands: ctx.app.dispatcher.commands });
  } catch (e) {
    throw new OperatorError(`Could not register /papers with Discord: ${firstLine(e)}`, [
      'Check DISCORD_TOKEN, DISCORD_APP_ID and DISCORD_API_URL (see README.md).',
    ]);
  }
  ctx.io.stdout.write(
    `Registered /papers with ${r.subcommands.length} subcommands (${r.subcommands.join(', ')}) and the "Paper card" message command ${r.scope === 'guild' ? `in guild ${discord.guildId ?? ''}; it is available now` : 'globally; it can take up to an hour to appear'}.\n`,
  );
  return 0;
}
