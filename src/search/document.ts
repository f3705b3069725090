// What the index holds of a paper: its analysed terms per field, the same for every index implementation.
import type { Paper } from '../papers/model.js';
import { analyze, compounds } from './analysis/analyze.js';

/** The indexed fields, in posting order. */
export const FIELDS = ['title', 'abstract', 'people'] as const;
export type Field = (typeof FIELDS)[number];

/**
 * A paper's index terms per field: title and abstract words (stopwords out, spellings folded,
 * stemmed, abbreviations and joined hyphen compounds added), Hugging Face's key phrases with the
 * abstract (they name methods the abstract may only abbreviate), and the people (authors, org).
 * Title and abstract are indexed as the source wrote them (`rawText`).
 * `onWord` sees each title and abstract word with its term (the vocabulary typos are corrected against).
 */
export function documentFields(p: Paper, onWord?: (word: string, term: string) => void): Record<Field, string[]> {
  // NOTE: the source's text as it came, where display cleaning changed it (measured: indexing the cleaned text lowered `npm run eval`).
  const title = p.rawText?.title ?? p.title;
  const abstract = p.rawText?.abstract ?? p.abstract;
  return {
    title: [...analyze(title, onWord), ...compounds(title)],
    abstract: [...analyze(abstract, onWord), ...compounds(abstract), ...analyze((p.aiKeywords ?? []).join(' '), onWord)],
    people: analyze([...p.authors, p.org ?? ''].join(' ')),
  };
}
