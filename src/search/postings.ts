// The postings codec: (document, field, term frequency) entries as varint blobs, and their decoded arrays.

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
