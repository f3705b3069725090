// BM25's length normalisation per document and field, worked out once per index version instead of once per posting a search reads.
import type { CorpusView } from '../corpusData.js';
import { FIELDS } from '../document.js';

/** What the tables were built for: they are rebuilt when any of it changes. */
interface Built {
  version: number;
  limit: number;
  key: string;
  tables: Float64Array[];
}

const built = new WeakMap<object, Built>();

/**
 * Per field, `1 − b + b · len / avgLen` for every document number below `docLimit` (the same
 * expression, so the same doubles, as computing it per posting). Only for index data that says
 * when its documents change (`version`); null otherwise, and the caller computes it per posting.
 */
export function lengthNorms(
  corpus: CorpusView & { readonly version?: number },
  norms: readonly number[],
  avgs: readonly number[],
): readonly Float64Array[] | null {
  const version = corpus.version;
  if (version === undefined) return null;
  const limit = corpus.docLimit;
  const key = `${norms.join(',')}|${avgs.join(',')}`;
  const had = built.get(corpus);
  if (had && had.version === version && had.limit === limit && had.key === key) return had.tables;
  const tables = FIELDS.map((_f, field) => {
    const b = norms[field] ?? 0;
    const avg = avgs[field] as number;
    const table = new Float64Array(limit);
    for (let doc = 0; doc < limit; doc++) table[doc] = 1 - b + (b * corpus.fieldLength(doc, field)) / avg;
    return table;
  });
  built.set(corpus, { version, limit, key, tables });
  return tables;
}
