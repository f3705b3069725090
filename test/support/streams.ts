// Streams for in-process CLI runs: a Writable that keeps what is written to it, optionally posing as a terminal.
import { Writable } from 'node:stream';

/**
 * A stream that keeps what is written to it; `text()` is everything so far, as UTF-8. With `tty`, it
 * answers as a 100-column terminal does (cli-progress asks for its size and moves the cursor).
 */
export function sink(tty = false): Writable & { text: () => string; isTTY?: boolean } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  const terminal = tty ? { isTTY: true, columns: 100, cursorTo: () => true, clearLine: () => true, moveCursor: () => true } : {};
  return Object.assign(w, { text: () => Buffer.concat(chunks).toString('utf8') }, terminal);
}
