// The Slack slash command listener: `/papers …` runs as a line typed to the core, answered through response_url.
import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { SlackListenerDeps } from './callers.js';
import { unescapeMrkdwn } from './render.js';

const slashSchema = z.object({
  command: z.string(),
  text: z.string().default(''),
  user_id: z.string().optional(),
  channel_id: z.string().optional(),
  channel_name: z.string().optional(),
  team_id: z.string().optional(),
});

/** Answers the slash commands named in `commandNames` (as in the manifest); any other is told which this app answers. */
export function registerSlashCommands(app: App, deps: SlackListenerDeps & { commandNames: readonly string[] }): void {
  const { commandNames, dispatcher, replies } = deps;
  app.command(/.*/, async ({ ack, respond, body, context }) => {
    const cmd = slashSchema.safeParse(body);
    if (!cmd.success || !commandNames.includes(cmd.data.command)) {
      await ack({ response_type: 'ephemeral', text: `This app answers ${commandNames.join(', ')}.` });
      return;
    }
    await ack();
    const channel = cmd.data.channel_id;
    const caller = deps.caller(deps.workspace(context), {
      user: cmd.data.user_id,
      channel,
      team: cmd.data.team_id,
      // NOTE: a slash command in a DM comes from channel D… (named "directmessage"): there is no channel to post into.
      direct: channel?.startsWith('D') === true || cmd.data.channel_name === 'directmessage',
    });
    // `/papers trending 2025-11-27` → trending; unknown first words are a search; nothing is help.
    const line = unescapeMrkdwn(cmd.data.text);
    const reply = await dispatcher.runText(line, caller);
    await replies.respondWith(respond, reply, { share: { line }, replace: false, context: { slash: cmd.data.command, ...caller } });
  });
}
