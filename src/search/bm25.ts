// lunr's BM25 scoring, evaluated term-at-a-time over stored postings: the same scores as lunr's own index, without rebuilding it.
/** The indexed fields, in posting order, and their boosts (a title word says far more than one in the abstract). */
export const FIELDS = ['title', 'abstract', 'people'] as const;
export type Field = (typeof FIELDS)[number];
export const FIELD_BOOSTS: Readonly<Record<Field, number>> = { title: 3, abstract: 1, people: 1 };

/** lunr.Builder's defaults. */
const K1 = 1.2;
const B = 0.75;

/**
 * One term's live postings, decoded: parallel arrays of document, field and term frequency, in
 * document order. `n` is lunr's "documents with term", which counts one per (document, field).
 */
export interface TermPostings {
  n: number;
  docs: Int32Array;
  fields: Uint8Array;
  tfs: Int32Array;
}

/** What scoring needs to know about the corpus as a whole and about each document. */
export interface CorpusView {
  /** Live documents (lunr's documentCount). */
  readonly docs: number;
  /** The sum over live documents of each field's length in terms (for lunr's average field length). */
  readonly totalLength: Readonly<Record<Field, number>>;
  /** One past the highest document number (the size of per-document arrays). */
  readonly docLimit: number;
  /** Whether a document number is live (replaced and removed documents leave dead postings behind). */
  live(doc: number): boolean;
  fieldLength(doc: number, field: number): number;
  /** The live postings of a term, or undefined when no live document has it. */
  postings(term: string): TermPostings | undefined;
}

/** Decodes blobs written by {@link encodePostings} into arrays, keeping only postings `keep` accepts. */
export function decodeLive(blobs: readonly Uint8Array[], keep: (doc: number) => boolean): TermPostings | undefined {
  let capacity = 0;
  for (const b of blobs) capacity += b.length;
  // NOTE: a posting takes at least 3 bytes, so a third of the bytes bounds the count.
  const docs = new Int32Array(Math.ceil(capacity / 3));
  const fields = new Uint8Array(docs.length);
  const tfs = new Int32Array(docs.length);
  let k = 0;
  for (const blob of blobs) {
    decodePostings(blob, (doc, field, tf) => {
      if (!keep(doc)) return;
      docs[k] = doc;
      fields[k] = field;
      tfs[k] = tf;
      k++;
    });
  }
  return k === 0 ? undefined : { n: k, docs: docs.subarray(0, k), fields: fields.subarray(0, k), tfs: tfs.subarray(0, k) };
}

/** One (document, field, term frequency) entry, documents in ascending order within a blob. */
export interface Posting {
  doc: number;
  field: number;
  tf: number;
}

/** Encodes postings (sorted by document) as varints: document delta, field, term frequency. */
export function encodePostings(postings: readonly Posting[]): Uint8Array {
  const triples: number[] = [];
  for (const p of postings) triples.push(p.doc, p.field, p.tf);
  return encodePostingTriples(triples);
}

/** Where postings are encoded before they are copied out at their size (a batch of papers encodes thousands of lists). */
let scratch = new Uint8Array(1 << 16);

function scratchOf(bytes: number): Uint8Array {
  if (scratch.length < bytes) scratch = new Uint8Array(Math.max(bytes, 2 * scratch.length));
  return scratch;
}

