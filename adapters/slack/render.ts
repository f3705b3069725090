// Renders neutral replies as Slack Block Kit, escaping outside text and staying inside Slack's limits.
import type { types } from '@slack/bolt';
import type { PagerCursor, PaperCard, Reply, Segment } from '../../src/reply.js';
import { replySummary } from '../../src/reply.js';
import { authorLine, citationLabel, citationUrl, clip, cursorAfterShown, extraLinks, pageText, safeUrl } from '../../src/replyFormat.js';

export { clip };

type KnownBlock = types.KnownBlock;
type Button = types.Button;

/**
 * Slack's documented limits (https://api.slack.com/reference/block-kit/blocks): a message holds
 * 50 blocks, a section's text 3000 characters, a button label 75, a button value 2000.
 */
export const LIMITS = { blocks: 50, sectionText: 3000, buttonLabel: 75, buttonValue: 2000, fallbackText: 3000 } as const;

/** Action ids the adapter listens for; link buttons share a prefix so they can be acknowledged together. */
export const ACTIONS = { more: 'paperboy_more', share: 'paperboy_share', pick: 'paperboy_pick', link: 'paperboy_link' } as const;

/** A message body for chat.postMessage or respond(). */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

export interface RenderOptions {
  /** Button value for "More" continuing at `cursor`; null leaves the button out (e.g. the value would not fit). */
  moreValue?: (cursor: PagerCursor) => string | null;
  /** Button value for "Share in channel"; absent or null means no share button. */
  shareValue?: string | null;
}

/**
 * Escapes `&`, `<` and `>`: Slack treats `<…>` as links and mentions (`<!channel>`, `<@U…>`) and
 * `&` as the start of an entity, so these three are the only characters it asks apps to escape
 * (https://api.slack.com/reference/surfaces/formatting#escaping). Enough for a URL inside `<…|…>`.
 */
export function escapeEntities(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const ZWSP = '\u200B';

/**
 * Escapes outside text for mrkdwn so it renders literally: the entities above, and the formatting
 * characters `*`, `_`, `~` and backticks, which Slack offers no escape for. Each of those gets a
 * zero-width space on both sides, so it can neither open nor close bold, italics, strikethrough or
 * code, and a ``` fence is no longer three backticks in a row.
 * NOTE: a space on both sides holds whether Slack counts U+200B as white space (an opener needs
 * text after it) or as a letter (an opener needs a boundary before it; a closer, one after it).
 */
export function escapeMrkdwn(s: string): string {
  // A `>` opening a line would still be read as a block quote; a zero-width space in front stops that.
  return escapeEntities(s)
    .replace(/[*_~`]/g, `${ZWSP}$&${ZWSP}`)
    .replace(/^&gt;/gm, `${ZWSP}&gt;`);
}

/**
 * Undoes {@link escapeMrkdwn}. Slack sends message and command text with the entities escaped the
 * same way; the zero-width spaces come back when a user pastes text copied from one of our messages.
 */
export function unescapeMrkdwn(s: string): string {
  return s
    .replace(/\u200B([*_~`])\u200B/g, '$1')
    .replace(/^\u200B&gt;/gm, '&gt;')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * Escapes raw text and clips it so the escaped result fits `max` characters. Clipping happens on
 * the raw text, so an entity (`&amp;`) or link is never cut in half.
 */
export function escapeClipped(raw: string, max: number): string {
  let out = escapeMrkdwn(raw);
  if (out.length <= max) return out;
  const chars = Array.from(raw);
  let lo = 0;
  let hi = chars.length;
  // Longest raw prefix whose escaped form plus the ellipsis fits.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (escapeMrkdwn(chars.slice(0, mid).join('')).length + 1 <= max) lo = mid;
    else hi = mid - 1;
  }
  out = `${escapeMrkdwn(chars.slice(0, lo).join(''))}…`;
  return out;
}

/**
 * A URL Slack may link or open from a button. `|`, `<` and `>` are allowed through: {@link link}
 * escapes them, and a button's URL is a JSON field that no markup reads.
 */
function slackUrl(u: string | null): string | undefined {
  return safeUrl(u, { delimitersEscaped: true });
}

/** A link in mrkdwn; only safe http(s) URLs are linked, and the URL cannot close the link early. */
export function link(url: string, labelEscaped: string): string {
  const ok = slackUrl(url);
  if (!ok) return labelEscaped;
  const safe = escapeEntities(ok).replace(/\|/g, '%7C');
  return `<${safe}|${labelEscaped}>`;
}

