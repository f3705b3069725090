// Decoded postings kept between searches: the least recently used dropped first, bounded by terms and by bytes.
import type { TermPostings } from '../search/postings.js';

/** Terms whose postings stay decoded-ready in memory between searches, at most. */
const MAX_TERMS = 2048;
/**
 * The decoded postings kept, at most, in bytes: at 100,000 papers a common term's are a megabyte or
 * more, and 2,048 of them were the largest part of a serving process's memory.
 */
const MAX_BYTES = 16 * 1024 * 1024;

export class PostingsCache {
  /** Postings by term (undefined: the term has none), most recently used last. */
  private readonly held = new Map<string, TermPostings | undefined>();
  private bytes = 0;

  constructor(
    private readonly maxTerms = MAX_TERMS,
    private readonly maxBytes = MAX_BYTES,
  ) {}

  get size(): number {
    return this.held.size;
  }

  /** A term's postings, from memory or else `read` (then kept). */
  get(term: string, read: () => TermPostings | undefined): TermPostings | undefined {
    if (this.held.has(term)) {
      const cached = this.held.get(term);
      this.held.delete(term);
      this.held.set(term, cached);
      return cached;
    }
    const found = read();
    this.held.set(term, found);
    this.bytes += bytesOf(found);
    while (this.held.size > this.maxTerms || (this.bytes > this.maxBytes && this.held.size > 1)) this.delete(this.held.keys().next().value as string);
    return found;
  }

  delete(term: string): void {
    if (!this.held.has(term)) return;
    this.bytes -= bytesOf(this.held.get(term));
    this.held.delete(term);
  }

  clear(): void {
    this.held.clear();
    this.bytes = 0;
  }
}

/** The memory a term's decoded postings hold (their arrays' whole buffers: decoding sizes them by an upper bound). */
function bytesOf(p: TermPostings | undefined): number {
  return p ? p.docs.buffer.byteLength + p.fields.buffer.byteLength + p.tfs.buffer.byteLength : 0;
}
