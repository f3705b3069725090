// Renders neutral replies as plain terminal text, wrapped to the terminal width.
import type { PagerCursor, PaperCard, Reply, Segment } from '../../src/reply.js';
import { authorLine, citationLabel, extraLinks, pageText } from '../../src/replyFormat.js';

/**
 * Terminal output needs no markup escaping, but control characters from outside text are
 * stripped so a hostile title cannot move the cursor or recolour the terminal.
 */
export function plain(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

export function wrap(text: string, width: number, indent = ''): string {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = indent;
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line.trim() !== '' && line.length + word.length + 1 > width) {
        out.push(line.trimEnd());
        line = indent;
      }
      line += (line.trim() === '' ? '' : ' ') + word;
    }
    out.push(line.trimEnd());
  }
  return out.join('\n');
}

/** Snippet text wrapped first, then matched words marked, so escape codes never count toward the width. */
function snippetBlock(segments: readonly Segment[], width: number, color: boolean): string {
  const text = segments.map((s) => (s.match ? `\ue000${plain(s.text)}\ue001` : plain(s.text))).join('');
  const [open, close] = color ? ['\x1b[1m', '\x1b[22m'] : ['*', '*'];
  return wrap(text, width, '   ').replaceAll('\ue000', open).replaceAll('\ue001', close);
}

/** `date · ▲ upvotes · org or authors`, control characters stripped. */
export function metaLine(c: PaperCard): string {
  const parts: string[] = [];
  parts.push(c.publishedAt ?? 'date unknown');
  if (c.upvotes !== null) parts.push(`▲ ${c.upvotes}`);
  const by = authorLine(c);
  if (by !== null) parts.push(plain(by));
  return parts.join(' · ');
}

function card(c: PaperCard, n: number | string | null, width: number, color: boolean): string {
  const label = typeof n === 'string' ? `${n} ` : n !== null ? `${n}. ` : '';
  const head = wrap(`${label}${plain(c.title)}`, width, '   ').trimStart();
  const lines = [color ? `\x1b[1m${head}\x1b[22m` : head, wrap(metaLine(c), width, '   ')];
  if (c.abstract) lines.push(wrap(plain(c.abstract), width, '   '));
  else if (c.snippet.length > 0) lines.push(snippetBlock(c.snippet, width, color));
  lines.push(`   ${c.url}${c.pdfUrl ? `  (PDF ${c.pdfUrl})` : ''}`);
  const extra = extraLinks(c);
  if (extra.length > 0) lines.push(wrap(extra.map((l) => `${l.label} ${l.url}`).join(' · '), width, '   '));
  return lines.join('\n');
}

/** The whole reply as terminal text. */
export function renderText(reply: Reply, opts: { width?: number; color?: boolean; moreHint?: (next: PagerCursor) => string } = {}): string {
  const width = Math.max(40, Math.min(opts.width ?? 100, 160));
  const color = opts.color ?? false;
  switch (reply.kind) {
    case 'answer': {
      const out = [wrap(plain(reply.title), width)];
      if (reply.notice) out.push(wrap(plain(reply.notice), width));
      if (reply.sentences.length > 0) out.push(wrap(reply.sentences.map((s) => `${plain(s.text)} ${s.cites.map(citationLabel).join('')}`).join(' '), width));
      reply.cards.forEach((c, i) => out.push(card(c, citationLabel(i + 1), width, color)));
      if (reply.related && reply.related.length > 0) {
        out.push(reply.cards.length > 0 || reply.sentences.length > 0 ? 'Related papers:' : 'Closest papers:');
        // Numbered after the cited papers, as follow-ups count them (`more like [4]`).
        reply.related.forEach((c, i) => out.push(card(c, citationLabel(reply.cards.length + i + 1), width, color)));
      }
      return out.join('\n\n');
    }
    case 'papers': {
      const out = [wrap(plain(reply.title), width)];
      if (reply.notice) out.push(wrap(plain(reply.notice), width));
      reply.cards.forEach((c, i) => out.push(card(c, reply.start + i, width, color)));
      const end = reply.start + reply.cards.length - 1;
      const hint = opts.moreHint ?? (() => 'Type /more for more.');
      out.push(`${pageText(reply.start, end, reply.total)}${reply.next ? ` ${hint(reply.next)}` : ''}`);
      return out.join('\n\n');
    }
    case 'paper':
      return card(reply.card, null, width, color);
    case 'choices':
      return [
        wrap(plain(reply.title), width),
        // A paper pick shows its title only: the command would show an internal id (`paper t-memory-…-1gsq7m`).
        ...reply.choices.map((c, i) =>
          wrap(`${i + 1}. ${plain(c.label)}${typeof c.input.id === 'string' ? '' : `  →  /${c.command}`}`, width, '   ').trimStart(),
        ),
      ].join('\n');
    case 'text':
      return [...(reply.title ? [wrap(plain(reply.title), width)] : []), ...reply.lines.map((l) => wrap(plain(l), width, '  '))].join('\n');
    case 'error':
      return [wrap(plain(reply.message), width), ...reply.hints.map((h) => wrap(plain(h), width, '  '))].join('\n');
  }
}