/** Bold for matched terms; the asterisks inside a match are dropped so they cannot unbalance the markup. */
function snippetMrkdwn(segments: readonly Segment[], budget: number): string {
  let out = '';
  for (const s of segments) {
    const text = s.match ? s.text.replace(/\*/g, '') : s.text;
    const wrap = s.match && text.trim() !== '' ? '*' : '';
    const room = budget - out.length - wrap.length * 2;
    if (room <= 1) break;
    const piece = escapeClipped(text, room);
    out += `${wrap}${piece}${wrap}`;
    if (piece.endsWith('…') && piece.length < escapeMrkdwn(text).length) break;
  }
  return out;
}

/** `date · ▲ upvotes · org or authors`, raw. */
export function metaLine(c: PaperCard): string {
  const parts: string[] = [c.publishedAt ?? 'date unknown'];
  if (c.upvotes !== null) parts.push(`▲ ${c.upvotes}`);
  const by = authorLine(c);
  if (by !== null) parts.push(by);
  return parts.join(' · ');
}

function section(text: string, blockId?: string): KnownBlock {
  return { type: 'section', ...(blockId ? { block_id: blockId } : {}), text: { type: 'mrkdwn', text: text === '' ? ' ' : text } };
}

function context(textEscaped: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: textEscaped.slice(0, LIMITS.sectionText) }] };
}

function button(actionId: string, label: string, opts: { value?: string; url?: string; style?: 'primary' }): Button {
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text: clip(label, LIMITS.buttonLabel), emoji: false },
    ...(opts.value !== undefined ? { value: opts.value } : {}),
    ...(opts.url !== undefined ? { url: opts.url } : {}),
    ...(opts.style ? { style: opts.style } : {}),
  };
}

/** The card: title linked to the paper page, the meta line, the snippet (or abstract), then link buttons. */
function cardBlocks(c: PaperCard, index: number, n: number | string | null): KnownBlock[] {
  const label = typeof n === 'string' ? `${escapeMrkdwn(n)} ` : n !== null ? `${n}. ` : '';
  const head = `*${label}${link(c.url, escapeClipped(c.title, 300))}*`;
  const meta = escapeClipped(metaLine(c), 300);
  const lead = `${head}\n${meta}`;
  const budget = LIMITS.sectionText - lead.length - 1;
  const body = c.abstract ? escapeClipped(c.abstract, budget) : snippetMrkdwn(c.snippet, budget);
  const blocks: KnownBlock[] = [section(body ? `${lead}\n${body}` : lead, `card_${index}`)];
  const links: Button[] = [];
  const page = slackUrl(c.url);
  const pdf = slackUrl(c.pdfUrl);
  if (page) links.push(button(`${ACTIONS.link}_${index}_page`, 'Paper page', { url: page }));
  if (pdf) links.push(button(`${ACTIONS.link}_${index}_pdf`, 'PDF', { url: pdf }));
  extraLinks(c, { delimitersEscaped: true }).forEach((l, k) => links.push(button(`${ACTIONS.link}_${index}_x${k}`, l.label, { url: l.url })));
  if (links.length > 0) blocks.push({ type: 'actions', block_id: `links_${index}`, elements: links });
  return blocks;
}

function valueFits(v: string | null | undefined): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= LIMITS.buttonValue;
}

/** Splits lines into sections of at most 3000 characters each. */
function lineSections(lines: readonly string[]): KnownBlock[] {
  const out: KnownBlock[] = [];
  let cur = '';
  for (const l of lines) {
    const e = escapeClipped(l, LIMITS.sectionText);
    if (cur !== '' && cur.length + 1 + e.length > LIMITS.sectionText) {
      out.push(section(cur));
      cur = '';
    }
    cur = cur === '' ? e : `${cur}\n${e}`;
  }
  if (cur !== '') out.push(section(cur));
  return out;
}

/**
 * Renders a reply. Every string from outside is escaped; anything that would break a limit is
 * cut cleanly (fewer cards, shorter text, a button left out) so Slack never rejects the message.
 */
