// The neutral reply model: what a command returns and what each adapter renders for its platform.

/**
 * Text from outside (titles, abstracts, queries) travels as plain strings; only the
 * adapter's renderer escapes it for its markup. `match: true` marks query terms in a
 * snippet, which renderers show in bold.
 */
export interface Segment {
  text: string;
  match?: boolean;
}

/** One paper as shown in chat. Every string is raw (unescaped). */
export interface PaperCard {
  id: string;
  title: string;
  /** The paper's page (Hugging Face, or an HF search for the title when no arXiv id is known). */
  url: string;
  pdfUrl: string | null;
  arxivUrl: string | null;
  publishedAt: string | null;
  upvotes: number | null;
  org: string | null;
  authorCount: number | null;
  authors: string[];
  thumbnail: string | null;
  /** The best-matching abstract sentence (search), or the abstract's opening (listings). */
  snippet: Segment[];
  /** The whole abstract, for detail views. */
  abstract?: string;
  /** Relevance score, when the card came from a search. */
  score?: number;
  /** The paper's code (GitHub, from the Hugging Face API) and its stars, when known. */
  codeUrl?: string;
  codeStars?: number;
  /** The paper's project page, when known. */
  projectUrl?: string;
}

/** Where "More" continues: re-run `command` with `input` at `offset`. */
export interface PagerCursor {
  command: string;
  input: Record<string, unknown>;
  offset: number;
}

/** An option the user can pick to continue (e.g. several papers match a title). */
export interface Choice {
  label: string;
  /** The command line that picks it, e.g. `paper 2506.08872`. */
  command: string;
  input: Record<string, unknown>;
}

export type Visibility = 'ephemeral' | 'public';

/** A calendar period a list covers (a day, an ISO week, a month), as inclusive `YYYY-MM-DD` dates. */
export interface PeriodInfo {
  kind: 'day' | 'week' | 'month';
  label: string;
  from: string;
  to: string;
}

/** One sentence of an answer and the numbers of the papers it comes from (1-based positions in the answer's `cards`). */
export interface AnswerSentence {
  /** Raw text (an abstract sentence, or a checked sentence a model wrote). */
  text: string;
  /** Never empty: a sentence without a source is not shown. */
  cites: number[];
}

export type Reply =
  | {
      kind: 'answer';
      /** Heading, e.g. `kv cache compression`: the question as asked. Raw text. */
      title: string;
      /** A line above the answer, e.g. the period searched. */
      notice?: string;
      sentences: AnswerSentence[];
      /** The cited papers, in the order of their numbers: card `i` is citation `[i + 1]`. */
      cards: PaperCard[];
      /** Papers shown after the cited ones without a number ("more like this"). */
      related?: PaperCard[];
      visibility: Visibility;
      shareable: boolean;
    }
  | {
      kind: 'papers';
      /** Heading, e.g. `Search: kv cache` or `Trending on 2025-11-27`. Raw text. */
      title: string;
      /** A line above the cards, e.g. "No papers on 2025-12-01; showing 2025-11-27, the latest day with papers." */
      notice?: string;
      cards: PaperCard[];
      /** 1-based position of the first card, and how many exist in all. */
      start: number;
      total: number;
      next?: PagerCursor;
      visibility: Visibility;
      /** Whether a "Share in channel" action makes sense (ephemeral search results). */
      shareable: boolean;
      /** For period lists (trending): the period asked for and the one shown (an earlier one when it was empty). */
      period?: { asked: PeriodInfo; shown: PeriodInfo };
    }
  | { kind: 'paper'; card: PaperCard; visibility: Visibility; shareable: boolean }
  | { kind: 'choices'; title: string; choices: Choice[]; visibility: Visibility }
  | { kind: 'text'; title?: string; lines: string[]; visibility: Visibility }
  | { kind: 'error'; message: string; hints: string[]; visibility: 'ephemeral'; code?: string };

/** The plain-text fallback for a reply (notifications, logs, the console). */
export function replySummary(reply: Reply): string {
  switch (reply.kind) {
    case 'answer':
      return reply.sentences.length > 0 ? `${reply.title}: ${answerText(reply.sentences)}` : reply.title;
    case 'papers':
      return reply.cards.length > 0 ? `${reply.title}: ${reply.cards.length} of ${reply.total}` : reply.title;
    case 'paper':
      return reply.card.title;
    case 'choices':
      return reply.title;
    case 'text':
      return reply.title ?? reply.lines[0] ?? '';
    case 'error':
      return reply.message;
  }
}

/** An answer's sentences as one plain string, each followed by its citations: `A sentence. [1] Another. [1][2]`. */
export function answerText(sentences: readonly AnswerSentence[]): string {
  return sentences.map((s) => `${s.text} ${s.cites.map((n) => `[${n}]`).join('')}`).join(' ');
}

/** A copy only the asking user sees (e.g. "More" on a list posted in a channel). */
export function asPrivate(reply: Reply): Reply {
  return reply.kind === 'error' ? reply : ({ ...reply, visibility: 'ephemeral' } as Reply);
}

/** A shared copy of an ephemeral reply, for "Share in channel". */
export function asPublic(reply: Reply): Reply {
  if (reply.kind === 'papers') return { ...reply, visibility: 'public', shareable: false, next: undefined } as Reply;
  if (reply.kind === 'paper' || reply.kind === 'answer') return { ...reply, visibility: 'public', shareable: false };
  if (reply.kind === 'error') return reply;
  return { ...reply, visibility: 'public' };
}

// Commands import `clip` from here, with the reply model; it lives with the other shared renderer rules.
export { clip } from './replyFormat.js';
