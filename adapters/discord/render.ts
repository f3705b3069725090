// Renders neutral replies as Discord embeds and buttons, escaping outside text and staying within Discord's limits.
import { ButtonStyle, ComponentType, escapeMarkdown, type APIActionRowComponent, type APIButtonComponent, type APIEmbed } from 'discord.js';
import { z } from 'zod';
import type { CursorBatch } from '../../src/ports.js';
import type { PagerCursor, PaperCard, Reply, Segment } from '../../src/reply.js';
import { authorLine, citationLabel, citationUrl, clip as clipText, cursorAfterShown, extraLinks, pageRange, pageText, safeUrl } from '../../src/replyFormat.js';

// NOTE: Discord's message limits, in UTF-16 code units as Discord counts them.
// https://discord.com/developers/docs/resources/message#embed-object-embed-limits
export const LIMITS = {
  embeds: 10,
  embedTotal: 6000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  content: 2000,
  customId: 100,
  buttonLabel: 80,
  buttonsPerRow: 5,
  rows: 5,
} as const;

/** Mentions in replies are never parsed: nobody is pinged whatever the text says. */
export const NO_MENTIONS = { parse: [] as never[], repliedUser: false };

/** A platform-neutral message body that fits both `interaction.reply` and `channel.send`. */
export interface DiscordMessage {
  content?: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponent>[];
  allowedMentions: typeof NO_MENTIONS;
  /** Only the asking user should see it (sent with the Ephemeral flag where the platform allows). */
  ephemeral: boolean;
}

export interface RenderContext {
  /** Keys the cursors of "More", "Share in channel" and choice buttons; buttons carry only a short key (the batch is saved before sending). */
  cursors: Pick<CursorBatch, 'put'>;
  /** The invocation that produced the reply, re-run by "Share in channel". */
  origin?: PagerCursor;
}

/**
 * Escapes outside text for Discord markdown so it renders literally: markdown via discord.js
 * `escapeMarkdown` (with headings and lists), then what it leaves alone: masked links `[t](u)`,
 * `<…>` tags (user, role and channel mentions, `<https://…|…>`), `@everyone`/`@here`,
 * block quotes and `-#` subtext. Every escape is a backslash before punctuation.
 */
export function escapeText(raw: string): string {
  let s = escapeUnescaped(escapeMarkdown(raw, { heading: true, bulletedList: true, numberedList: true }));
  s = s.replace(/@(everyone|here)/gi, '\\@$1');
  s = s.replace(/^(\s*)>/gm, '$1\\>');
  s = s.replace(/^(\s*)-#/gm, '$1\\-#');
  return s;
}

// NOTE: escapeMarkdown's emphasis rules are heuristics (a run like `*****` keeps some stars live),
// so every markdown character it left unescaped is escaped here; extra escapes render invisibly.
const SPECIAL = new Set(['*', '_', '~', '|', '`', '[', ']', '<']);

function escapeUnescaped(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i += 1) {
    const ch = s.charAt(i);
    if (ch === '\\') {
      out += ch + s.charAt(i + 1);
      i += 1;
    } else {
      out += SPECIAL.has(ch) ? `\\${ch}` : ch;
    }
  }
  return out;
}

/** Escapes `raw` and truncates it cleanly (never inside an escape or a surrogate pair) to `max` characters. */
export function fit(text: string, max: number): string {
  // Escaping never shortens text, so nothing past `max` raw characters can be shown.
  const raw = text.length > max + 1 ? text.slice(0, max + 1) : text;
  const full = escapeText(raw);
  if (full.length <= max) return full;
  if (max < 1) return '';
  let n = Math.min(raw.length, max);
  for (;;) {
    if (n > 0 && /[\uD800-\uDBFF]/.test(raw.charAt(n - 1))) n -= 1;
    const s = `${escapeText(raw.slice(0, n).trimEnd())}…`;
    if (s.length <= max) return s;
    if (n <= 0) return '…';
    // Shrink in proportion to how much escaping expanded the text, then step down.
    const next = Math.floor((n * (max - 1)) / Math.max(1, s.length - 1));
    n = Math.max(0, next < n ? next : n - 1);
  }
}