export function renderReply(reply: Reply, opts: RenderOptions = {}): SlackMessage {
  const text = escapeClipped(replySummary(reply), LIMITS.fallbackText);
  const blocks: KnownBlock[] = [];
  switch (reply.kind) {
    case 'answer': {
      blocks.push(section(`*${escapeClipped(reply.title, LIMITS.sectionText - 2)}*`, 'title'));
      if (reply.notice) blocks.push(context(escapeClipped(reply.notice, LIMITS.sectionText)));
      // Each sentence escaped whole, its citation numbers linked to the cited paper (one rule: citationUrl).
      let body = '';
      for (const [i, sn] of reply.sentences.entries()) {
        const cites = sn.cites.map((n) => {
          const url = citationUrl(reply, n, { delimitersEscaped: true });
          return url ? link(url, citationLabel(n)) : citationLabel(n);
        });
        const piece = `${escapeClipped(sn.text, 1000)} ${cites.join('')}`;
        if (body !== '' && body.length + 1 + piece.length > LIMITS.sectionText) {
          blocks.push(section(body, `answer_${i}`));
          body = '';
        }
        body = body === '' ? piece : `${body} ${piece}`;
      }
      if (body !== '') blocks.push(section(body, 'answer'));
      for (const [i, c] of reply.cards.entries()) {
        const cb = cardBlocks(c, i, citationLabel(i + 1));
        if (blocks.length + cb.length > LIMITS.blocks - 1) break;
        blocks.push(...cb);
      }
      const related = reply.related ?? [];
      if (related.length > 0 && blocks.length < LIMITS.blocks - 2)
        blocks.push(context(reply.cards.length > 0 || reply.sentences.length > 0 ? 'Related papers:' : 'Closest papers:'));
      for (const [i, c] of related.entries()) {
        const cb = cardBlocks(c, reply.cards.length + i, citationLabel(reply.cards.length + i + 1));
        if (blocks.length + cb.length > LIMITS.blocks - 1) break;
        blocks.push(...cb);
      }
      if (reply.shareable && valueFits(opts.shareValue)) {
        blocks.push({ type: 'actions', block_id: 'pager', elements: [button(ACTIONS.share, 'Share in channel', { value: opts.shareValue })] });
      }
      break;
    }
    case 'papers': {
      blocks.push(section(`*${escapeClipped(reply.title, LIMITS.sectionText - 2)}*`, 'title'));
      if (reply.notice) blocks.push(context(escapeClipped(reply.notice, LIMITS.sectionText)));
      let shown = 0;
      for (const [i, c] of reply.cards.entries()) {
        const cb = cardBlocks(c, i, reply.start + i);
        // Leave room for the footer: the count line and the buttons.
        if (blocks.length + cb.length > LIMITS.blocks - 2) break;
        blocks.push(...cb);
        shown += 1;
      }
      const end = reply.start + shown - 1;
      const next = cursorAfterShown(reply, shown);
      if (reply.cards.length > 0) blocks.push(context(escapeMrkdwn(pageText(reply.start, end, reply.total))));
      const buttons: Button[] = [];
      const more = next && opts.moreValue ? opts.moreValue(next) : null;
      if (valueFits(more)) buttons.push(button(ACTIONS.more, 'More', { value: more, style: 'primary' }));
      if (reply.shareable && valueFits(opts.shareValue)) buttons.push(button(ACTIONS.share, 'Share in channel', { value: opts.shareValue }));
      if (buttons.length > 0) blocks.push({ type: 'actions', block_id: 'pager', elements: buttons });
      break;
    }
    case 'paper': {
      blocks.push(...cardBlocks(reply.card, 0, null));
      if (reply.shareable && valueFits(opts.shareValue)) {
        blocks.push({ type: 'actions', block_id: 'pager', elements: [button(ACTIONS.share, 'Share in channel', { value: opts.shareValue })] });
      }
      break;
    }
    case 'choices': {
      blocks.push(section(escapeClipped(reply.title, LIMITS.sectionText), 'title'));
      // NOTE: an actions block holds at most 25 elements.
      const picks: Button[] = [];
      for (const [i, c] of reply.choices.entries()) {
        const value = JSON.stringify({ command: c.command.split(/\s+/)[0] ?? '', input: c.input });
        if (valueFits(value)) picks.push(button(`${ACTIONS.pick}_${i}`, c.label, { value }));
      }
      for (let i = 0; i < picks.length && blocks.length < LIMITS.blocks; i += 25) {
        blocks.push({ type: 'actions', block_id: `choices_${i}`, elements: picks.slice(i, i + 25) });
      }
      break;
    }
    case 'text': {
      if (reply.title) blocks.push(section(`*${escapeClipped(reply.title, LIMITS.sectionText - 2)}*`, 'title'));
      blocks.push(...lineSections(reply.lines));
      break;
    }
    case 'error': {
      blocks.push(section(`:warning: ${escapeClipped(reply.message, LIMITS.sectionText - 20)}`, 'error'));
      if (reply.hints.length > 0) blocks.push(...lineSections(reply.hints));
      break;
    }
  }
  return { text, blocks: blocks.slice(0, LIMITS.blocks) };
}