/** Writes `n` as a varint at `at`; returns where the next byte goes. */
function writeVarint(out: Uint8Array, at: number, n: number): number {
  let i = at;
  let v = n;
  while (v >= 0x80) {
    out[i++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[i++] = v;
  return i;
}

/** The bytes {@link encodePostings} writes, from postings given as flat (document, field, tf) triples in document order. */
export function encodePostingTriples(triples: ArrayLike<number>): Buffer {
  // NOTE: a varint of a number below 2^53 takes at most 8 bytes and a field one: 17 bytes bound a posting.
  const out = scratchOf((triples.length / 3) * 17);
  let at = 0;
  let prev = 0;
  for (let i = 0; i < triples.length; i += 3) {
    const doc = triples[i] as number;
    at = writeVarint(out, at, doc - prev);
    out[at++] = triples[i + 1] as number;
    at = writeVarint(out, at, triples[i + 2] as number);
    prev = doc;
  }
  return Buffer.from(out.subarray(0, at));
}

/**
 * One blob holding the postings of several, without those of documents `keep` rejects, sorted by
 * document and field. Blobs that follow each other in document order (a term's segments, in order)
 * are joined as they are decoded; others are sorted first.
 */
export function mergePostings(blobs: readonly Uint8Array[], keep: (doc: number) => boolean): Buffer {
  let bytes = 0;
  for (const b of blobs) bytes += b.length;
  // NOTE: never longer than its parts: a delta grows only where a posting (at least 3 bytes) was dropped.
  const out = scratchOf(bytes);
  let at = 0;
  let prev = 0;
  let prevField = -1;
  let ordered = true;
  for (const blob of blobs) {
    decodePostings(blob, (doc, field, tf) => {
      if (!ordered || !keep(doc)) return;
      if (doc < prev || (doc === prev && field <= prevField)) ordered = false;
      at = writeVarint(out, at, doc - prev);
      out[at++] = field;
      at = writeVarint(out, at, tf);
      prev = doc;
      prevField = field;
    });
  }
  if (ordered) return Buffer.from(out.subarray(0, at));
  const kept: Posting[] = [];
  for (const blob of blobs) decodePostings(blob, (doc, field, tf) => keep(doc) && kept.push({ doc, field, tf }));
  kept.sort((a, b) => a.doc - b.doc || a.field - b.field);
  return Buffer.from(encodePostings(kept));
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
 * Every match of a query, as parallel arrays (a common word matches most of the corpus, so no
 * object per match): documents best first, their scores, and for each a bit mask over `terms`
 * saying which query terms it matched.
 */
export interface ScoredMatches {
  docs: Int32Array;
  scores: Float64Array;
  masks: Float64Array;
  terms: readonly string[];
}

/** How many distinct positive query terms the match masks can tell apart (2^53 is exact in a double). */
export const MAX_SCORED_TERMS = 52;

const EMPTY: ScoredMatches = { docs: new Int32Array(0), scores: new Float64Array(0), masks: new Float64Array(0), terms: [] };

/**
 * Scores documents exactly as `lunr.Index.query` would over the same documents: each field's
 * term weight is lunr's BM25 (`idf · (k1+1)·tf / (k1·(1−b+b·len/avgLen) + tf) · boost`, rounded to
 * three decimals as lunr.Builder does), a document's score is the dot product with the query
 * vector (summed boosts per term) over its norm, summed over fields; required clauses must match,
 * prohibited ones must not. Weights are computed from current corpus statistics at query time, so
 * adding papers needs no rebuild and scores equal a fresh lunr build's. Term-at-a-time over
 * decoded postings: the work is the postings of the query's terms, never a pass over documents.
 */
export function scoreMatches(clauses: readonly ScoredClause[], corpus: CorpusView): ScoredMatches {
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
      if (present.length === 0) return EMPTY;
      required.push(present.map((t) => t.term));
    }
    for (const t of present) {
      if (!queryWeight.has(t.term) && queryWeight.size >= MAX_SCORED_TERMS) continue;
      queryWeight.set(t.term, (queryWeight.get(t.term) ?? 0) + t.boost);
    }
  }
  if (queryWeight.size === 0) return EMPTY;
  const terms = [...queryWeight.keys()];
  const norm = Math.sqrt([...queryWeight.values()].reduce((s, w) => s + w * w, 0));
  const avg = FIELDS.map((f) => (corpus.docs > 0 ? corpus.totalLength[f] / corpus.docs : 1) || 1);
  const boosts = FIELDS.map((f) => FIELD_BOOSTS[f]);
  const limit = corpus.docLimit;
  const scores = new Float64Array(limit);
  const masks = new Float64Array(limit);
  const touched = new Int32Array(limit);
  let touchedCount = 0;
  terms.forEach((term, bitIndex) => {
    const p = corpus.postings(term) as TermPostings;
    const q = queryWeight.get(term) ?? 0;
    const bit = 2 ** bitIndex;
    const idf = Math.log(1 + Math.abs((corpus.docs - p.n + 0.5) / (p.n + 0.5)));
    const factor = idf * (K1 + 1);
    for (let i = 0; i < p.n; i++) {
      const doc = p.docs[i] as number;
      const field = p.fields[i] as number;
      const tf = p.tfs[i] as number;
      const len = corpus.fieldLength(doc, field);
      const raw = (factor * tf) / (K1 * (1 - B + B * (len / (avg[field] as number))) + tf);
      const weight = Math.round(raw * (boosts[field] as number) * 1000) / 1000;
      if (masks[doc] === 0) touched[touchedCount++] = doc;
      scores[doc] = (scores[doc] as number) + q * weight;
      const m = masks[doc] as number;
      // NOTE: the same term in two fields of a document sets its bit once.
      if (Math.floor(m / bit) % 2 === 0) masks[doc] = m + bit;
    }
  });
  const banned = new Uint8Array(limit);
  for (const term of prohibited) {
    const p = corpus.postings(term);
    if (p) for (let i = 0; i < p.n; i++) banned[p.docs[i] as number] = 1;
  }
  const requiredMasks = required.map((list) => list.reduce((m, t) => (terms.includes(t) ? m + 2 ** terms.indexOf(t) : m), 0));
  const keep: number[] = [];
  for (let i = 0; i < touchedCount; i++) {
    const doc = touched[i] as number;
    if (banned[doc] === 1) continue;
    const m = masks[doc] as number;
    if (!requiredMasks.every((rm) => hasAnyBit(m, rm))) continue;
    keep.push(doc);
  }
  keep.sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const out: ScoredMatches = { docs: Int32Array.from(keep), scores: new Float64Array(keep.length), masks: new Float64Array(keep.length), terms };
  keep.forEach((doc, i) => {
    out.scores[i] = (scores[doc] as number) / norm;
    out.masks[i] = masks[doc] as number;
  });
  return out;
}

/** Whether two bit masks held in doubles (up to 52 bits) share a bit. */
export function hasAnyBit(a: number, b: number): boolean {
  let x = a;
  let y = b;
  while (x > 0 && y > 0) {
    if (x % 2 === 1 && y % 2 === 1) return true;
    x = Math.floor(x / 2);
    y = Math.floor(y / 2);
  }
  return false;
}

/** The terms a match mask stands for. */
export function maskTerms(mask: number, terms: readonly string[]): string[] {
  const out: string[] = [];
  let m = mask;
  for (let i = 0; m > 0 && i < terms.length; i++, m = Math.floor(m / 2)) if (m % 2 === 1) out.push(terms[i] as string);
  return out;
}

/** {@link scoreMatches} as one object per match, for tests and small result sets. */
export function scoreClauses(clauses: readonly ScoredClause[], corpus: CorpusView): ScoredMatch[] {
  const r = scoreMatches(clauses, corpus);
  return Array.from(r.docs, (doc, i) => ({ doc, score: r.scores[i] as number, matched: maskTerms(r.masks[i] as number, r.terms) }));
}

/**
 * A corpus held in memory: documents' field terms turned into postings. For tests and small
 * corpora; the persisted index keeps the same postings in SQLite.
 */
export class MemoryCorpus implements CorpusView {
  private readonly lists = new Map<string, Posting[]>();
  private readonly decoded = new Map<string, TermPostings>();
  private readonly lengths: number[][] = [];
  private readonly alive: boolean[] = [];
  docs = 0;
  totalLength: Record<Field, number> = { title: 0, abstract: 0, people: 0 };

  get docLimit(): number {
    return this.lengths.length;
  }

  /** Adds a document with its analysed terms per field; returns its number. */
  add(fields: Readonly<Record<Field, readonly string[]>>): number {
    const doc = this.lengths.length;
    this.decoded.clear();
    this.lengths.push(FIELDS.map((f) => fields[f].length));
    this.alive.push(true);
    this.docs += 1;
    FIELDS.forEach((f, field) => {
      this.totalLength[f] += fields[f].length;
      const tf = new Map<string, number>();
      for (const t of fields[f]) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [term, n] of tf) {
        const list = this.lists.get(term);
        if (list) list.push({ doc, field, tf: n });
        else this.lists.set(term, [{ doc, field, tf: n }]);
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
    const cached = this.decoded.get(term);
    if (cached) return cached;
    const list = this.lists.get(term);
    if (!list) return undefined;
    const p = {
      n: list.length,
      docs: Int32Array.from(list, (x) => x.doc),
      fields: Uint8Array.from(list, (x) => x.field),
      tfs: Int32Array.from(list, (x) => x.tf),
    };
    this.decoded.set(term, p);
    return p;
  }
}