/** Clips to a Discord limit, which counts UTF-16 code units. */
function clip(s: string, max: number): string {
  return clipText(s, max, { units: 'utf16' });
}

function bold(text: string, max: number): string {
  const m = /^(\s*)([\s\S]*?)(\s*)$/.exec(text);
  const [lead, core, trail] = [m?.[1] ?? '', m?.[2] ?? '', m?.[3] ?? ''];
  if (core === '') return text.slice(0, Math.max(0, max));
  const room = max - lead.length - trail.length - 4;
  return room > 0 ? `${lead}**${fit(core, room)}**${trail}` : '';
}

/** The snippet with matched terms in bold, escaped and fitted to `max`. */
export function snippetMarkdown(segments: readonly Segment[], max: number): string {
  let out = '';
  for (const seg of segments) {
    const text = seg.text.length > max + 1 ? seg.text.slice(0, max + 1) : seg.text;
    const piece = seg.match ? bold(text, Number.MAX_SAFE_INTEGER) : escapeText(text);
    if (out.length + piece.length <= max) {
      out += piece;
      continue;
    }
    const room = max - out.length;
    const cut = seg.match ? bold(text, room - 1) : fit(text, room);
    out += cut;
    if (seg.match && out.length < max) out += '…';
    break;
  }
  return out;
}

/** One paper as an embed whose counted characters stay within `budget` (the description gets what is left). */
function cardEmbed(c: PaperCard, budget: number, footer: string | null, detail: boolean): APIEmbed {
  const fields: NonNullable<APIEmbed['fields']> = [];
  fields.push({ name: 'Published', value: c.publishedAt ? escapeText(c.publishedAt) : 'unknown', inline: true });
  if (c.upvotes !== null) fields.push({ name: 'Upvotes', value: `▲ ${c.upvotes}`, inline: true });
  const by = authorLine(c);
  if (by) fields.push({ name: c.org ? 'Org' : 'Authors', value: fit(by, detail ? LIMITS.fieldValue : 200), inline: true });
  const pdf = safeUrl(c.pdfUrl);
  const arxiv = safeUrl(c.arxivUrl);
  const extra = extraLinks(c).map((l) => `[${escapeText(l.label)}](${l.url})`);
  if (detail && (pdf || arxiv || extra.length > 0)) {
    fields.push({
      name: 'Links',
      value: [pdf ? `[PDF](${pdf})` : null, arxiv ? `[arXiv](${arxiv})` : null, ...extra].filter(Boolean).join(' · '),
      inline: false,
    });
  }
  const embed: APIEmbed = { title: fit(c.title, LIMITS.title), color: 0xff9d00, fields: fields.slice(0, LIMITS.fields) };
  if (footer) embed.footer = { text: clip(footer, LIMITS.footer) };
  const descMax = Math.min(LIMITS.description, budget - embedLength(embed));
  const description = descMax <= 0 ? '' : detail && c.abstract ? fit(c.abstract, descMax) : snippetMarkdown(c.snippet, descMax);
  const url = safeUrl(c.url);
  if (url) embed.url = url;
  if (description !== '') embed.description = description;
  const thumb = safeUrl(c.thumbnail);
  if (thumb) embed.thumbnail = { url: thumb };
  return embed;
}

/** Characters Discord counts toward the 6000 total of a message's embeds. */
export function embedLength(e: APIEmbed): number {
  let n = (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.author?.name.length ?? 0);
  for (const f of e.fields ?? []) n += f.name.length + f.value.length;
  return n;
}

/** Shortens the longest descriptions until the embeds fit the message total. */
function fitTotal(embeds: APIEmbed[]): void {
  for (;;) {
    const total = embeds.reduce((n, e) => n + embedLength(e), 0);
    if (total <= LIMITS.embedTotal) return;
    const longest = embeds.reduce<APIEmbed | undefined>((a, e) => ((e.description?.length ?? 0) > (a?.description?.length ?? 0) ? e : a), undefined);
    if (!longest?.description) {
      embeds.pop();
      continue;
    }
    const target = Math.max(0, longest.description.length - (total - LIMITS.embedTotal) - 1);
    longest.description = target > 1 ? `${longest.description.slice(0, target).replace(/\\+$/, '')}…` : undefined;
    if (!longest.description) delete longest.description;
  }
}

