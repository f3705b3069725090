// What a conversation last showed as a numbered list of papers, and the references to it ("2", "#2", "tell me more about 2").
import type { Conversation } from './ports.js';
import type { Reply } from './reply.js';

/** A list as a reply numbers it on screen: the id shown as number `start` first. */
export interface ShownList {
  start: number;
  ids: string[];
}

/**
 * The papers a reply numbers on screen, in the order of their numbers; null when it shows no
 * numbered list (a single paper, text, an error, an empty list), which leaves the last list in place.
 * An answer numbers its cited papers first and its related (or closest) papers after them.
 */
export function shownList(reply: Reply): ShownList | null {
  switch (reply.kind) {
    case 'papers':
      return reply.cards.length > 0 ? { start: reply.start, ids: reply.cards.map((c) => c.id) } : null;
    case 'answer': {
      const ids = [...reply.cards, ...(reply.related ?? [])].map((c) => c.id);
      return ids.length > 0 ? { start: 1, ids } : null;
    }
    case 'choices': {
      const ids = reply.choices.map((c) => c.input.id);
      return ids.length > 0 && ids.every((id): id is string => typeof id === 'string') ? { start: 1, ids } : null;
    }
    default:
      return null;
  }
}

/**
 * The conversation's numbers after `list` is shown: a later page ("More", starting at 6) continues
 * the numbers already shown, so "7" is the 7th paper shown. Numbers never shown here stay empty.
 */
export function withShown(state: Conversation | undefined, list: ShownList): Conversation {
  const before = state?.shown ?? [];
  const head = list.start > 1 ? Array.from({ length: list.start - 1 }, (_v, i) => before[i] ?? '') : [];
  return {
    question: state?.question ?? '',
    cited: state?.cited ?? [],
    pool: state?.pool ?? [],
    shown: [...head, ...list.ids],
  };
}

/** The id shown as number `n`, or a sentence saying which numbers there are. */
export function shownId(state: Conversation | undefined, n: number): { ok: true; id: string } | { ok: false; message: string } {
  // NOTE: a thread kept before lists were recorded has only its answer's citations.
  const shown = state?.shown ?? state?.cited ?? [];
  const id = shown[n - 1];
  if (id) return { ok: true, id };
  if (shown.length === 0) return { ok: false, message: 'There is no numbered list here to pick from yet.' };
  const first = shown.findIndex((s) => s !== '') + 1;
  return { ok: false, message: `The last list here has no [${n}]; pick a number from ${first} to ${shown.length}.` };
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];

/**
 * A reference to a number on screen: `2`, `#2`, `[2]`, `tell me more about 2`, `more about 2`,
 * `open 3`, `the second one`. Null for anything else (a question, `more like [2]`).
 */
export function referenceOf(text: string): number | null {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/[?.!]+$/, '')
    .trim();
  const num =
    /^(?:(?:(?:can you )?(?:tell me|say)\s+)?(?:more|details?)\s+(?:about|on|of|for)\s+|open\s+|show(?: me)?\s+)?(?:paper\s+|number\s+|no\.?\s*)?(?:#|\[)?(\d{1,3})\]?$/.exec(
      t,
    );
  if (num) return Number(num[1]);
  const ord = /^(?:(?:tell me more about|more about|open|show(?: me)?)\s+)?the\s+(\w+)(?:\s+(?:one|paper))?$/.exec(t);
  const i = ord ? ORDINALS.indexOf(ord[1] ?? '') : -1;
  return i >= 0 ? i + 1 : null;
}
