// Streams for in-process CLI runs: a Writable that keeps what is written to it.
import { Writable } from 'node:stream';

/** A stream that keeps what is written to it; `text()` is everything so far, as UTF-8. */
export function sink(): Writable & { text: () => string } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return Object.assign(w, { text: () => Buffer.concat(chunks).toString('utf8') });
}
