// A batch's postings as the writer builds them: per-term triples, the subject counts read from them, and the hash that tells a paper's text changed.
import { createHash } from 'node:crypto';
import type { PaperRow } from './paperRows.js';

/** A hash of what a paper's postings are made from: a paper whose hash is unchanged keeps its postings (only its ranking facts are rewritten). */
export function textHash(p: Pick<PaperRow, 'title' | 'abstract' | 'authors' | 'org' | 'ai_keywords' | 'raw_text'>): string {
  return createHash('sha1')
    .update(
      `${p.title}\u0000${p.abstract}\u0000${p.authors}\u0000${p.org ?? ''}\u0000${p.ai_keywords ?? ''}${p.raw_text === null ? '' : `\u0000${p.raw_text}`}`,
    )
    .digest('base64url');
}

/** A term's postings in a batch as flat (document, field, tf) triples in document order, and the last posting's document and field. */
export interface TermList {
  triples: number[];
  doc: number;
  field: number;
}

/**
 * A document's counts of the subjects' terms in its title, and in title and abstract together (what
 * `isAbout` reads), from the batch's postings: the document's own are the last of each term's list.
 */
export function subjectCounts(
  terms: ReadonlySet<string>,
  byTerm: ReadonlyMap<string, TermList>,
  doc: number,
): { title: Map<string, number>; both: Map<string, number> } {
  const title = new Map<string, number>();
  const both = new Map<string, number>();
  for (const term of terms) {
    const triples = byTerm.get(term)?.triples ?? [];
    for (let i = triples.length - 3; i >= 0 && triples[i] === doc; i -= 3) {
      const field = triples[i + 1] as number;
      const tf = triples[i + 2] as number;
      if (field === 0) title.set(term, tf);
      if (field <= 1) both.set(term, (both.get(term) ?? 0) + tf);
    }
  }
  return { title, both };
}