/** Custom ids carry an action and a pager cursor key: `pb:<action>:<key>`, well under 100 characters. */
const customIdSchema = z
  .string()
  .max(LIMITS.customId)
  .regex(/^pb:(more|share|pick):[A-Za-z0-9_-]{1,64}$/)
  .transform((s) => {
    const [, action, key] = s.split(':');
    return { action: action as 'more' | 'share' | 'pick', key: key ?? '' };
  });

export type ButtonAction = z.infer<typeof customIdSchema>;

/** Parses a button's custom id as it comes back from Discord; null when it is not one of ours. */
export function parseCustomId(id: unknown): ButtonAction | null {
  const r = customIdSchema.safeParse(id);
  return r.success ? r.data : null;
}

function button(action: ButtonAction['action'], key: string, label: string, style: ButtonStyle): APIButtonComponent {
  return { type: ComponentType.Button, style, custom_id: `pb:${action}:${key}`, label: clip(label, LIMITS.buttonLabel) } as APIButtonComponent;
}

function rows(buttons: APIButtonComponent[]): APIActionRowComponent<APIButtonComponent>[] {
  const out: APIActionRowComponent<APIButtonComponent>[] = [];
  for (let i = 0; i < buttons.length && out.length < LIMITS.rows; i += LIMITS.buttonsPerRow) {
    out.push({ type: ComponentType.ActionRow, components: buttons.slice(i, i + LIMITS.buttonsPerRow) });
  }
  return out;
}

function message(reply: Reply, parts: Partial<DiscordMessage>): DiscordMessage {
  return { embeds: [], components: [], ...parts, allowedMentions: NO_MENTIONS, ephemeral: reply.visibility === 'ephemeral' };
}

