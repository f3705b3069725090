// lunr's BM25 scoring, evaluated term-at-a-time over stored postings: the same scores as lunr's own index, without rebuilding it.
/** The indexed fields, in posting order, and their boosts (a title word says far more than one in the abstract). */
export const FIELDS = ['title', 'abstract', 'people'] as const;
export type Field = (typeof FIELDS)[number];
export const FIELD_BOOSTS: Readonly<Record<Field, number>> = { title: 3, abstract: 1, people: 1 };

/** lunr.Builder's defaults. */
const K1 = 1.2;
const B = 0.75;

/** One term's postings: `n` is lunr's "documents with term", which counts one per (document, field). */
export interface TermPostings {
  n: number;
  /** Encoded with {@link encodePostings}; several blobs when the term was written in several batches. */
  blobs: readonly Uint8Array[];
}

/** What scoring needs to know about the corpus as a whole and about each document. */
export interface CorpusView {
  /** Live documents (lunr's documentCount). */
  readonly docs: number;
  /** The sum over live documents of each field's length in terms (for lunr's average field length). */
  readonly totalLength: Readonly<Record<Field, number>>;
  /** Whether a document number is live (replaced and removed documents leave dead postings behind). */
  live(doc: number): boolean;
  fieldLength(doc: number, field: number): number;
  postings(term: string): TermPostings | undefined;
}

/** One (document, field, term frequency) entry, documents in ascending order within a blob. */
export interface Posting {
  doc: number;
  field: number;
  tf: number;
}

