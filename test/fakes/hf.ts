// A fake Hugging Face API on 127.0.0.1: /daily_papers (paged, as the real one) and /papers/{id}, from recorded responses, with scripted faults.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config.js';

const FIXTURES = path.join(PROJECT_ROOT, 'test/fixtures/hf');

/** A recorded `daily_papers` item (only what the fake itself reads is typed). */
export interface HfItem {
  paper: { id: string; title: string; upvotes: number; submittedOnDailyAt?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** The recorded response of `GET /daily_papers?limit=100`: one full daily list (2026-06-12, 30 papers). */
export function recordedList(): HfItem[] {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'daily_papers__limit-100__2026-06-13.json'), 'utf8')) as HfItem[];
}

/** The recorded `GET /daily_papers?limit=25`: 14 papers of 2026-07-13 and 11 of 2026-07-10. */
export function recordedMixed(): HfItem[] {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'daily_papers__limit-25__2026-07-13.json'), 'utf8')) as HfItem[];
}

/** The recorded `GET /papers/2608.09888`: a bare paper object. */
export function recordedPaper(): HfItem['paper'] {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'paper__2608.09888.json'), 'utf8')) as HfItem['paper'];
}

/**
 * `n` items made from the recorded ones, for lists longer than any recording (paging past 100, a
 * month of backfill): each is a real item with its arXiv id and title renumbered (`tag` keeps
 * days apart), so every field keeps its real shape.
 */
export function renumbered(n: number, tag: number): HfItem[] {
  const real = [...recordedList(), ...recordedMixed()];
  return Array.from({ length: n }, (_, i) => {
    const base = real[i % real.length] as HfItem;
    const id = `26${String(tag % 100).padStart(2, '0')}.${String(50000 + i).padStart(5, '0')}`;
    return { ...base, paper: { ...base.paper, id, title: `${base.paper.title} (copy ${tag}-${i})` } };
  });
}

/** A scripted answer for the next matching request. */
export type Fault =
  | { kind: 'status'; status: number }
  | { kind: 'rateLimit'; resetS: number }
  /** Accept the request and never answer (a timeout). */
  | { kind: 'hang' }
  /** Answer with a body that is not JSON. */
  | { kind: 'garbage' }
  /** Answer 200 with a JSON list of real items about `bytes` long, streamed without a content-length (a runaway page). */
  | { kind: 'huge'; bytes: number };

/** One request as the real client sent it. */
export interface HfRequest {
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
}

/**
 * Plays the Hugging Face API. `days` maps a list date to its items; `faults` scripts the next
 * answers for a route (`daily_papers` or `daily_papers:<date>`, `papers`), each used once.
 */
export class FakeHf {
  readonly requests: HfRequest[] = [];
  readonly days = new Map<string, HfItem[]>();
  private readonly faults = new Map<string, Fault[]>();
  private readonly hanging = new Set<http.ServerResponse>();
  private readonly server: http.Server;
  private port = 0;
  /** Called with each request before it is answered (tests wait on it, or kill a process then). */
  onRequest: ((r: HfRequest) => void) | null = null;

  constructor() {
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** The base URL to give as HF_API_URL. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  /** Scripts the next answers for `route` (`daily_papers`, `daily_papers:2026-06-12`, `papers`). */
  fail(route: string, ...faults: Fault[]): void {
    this.faults.set(route, [...(this.faults.get(route) ?? []), ...faults]);
  }

  /** Daily list requests for `date`, in order. */
  dailyRequests(date?: string): HfRequest[] {
    return this.requests.filter((r) => r.path === '/api/daily_papers' && (date === undefined || r.query.date === date));
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private nextFault(...routes: string[]): Fault | undefined {
    for (const r of routes) {
      const queue = this.faults.get(r);
      if (queue && queue.length > 0) return queue.shift();
    }
    return undefined;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const request: HfRequest = { path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers };
    this.requests.push(request);
    this.onRequest?.(request);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      // NOTE: Hugging Face serves compact JSON with no trailing newline.
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const routes =
      url.pathname === '/api/daily_papers'
        ? [`daily_papers:${url.searchParams.get('date') ?? ''}`, 'daily_papers']
        : url.pathname.startsWith('/api/papers/')
          ? ['papers']
          : [];
    const fault = this.nextFault(...routes);
    if (fault?.kind === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (fault?.kind === 'status') return json(fault.status, { error: `status ${fault.status}` });
    if (fault?.kind === 'rateLimit')
      return json(429, { error: 'rate limited' }, { ratelimit: `"api";r=0;t=${fault.resetS}`, 'ratelimit-policy': '"fixed window";"api";q=500;w=300' });
    if (fault?.kind === 'huge') {
      void streamHugePage(res, fault.bytes);
      return;
    }
    if (fault?.kind === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>upstream error</html>');
      return;
    }
    if (url.pathname === '/api/daily_papers') {
      const limit = Number(url.searchParams.get('limit') ?? '50');
      const page = Number(url.searchParams.get('p') ?? '0');
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) return json(400, { error: '"limit" must be less than or equal to 100' });
      const items = this.days.get(url.searchParams.get('date') ?? '') ?? [];
      return json(200, items.slice(page * limit, page * limit + limit));
    }
    if (url.pathname.startsWith('/api/papers/')) {
      const id = decodeURIComponent(url.pathname.slice('/api/papers/'.length));
      const item = [...this.days.values()].flat().find((i) => i.paper.id === id);
      if (item) return json(200, item.paper);
      const recorded = recordedPaper();
      if (recorded.id === id) return json(200, recorded);
      return json(404, { error: 'Paper not found' });
    }
    json(404, { error: 'Not Found' });
  }
}

/** Streams `[item, item, …]` of real (renumbered) items for about `bytes`, with backpressure, stopping when the client goes away. */
async function streamHugePage(res: http.ServerResponse, bytes: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  const items = renumbered(100, 77);
  let gone = false;
  res.on('close', () => (gone = true));
  let sent = 0;
  for (let i = 0; sent < bytes && !gone; i++) {
    const piece = `${i === 0 ? '[' : ','}${JSON.stringify(items[i % items.length])}`;
    sent += piece.length;
    if (!res.write(piece)) await new Promise((r) => (res.once('drain', r), res.once('close', r)));
  }
  if (!gone) res.end(']');
}

/** A sleep that waits for nothing: it records each wait and moves `clock` on by it. */
export function fakeSleep(clock?: { advance(ms: number): void }): ((ms: number) => Promise<void>) & { waits: number[] } {
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
    clock?.advance(ms);
  };
  return Object.assign(sleep, { waits });
}