/** Renders a neutral reply; cursors for its buttons are stored in `ctx.cursors`. */
export function renderReply(reply: Reply, ctx: RenderContext): DiscordMessage {
  switch (reply.kind) {
    case 'answer': {
      const head = `**${fit(reply.title, 300)}**${reply.notice ? `\n${fit(reply.notice, 1000)}` : ''}`;
      // Each sentence escaped, then its numbers as masked links to the cited papers (one rule: citationUrl).
      const parts: string[] = [];
      let used = 0;
      for (const sn of reply.sentences) {
        const cites = sn.cites.map((n) => {
          const url = citationUrl(reply, n);
          return url ? `[\\[${n}\\]](${url})` : escapeText(citationLabel(n));
        });
        const piece = `${fit(sn.text, 1000)} ${cites.join('')}`;
        if (used + piece.length + 1 > LIMITS.description) break;
        parts.push(piece);
        used += piece.length + 1;
      }
      const embeds: APIEmbed[] = [];
      if (parts.length > 0) embeds.push({ color: 0xff9d00, description: parts.join(' ') });
      const cited = reply.cards.slice(0, LIMITS.embeds - embeds.length - 1);
      const related = (reply.related ?? []).slice(0, Math.max(0, LIMITS.embeds - embeds.length - cited.length));
      const n = Math.max(1, cited.length + related.length);
      const budget = Math.floor((LIMITS.embedTotal - used) / n);
      for (const [i, c] of cited.entries()) {
        const e = cardEmbed(c, budget, `${citationLabel(i + 1)} · ${c.id}`, false);
        e.title = fit(`${citationLabel(i + 1)} ${c.title}`, LIMITS.title);
        embeds.push(e);
      }
      for (const [i, c] of related.entries()) {
        // Numbered after the cited papers, as follow-ups count them (`more like [4]`).
        const label = citationLabel(reply.cards.length + i + 1);
        const e = cardEmbed(c, budget, `${label} · ${cited.length > 0 || parts.length > 0 ? 'Related' : 'Closest'} · ${c.id}`, false);
        e.title = fit(`${label} ${c.title}`, LIMITS.title);
        embeds.push(e);
      }
      // The answer's own embed is never the one shortened: the cards' descriptions give way first.
      const [first, ...rest] = embeds;
      if (first && parts.length > 0) {
        fitTotal(rest);
        while (rest.length > 0 && embedLength(first) + rest.reduce((t, e) => t + embedLength(e), 0) > LIMITS.embedTotal) rest.pop();
        embeds.splice(1, embeds.length - 1, ...rest);
      } else fitTotal(embeds);
      const buttons = reply.shareable && ctx.origin ? [button('share', ctx.cursors.put(ctx.origin), 'Share in channel', ButtonStyle.Secondary)] : [];
      return message(reply, { content: clip(head, LIMITS.content), embeds, components: rows(buttons) });
    }
    case 'papers': {
      const cards = reply.cards.slice(0, LIMITS.embeds);
      const end = reply.start + cards.length - 1;
      const head = cards.length > 0 ? `**${fit(reply.title, 300)}** · ${pageText(reply.start, end, reply.total)}` : `**${fit(reply.title, 300)}**`;
      const notice = reply.notice ? `\n${fit(reply.notice, 1000)}` : '';
      const budget = Math.floor(LIMITS.embedTotal / Math.max(1, cards.length));
      const embeds = cards.map((c, i) => cardEmbed(c, budget, `${reply.start + i} of ${reply.total} · ${c.id}`, false));
      fitTotal(embeds);
      const buttons: APIButtonComponent[] = [];
      // More than 10 cards: the rest come with "More", so nothing is lost to the embed limit.
      const next = cursorAfterShown(reply, cards.length, ctx.origin);
      if (next)
        buttons.push(
          button('more', ctx.cursors.put(next), `More (${pageRange(end + 1, Math.min(end + cards.length, reply.total), reply.total)})`, ButtonStyle.Primary),
        );
      if (reply.shareable && ctx.origin)
        buttons.push(button('share', ctx.cursors.put({ ...ctx.origin, offset: reply.start - 1 }), 'Share in channel', ButtonStyle.Secondary));
      return message(reply, { content: clip(head + notice, LIMITS.content), embeds, components: rows(buttons) });
    }
    case 'paper': {
      const embed = cardEmbed(reply.card, LIMITS.embedTotal, reply.card.id, true);
      fitTotal([embed]);
      const buttons = reply.shareable && ctx.origin ? [button('share', ctx.cursors.put(ctx.origin), 'Share in channel', ButtonStyle.Secondary)] : [];
      return message(reply, { embeds: [embed], components: rows(buttons) });
    }
    case 'choices': {
      const max = LIMITS.rows * LIMITS.buttonsPerRow;
      const shown = reply.choices.slice(0, max);
      const buttons = shown.map((c) => {
        const command = c.command.split(/\s+/)[0] ?? '';
        return button('pick', ctx.cursors.put({ command, input: c.input, offset: 0 }), c.label, ButtonStyle.Secondary);
      });
      const more = reply.choices.length > shown.length ? `\n(${reply.choices.length - shown.length} more; add words to narrow it down)` : '';
      return message(reply, { content: clip(`${fit(reply.title, 1800)}${more}`, LIMITS.content), components: rows(buttons) });
    }
    case 'text': {
      const description = fit(reply.lines.join('\n'), LIMITS.description);
      const embed: APIEmbed = { color: 0xff9d00 };
      if (reply.title) embed.title = fit(reply.title, LIMITS.title);
      if (description !== '') embed.description = description;
      return message(reply, { embeds: [embed] });
    }
    case 'error': {
      const text = [reply.message, ...reply.hints].join('\n');
      return message(reply, { content: fit(text, LIMITS.content) });
    }
  }
}

/** A plain message (expired buttons, apologies), escaped like everything else. */
export function plainMessage(text: string, ephemeral: boolean): DiscordMessage {
  return { content: fit(text, LIMITS.content), embeds: [], components: [], allowedMentions: NO_MENTIONS, ephemeral };
}
