// Slack link unfurls: on `link_shared`, one chat.unfurl that gives each paper link in the message a compact card.
import type { App, Context, types, webApi } from '@slack/bolt';
import { z } from 'zod';
import { describeError } from '../../src/errorInfo.js';
import { paperLinkId } from '../../src/links/parse.js';
import type { Logger } from '../../src/logger.js';
import type { Caller, Inbound } from '../../src/ports.js';
import type { PaperCard, Reply } from '../../src/reply.js';
import { extraLinks, oneLine } from '../../src/replyFormat.js';
import { escapeClipped, escapeMrkdwn, link, metaLine } from './render.js';

/**
 * The event Slack sends when a message (or the composer) holds a link to a domain in the manifest's
 * `unfurl_domains`. https://docs.slack.dev/reference/events/link_shared
 */
const linkSharedSchema = z.object({
  channel: z.string(),
  user: z.string().optional(),
  message_ts: z.string(),
  thread_ts: z.string().optional(),
  unfurl_id: z.string().optional(),
  source: z.enum(['composer', 'conversations_history']).optional(),
  links: z.array(z.object({ url: z.string().max(4_000), domain: z.string().optional() })).max(100),
});

/** How long a card's title, meta line and summary line may be (characters): an unfurl is a glance, not a page. */
const UNFURL_TEXT = { title: 200, meta: 200, summary: 200 } as const;

/** One compact card: the title linked to the paper page, date · upvotes · org or authors, what it does, then code (with stars) and project page. */
export function unfurlBlocks(c: PaperCard): types.KnownBlock[] {
  const lines = [`*${link(c.url, escapeClipped(c.title, UNFURL_TEXT.title))}*`, escapeClipped(metaLine(c), UNFURL_TEXT.meta)];
  const what = oneLine(c, UNFURL_TEXT.summary);
  if (what !== '') lines.push(escapeMrkdwn(what));
  const blocks: types.KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }];
  const links = extraLinks(c, { delimitersEscaped: true }).map((l) => link(l.url, escapeMrkdwn(l.label)));
  if (links.length > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links.join(' · ') }] });
  return blocks;
}

/** `unfurls` for chat.unfurl: each URL exactly as Slack sent it, keyed to the card of the paper it links (links without a card are left out). */
export function unfurlsFor(urls: readonly string[], reply: Reply): Record<string, { blocks: types.KnownBlock[] }> {
  const out: Record<string, { blocks: types.KnownBlock[] }> = {};
  if (reply.kind !== 'papers') return out;
  for (const url of urls) {
    const id = paperLinkId(url);
    const card = id === null ? undefined : reply.cards.find((c) => c.id === id);
    if (card) out[url] = { blocks: unfurlBlocks(card) };
  }
  return out;
}

/** The workspace an event came from: its client (its calls have the reply deadline) and what its ids are qualified with. */
export interface UnfurlWorkspace {
  web: webApi.WebClient;
  key: string | undefined;
}

export interface UnfurlDeps {
  dispatcher: Inbound;
  /** The event's workspace, from Bolt's context (its own token in OAuth mode). */
  workspace: (context: Context) => UnfurlWorkspace;
  log: Logger;
  secrets: readonly (string | undefined)[];
  caller: (ws: UnfurlWorkspace, at: { user?: string; channel?: string }) => Caller;
}

/**
 * Answers `link_shared`: the paper links run through the core's `cards` command (stored papers, or
 * fetched from Hugging Face), and the cards found go out in one chat.unfurl. A paper nobody knows,
 * or any failure, leaves the link as Slack shows it and is logged: nothing is ever posted.
 */
export function registerUnfurls(app: App, deps: UnfurlDeps): void {
  app.event('link_shared', async ({ event, context: workspace }) => {
    const parsed = linkSharedSchema.safeParse(event);
    if (!parsed.success) {
      deps.log.warn({ issues: parsed.error.issues.length }, 'ignored a malformed Slack link_shared event');
      return;
    }
    const ev = parsed.data;
    const urls = ev.links.map((l) => l.url).filter((u) => paperLinkId(u) !== null);
    if (urls.length === 0) return;
    const context = { kind: 'unfurl', channel: ev.channel, links: urls.length };
    const ws = deps.workspace(workspace);
    const reply = await deps.dispatcher.run({ command: 'cards', input: { links: urls } }, deps.caller(ws, { user: ev.user, channel: ev.channel }));
    const unfurls = unfurlsFor(urls, reply);
    if (Object.keys(unfurls).length === 0) {
      deps.log.info({ ...context, reply: reply.kind === 'error' ? reply.message : reply.kind }, 'no paper card for the links shared: nothing unfurled');
      return;
    }
    // NOTE: a link in the composer (not posted yet) is named by unfurl_id and source; a posted one by channel and ts.
    const target = ev.source === 'composer' && ev.unfurl_id ? { unfurl_id: ev.unfurl_id, source: ev.source } : { channel: ev.channel, ts: ev.message_ts };
    try {
      await ws.web.chat.unfurl({ ...target, unfurls } as webApi.ChatUnfurlArguments);
    } catch (e) {
      deps.log.warn({ err: describeError(e, deps.secrets), ...context }, 'chat.unfurl failed (the app needs links:write)');
    }
  });
}
