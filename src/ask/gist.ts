// A paper's gist: one line of what it does, for list answers and paper cards (Hugging Face's ai_summary, else its contribution sentence).
import type { Paper } from '../papers/model.js';
import { sentences } from '../search/snippets.js';
import { contentOf, paperName, proposes, standAlone } from './sentence.js';

/** Shorter sentences are fragments ("Code is available."), not what a paper does. */
const MIN_CHARS = 30;
/** A gist is one line: longer ones are cut at a word boundary. */
const MAX_CHARS = 300;

/**
 * What the paper does, in one line: Hugging Face's machine summary when the paper has one, else the
 * first of its abstract's sentences that says what the paper proposes (made to stand alone, see
 * {@link standAlone}), else the first that says what it found, else the first that is not
 * background, else its first.
 */
export function gist(p: Pick<Paper, 'title' | 'abstract' | 'aiSummary'>): string {
  const summary = p.aiSummary?.trim();
  if (summary) return clipLine(summary);
  const name = paperName(p);
  let finding: string | null = null;
  let neutral: string | null = null;
  let first: string | null = null;
  for (const s of sentences(p.abstract)) {
    const raw = p.abstract.slice(s.start, s.end).trim();
    if (raw.length < MIN_CHARS) continue;
    first ??= raw;
    const text = standAlone(raw, name, true);
    if (text === null) continue;
    const content = contentOf(text, name);
    if (content === 1 && proposes(text, name)) return clipLine(text);
    if (content === 1) finding ??= text;
    if (content === 0.5) neutral ??= text;
  }
  return clipLine(finding ?? neutral ?? first ?? p.abstract.trim());
}

function clipLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length <= MAX_CHARS) return line;
  const sp = line.lastIndexOf(' ', MAX_CHARS - 1);
  return `${line.slice(0, sp > 0 ? sp : MAX_CHARS - 1)}…`;
}
