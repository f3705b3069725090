// A topic's concepts: the words of some topic text grouped into what a paper must each have, with the forms that stand for each.
import type { QueryTerm } from './query.js';
import { abbreviationSpans } from './analysis/abbreviations.js';

/**
 * One concept of a topic: alternative phrases of index terms, any one of which stands for it
 * (`mixture of experts` or `moe`; `2bit` or `2 bit`).
 */
export type Concept = ReadonlyArray<readonly string[]>;

/**
 * The concepts of a parsed topic: each typed word is one, except that a phrase with a known
 * abbreviation (`mixture of experts`, `key value`) is one concept that its abbreviation also
 * stands for, and a joined word (`2bit`) is one that its parts together also stand for.
 * Stemming and spelling folding already join word families and plurals (`quantizing`,
 * `quantized`), and the index gives a text with an abbreviated phrase the abbreviation too, so
 * `kv cache` meets papers that write `key-value cache`.
 */
export function conceptsOf(terms: readonly QueryTerm[]): Array<{ label: string; phrases: Concept }> {
  const typedTerms = terms.filter((t) => !t.of);
  const typed = typedTerms.map((t) => t.term);
  const labels = new Map<number, string>(typedTerms.map((t, i) => [i, t.word]));
  // Per typed word: the concept it belongs to (a phrase's words share one).
  const owner = typed.map((_t, i) => i);
  const alternatives = new Map<number, string[][]>(typed.map((t, i) => [i, [[t]]]));
  const parts = new Map<string, string[]>();
  for (const t of terms) if (t.of?.length === 1) parts.set(t.of[0] as string, [...(parts.get(t.of[0] as string) ?? []), t.term]);
  // NOTE: across the whole text, unlike the search (which abbreviates within one chunk): a topic is one phrase.
  for (const { abbr, start, length } of abbreviationSpans(typed)) {
    if (owner[start] !== start || (alternatives.get(start)?.length ?? 0) > 1) continue;
    for (let k = start; k < start + length; k++) {
      alternatives.delete(owner[k] as number);
      owner[k] = start;
    }
    alternatives.set(start, [typed.slice(start, start + length), [abbr]]);
    labels.set(
      start,
      `${typedTerms
        .slice(start, start + length)
        .map((x) => x.word)
        .join(' ')}/${abbr}`,
    );
  }
  for (const [i, alts] of alternatives) {
    const split = parts.get(typed[i] as string);
    if (split && alts.length === 1) alternatives.set(i, [...alts, split]);
  }
  return [...alternatives].sort((a, b) => a[0] - b[0]).map(([i, phrases]) => ({ label: labels.get(i) ?? '', phrases }));
}
