// The "Paper card" message context-menu command: the cards of every paper link in a message, answered privately.
import { ApplicationCommandType, type RESTPostAPIContextMenuApplicationCommandsJSONBody } from 'discord.js';
import { MAX_LINK_CARDS, paperLinksIn } from '../../src/links/parse.js';
import type { Invocation } from '../../src/ports.js';

/** The command's name as users see it in a message's Apps menu. */
export const PAPER_CARD_COMMAND = 'Paper card';

/**
 * The message command (type 3). A message command receives the message it was used on in the
 * interaction itself, content included, so no privileged Message Content intent is needed.
 * https://discord.com/developers/docs/interactions/application-commands#message-commands
 */
export function paperCardCommandJson(): RESTPostAPIContextMenuApplicationCommandsJSONBody {
  return { name: PAPER_CARD_COMMAND, type: ApplicationCommandType.Message };
}

/**
 * The core's `cards` command for a message: the paper links in its text and in its embeds' URLs
 * (Discord's own link previews), each URL once.
 */
export function paperCardInvocation(m: { content: string; embeds: ReadonlyArray<{ url?: string | null | undefined }> }): Invocation {
  const fromEmbeds = m.embeds.flatMap((e) => (e.url ? [e.url] : []));
  const urls = [...new Set([...paperLinksIn(m.content), ...paperLinksIn(fromEmbeds)].map((l) => l.url))];
  // NOTE: the first links are enough: `cards` shows MAX_LINK_CARDS papers at most, and a message may hold many.
  return { command: 'cards', input: { links: urls.slice(0, MAX_LINK_CARDS * 4) } };
}
