// Reading an HTTP response body under a size cap: streamed, and abandoned (the connection cancelled) as soon as it passes the cap.

/** A body larger than the cap: nothing of it was kept. */
export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
  constructor(readonly maxBytes: number) {
    super(`the response is larger than ${describeBytes(maxBytes)}`);
  }
}

/** `16 MB`, `512 KB`, `300 bytes`: a cap as an operator reads it. */
export function describeBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KB`;
  return `${n} bytes`;
}

/**
 * The body as text (UTF-8), or a {@link BodyTooLarge} once more than `maxBytes` arrived (or the
 * `content-length` announced more): the stream is cancelled then, so no giant string is ever built.
 * NOTE: bytes, not characters; the fetch's own signal (its timeout) still bounds how long this reads.
 */
export async function readBounded(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw new BodyTooLarge(maxBytes);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new BodyTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}