function pushVarint(out: number[], n: number): void {
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** Encodes postings (sorted by document) as varints: document delta, field, term frequency. */
export function encodePostings(postings: readonly Posting[]): Uint8Array {
  const out: number[] = [];
  let prev = 0;
  for (const p of postings) {
    pushVarint(out, p.doc - prev);
    out.push(p.field);
    pushVarint(out, p.tf);
    prev = p.doc;
  }
  return Uint8Array.from(out);
}

/** Calls `visit` for each posting in a blob written by {@link encodePostings}. */
export function decodePostings(blob: Uint8Array, visit: (doc: number, field: number, tf: number) => void): void {
  let i = 0;
  let doc = 0;
  const read = (): number => {
    let shift = 1;
    let v = 0;
    for (;;) {
      const byte = blob[i++] ?? 0;
      v += (byte & 0x7f) * shift;
      if (byte < 0x80) return v;
      shift *= 128;
    }
  };
  while (i < blob.length) {
    doc += read();
    const field = blob[i++] ?? 0;
    visit(doc, field, read());
  }
}

/** A lunr query clause whose term is already expanded (fuzzy and typo candidates resolved by the caller). */
export interface ScoredClause {
  terms: ReadonlyArray<{ term: string; boost: number }>;
  presence: 'optional' | 'required' | 'prohibited';
}

export interface ScoredMatch {
  doc: number;
  score: number;
  /** The index terms this document matched (lunr's matchData keys). */
  matched: string[];
}

/**
 * Scores documents exactly as `lunr.Index.query` would over the same documents: each field's
 * term weight is lunr's BM25 (`idf · (k1+1)·tf / (k1·(1−b+b·len/avgLen) + tf) · boost`, rounded to
 * three decimals as lunr.Builder does), a document's score is the dot product with the query
 * vector (summed boosts per term) over its norm, summed over fields; required clauses must match,
 * prohibited ones must not. Weights are computed from current corpus statistics at query time, so
 * adding papers needs no rebuild and scores equal a fresh lunr build's.
 */
export function scoreClauses(clauses: readonly ScoredClause[], corpus: CorpusView): ScoredMatch[] {
  const queryWeight = new Map<string, number>();
  const prohibited: string[] = [];
  const required: Array<readonly string[]> = [];
  for (const c of clauses) {
    const present = c.terms.filter((t) => corpus.postings(t.term) !== undefined);
    if (c.presence === 'prohibited') {
      prohibited.push(...present.map((t) => t.term));
      continue;
    }
    if (c.presence === 'required') {
      // NOTE: lunr drops every result when a required term expands to nothing in the index.
      if (present.length === 0) return [];
      required.push(present.map((t) => t.term));
    }
    for (const t of present) queryWeight.set(t.term, (queryWeight.get(t.term) ?? 0) + t.boost);
  }
  if (queryWeight.size === 0) return [];
  const norm = Math.sqrt([...queryWeight.values()].reduce((s, w) => s + w * w, 0));
  const avg = FIELDS.map((f) => (corpus.docs > 0 ? corpus.totalLength[f] / corpus.docs : 0));
  const boosts = FIELDS.map((f) => FIELD_BOOSTS[f]);
  const scores = new Map<number, number>();
  const matched = new Map<number, string[]>();
  const docsWith = new Map<string, Set<number>>();
  const need = new Set([...required.flat(), ...prohibited]);
  for (const [term, q] of queryWeight) {
    const postings = corpus.postings(term);
    if (!postings) continue;
    const idf = Math.log(1 + Math.abs((corpus.docs - postings.n + 0.5) / (postings.n + 0.5)));
    const seen = need.has(term) ? new Set<number>() : null;
    for (const blob of postings.blobs) {
      decodePostings(blob, (doc, field, tf) => {
        if (!corpus.live(doc)) return;
        const len = corpus.fieldLength(doc, field);
        const mean = avg[field] ?? 1;
        const raw = (idf * ((K1 + 1) * tf)) / (K1 * (1 - B + B * (len / mean)) + tf);
        const weight = Math.round(raw * (boosts[field] ?? 1) * 1000) / 1000;
        scores.set(doc, (scores.get(doc) ?? 0) + q * weight);
        const m = matched.get(doc);
        if (!m) matched.set(doc, [term]);
        else if (!m.includes(term)) m.push(term);
        seen?.add(doc);
      });
    }
    if (seen) docsWith.set(term, seen);
  }
  const banned = new Set<number>();
  for (const term of prohibited) {
    const postings = corpus.postings(term);
    for (const blob of postings?.blobs ?? []) decodePostings(blob, (doc) => banned.add(doc));
  }
  const out: ScoredMatch[] = [];
  for (const [doc, s] of scores) {
    if (banned.has(doc)) continue;
    if (!required.every((terms) => terms.some((t) => docsWith.get(t)?.has(doc)))) continue;
    out.push({ doc, score: s / norm, matched: matched.get(doc) ?? [] });
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * A corpus held in memory: documents' field terms turned into postings. For tests and small
 * corpora; the persisted index keeps the same postings in SQLite.
 */
export class MemoryCorpus implements CorpusView {
  private readonly lists = new Map<string, Posting[]>();
  private readonly lengths: number[][] = [];
  private readonly alive: boolean[] = [];
  docs = 0;
  totalLength: Record<Field, number> = { title: 0, abstract: 0, people: 0 };

  /** Adds a document with its analysed terms per field; returns its number. */
  add(fields: Readonly<Record<Field, readonly string[]>>): number {
    const doc = this.lengths.length;
    this.lengths.push(FIELDS.map((f) => fields[f].length));
    this.alive.push(true);
    this.docs += 1;
    FIELDS.forEach((f, field) => {
      this.totalLength[f] += fields[f].length;
      const tf = new Map<string, number>();
      for (const t of fields[f]) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [term, n] of tf) {
        const list = this.lists.get(term) ?? [];
        list.push({ doc, field, tf: n });
        this.lists.set(term, list);
      }
    });
    return doc;
  }

  live(doc: number): boolean {
    return this.alive[doc] === true;
  }

  fieldLength(doc: number, field: number): number {
    return this.lengths[doc]?.[field] ?? 0;
  }

  postings(term: string): TermPostings | undefined {
    const list = this.lists.get(term);
    return list ? { n: list.length, blobs: [encodePostings(list)] } : undefined;
  }
}
