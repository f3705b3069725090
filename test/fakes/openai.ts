// A fake OpenAI-compatible chat-completions server on loopback: each request is answered the way `mode` says.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type OpenAiMode =
  | { kind: 'reply'; content: string }
  | { kind: 'malformed' }
  | { kind: 'status'; status: number }
  | { kind: 'hang' }
  /** A well-formed completion whose content (`sentence` over and over) makes the body about `bytes` long, streamed without a content-length. */
  | { kind: 'huge'; sentence: string; bytes: number };

export interface ChatRequest {
  path: string;
  authorization: string | undefined;
  body: { model?: string; messages?: Array<{ role: string; content: string }>; stream?: boolean };
}

export class FakeOpenAi {
  mode: OpenAiMode = { kind: 'reply', content: 'NO ANSWER' };
  readonly requests: ChatRequest[] = [];
  private readonly hanging: http.ServerResponse[] = [];

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<FakeOpenAi> {
    const holder: { fake?: FakeOpenAi } = {};
    const server = http.createServer((req, res) => void holder.fake?.handle(req, res));
    const fake = new FakeOpenAi(server);
    holder.fake = fake;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** The base URL a client is configured with (`LLM_BASE_URL`). */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    this.requests.push({ path: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') });
    const m = this.mode;
    if (m.kind === 'hang') {
      this.hanging.push(res);
      return;
    }
    if (m.kind === 'status') {
      res.writeHead(m.status, { 'content-type': 'application/json' }).end('{"error":{"message":"boom"}}');
      return;
    }
    if (m.kind === 'huge') {
      await streamHuge(res, m.sentence, m.bytes);
      return;
    }
    if (m.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices": [ {"message": ');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: m.content }, finish_reason: 'stop' }],
      }),
    );
  }

  async close(): Promise<void> {
    for (const r of this.hanging) r.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Writes a chat completion of about `bytes`, chunk by chunk with backpressure, stopping when the client goes away. */
async function streamHuge(res: http.ServerResponse, sentence: string, bytes: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = JSON.stringify(`${sentence} `.repeat(Math.ceil(65_536 / (sentence.length + 1)))).slice(1, -1);
  let gone = false;
  res.on('close', () => (gone = true));
  res.write('{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"');
  for (let sent = 0; sent < bytes && !gone; sent += chunk.length) {
    if (!res.write(chunk)) await new Promise((r) => (res.once('drain', r), res.once('close', r)));
  }
  if (!gone) res.end('"},"finish_reason":"stop"}]}');
}
