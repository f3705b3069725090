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
