// The Hugging Face Daily Papers API as a paper source: one day's list, paged, checked item by item, retried, rate-limit aware.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pRetry, { AbortError } from 'p-retry';
import { z } from 'zod';
import { BodyTooLarge, describeBytes, readBounded } from '../boundedBody.js';
import { PROJECT_ROOT } from '../config.js';
import type { SourceBatch, SourceWarning } from '../ports.js';
import { checkPaper, normalizeWhitespace, type Paper } from './model.js';

/**
 * What paperboy is, for the User-Agent (so Hugging Face can tell who is calling and why).
 * NOTE: package.json names no repository yet; add its URL here (`+https://…`) when it does.
 */
export const PROJECT_DESCRIPTION = 'ML papers chat bot for Slack and Discord; reads the Daily Papers list';

/** The API caps `limit` here (a larger one is answered 400). */
export const HF_PAGE_LIMIT = 100;

/** Pages read for one day at most: a daily list holds tens of papers, rarely over 100. */
const MAX_PAGES = 20;

/** Rate-limit waits (429) one request sits out before it gives up. */
const MAX_RATE_WAITS = 3;

/** The wait when a 429 says nothing about when the limit resets (seconds). */
const DEFAULT_RATE_WAIT_S = 60;

/** A wait paperboy refuses to sit out: past this, the request fails and the next run tries again (seconds). */
const MAX_RATE_WAIT_S = 300;

/** How the client sleeps between attempts; tests pass one that advances a fake clock and returns at once. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) => delay(ms, undefined, signal ? { signal } : {});

export interface HfClientOptions {
  /** `HF_API_URL`, e.g. `https://huggingface.co/api`. */
  apiUrl: string;
  /** `HF_TOKEN`: sent as a bearer token, never logged or put in an error. */
  token?: string;
  /** How long one request may take, response body included (milliseconds). */
  timeoutMs: number;
  /** Attempts after the first for 5xx answers, timeouts and network errors. */
  retries?: number;
  /** The first backoff (milliseconds); each retry doubles it, with jitter. */
  backoffMs?: number;
  sleep?: Sleep;
  /** Jitter source, 0 ≤ x < 1. */
  random?: () => number;
  userAgent?: string;
  /** HF_MAX_RESPONSE_MB in bytes: a larger answer is abandoned as it streams in (default {@link HF_MAX_RESPONSE_BYTES}). */
  maxResponseBytes?: number;
}

/**
 * The largest answer read (bytes). NOTE: a full page of 100 real items is about 0.5-2 MB; this leaves
 * room for long abstracts while a runaway answer (tens of MB) is cut off as it streams.
 */
export const HF_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** Why a request failed for good, so callers can word it (and the CLI's summary can say what to do). */
export type HfFailure = 'unavailable' | 'rate-limited' | 'bad-response' | 'refused' | 'too-large';

/** A request to the API that did not give an answer. The message names the URL path and status, never the token. */
export class HfError extends Error {
  override readonly name = 'HfError';
  constructor(
    readonly failure: HfFailure,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** One entry of a stored daily list: the paper's arXiv id, its place in the list and its upvotes when fetched. */
export interface DailyEntry {
  paperId: string;
  rank: number;
  upvotes: number;
}

/** One day's list as read: the papers (ready to store), the list itself, and what was skipped. */
export interface DailyBatch extends SourceBatch {
  date: string;
  entries: DailyEntry[];
}

// NOTE: the API omits optional fields (never null). Only what paperboy keeps is checked; a bad
// optional value drops that value, a bad required one skips the item.
const optionalUrl = z
  .url({ protocol: /^https?$/ })
  .optional()
  .catch(undefined);
const optionalCount = z.number().int().nonnegative().optional().catch(undefined);

const hfPaperSchema = z.object({
  id: z.string(),
  title: z.string(),
  summary: z.string(),
  authors: z.array(z.object({ name: z.string() })).default([]),
  /** The arXiv date. NOTE: midnight UTC, so its date part is the arXiv calendar date. */
  publishedAt: z.iso.datetime({ offset: true }).optional(),
  upvotes: z.number().int().nonnegative(),
  ai_summary: z.string().optional().catch(undefined),
  ai_keywords: z.array(z.string()).optional().catch(undefined),
  githubRepo: optionalUrl,
  githubStars: optionalCount,
  projectPage: optionalUrl,
  organization: z.object({ name: z.string(), fullname: z.string().optional() }).optional().catch(undefined),
});

const itemSchema = z.object({
  paper: hfPaperSchema,
  thumbnail: optionalUrl,
  numComments: optionalCount,
});

type HfPaper = z.infer<typeof hfPaperSchema>;

const ARXIV_ID = /^(\d{4}\.\d{4,5})(?:v\d+)?$/;

/** `2501.01234v2` and `2501.01234` are one paper; null for anything that is not a new-style arXiv id. */
export function normalArxivId(id: string): string | null {
  return ARXIV_ID.exec(id.trim())?.[1] ?? null;
}

/** Plain text as the API gives it (hard-wrapped, padded) as paperboy shows it: one line, single spaces. */
export function normalText(s: string): string {
  return normalizeWhitespace(s);
}

/** The descriptive User-Agent: `paperboy/<version> (<what it is>)`. */
export function userAgent(version = packageVersion()): string {
  return `paperboy/${version} (${PROJECT_DESCRIPTION})`;
}

function packageVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Seconds until the rate limit resets, from `RateLimit: "api";r=0;t=55` (the IETF draft header
 * Hugging Face sends), else `Retry-After` in seconds, else null.
 */
export function rateLimitWait(headers: Headers): number | null {
  const t = /(?:^|;)\s*t=(\d+)/.exec(headers.get('ratelimit') ?? '')?.[1];
  if (t !== undefined) return Number(t);
  const after = headers.get('retry-after');
  return after && /^\d+$/.test(after.trim()) ? Number(after.trim()) : null;
}

/** A failure worth another attempt (5xx, timeout, network, a body cut short). */
class Transient extends Error {}

/** A 429, with how long to wait (seconds). */
class RateLimited extends Error {
  constructor(
    message: string,
    readonly waitS: number,
  ) {
    super(message);
  }
}

/**
 * The Daily Papers API client. Every request has a timeout, sends the User-Agent (and the token
 * when set), retries 5xx answers and network faults with exponential backoff and jitter (p-retry),
 * and sits out a 429 for as long as its `RateLimit` header says. All waiting goes through `sleep`.
 * See https://huggingface.co/docs/hub/api (daily papers) and https://huggingface.co/docs/hub/rate-limits.
 */
export class HfClient {
  private readonly base: string;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly headers: Record<string, string>;
  private readonly maxResponseBytes: number;

  constructor(private readonly opts: HfClientOptions) {
    this.maxResponseBytes = opts.maxResponseBytes ?? HF_MAX_RESPONSE_BYTES;
    this.base = opts.apiUrl.endsWith('/') ? opts.apiUrl : `${opts.apiUrl}/`;
    this.sleep = opts.sleep ?? realSleep;
    this.random = opts.random ?? Math.random;
    this.headers = { accept: 'application/json', 'user-agent': opts.userAgent ?? userAgent() };
    if (opts.token) this.headers.authorization = `Bearer ${opts.token}`;
  }

  /**
   * The daily list of `date` (`YYYY-MM-DD`, the day papers were put on the list, New York time),
   * every page of it. A bad item is skipped with a warning and counted (`counts.skipped`); the
   * papers come back in list order, one per arXiv id.
   */
  async daily(date: string, signal?: AbortSignal): Promise<DailyBatch> {
    const papers: Paper[] = [];
    const entries: DailyEntry[] = [];
    const warnings: SourceWarning[] = [];
    const seen = new Set<string>();
    let items = 0;
    let pages = 0;
    let skipped = 0;
    for (let p = 0; p < MAX_PAGES; p++) {
      const body = await this.getJson('daily_papers', { date, limit: String(HF_PAGE_LIMIT), p: String(p) }, signal);
      pages += 1;
      if (!Array.isArray(body)) throw new HfError('bad-response', `${this.where('daily_papers')} did not answer with a list of papers.`);
      for (const [i, raw] of body.entries()) {
        items += 1;
        const where = `hf:daily_papers ${date} page ${p} item ${i}`;
        const read = readItem(raw, date);
        if (!read.ok) {
          skipped += 1;
          warnings.push({ where, message: `skipped an item paperboy cannot read: ${read.error}` });
          continue;
        }
        if (read.clipped) warnings.push({ where, message: read.clipped });
        if (seen.has(read.paper.id)) continue;
        seen.add(read.paper.id);
        papers.push(read.paper);
        entries.push({ paperId: read.paper.id, rank: entries.length + 1, upvotes: read.paper.upvotes ?? 0 });
      }
      if (body.length < HF_PAGE_LIMIT) break;
    }
    return { date, papers, entries, warnings, counts: { pages, items, papers: papers.length, skipped } };
  }

  /** One paper by arXiv id (any version), or null when Hugging Face does not know it (404). */
  async paper(arxivId: string, signal?: AbortSignal): Promise<Paper | null> {
    const id = normalArxivId(arxivId);
    if (!id) return null;
    let body: unknown;
    try {
      body = await this.getJson(`papers/${id}`, {}, signal);
    } catch (e) {
      if (e instanceof HfError && e.status === 404) return null;
      throw e;
    }
    const read = readItem({ paper: body }, null);
    if (!read.ok) throw new HfError('bad-response', `${this.where(`papers/${id}`)} answered with a paper paperboy cannot read: ${read.error}`);
    return read.paper;
  }

  private where(route: string): string {
    return `The Hugging Face API (${this.base}${route})`;
  }

  private async getJson(route: string, query: Record<string, string>, signal?: AbortSignal): Promise<unknown> {
    const url = new URL(route, this.base);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const where = this.where(route);
    let rateWaits = 0;
    const backoff = this.opts.backoffMs ?? 1_000;
    try {
      return await pRetry(
        async () => {
          let res: Response;
          const timeout = AbortSignal.timeout(this.opts.timeoutMs);
          const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
          try {
            res = await fetch(url, { headers: this.headers, signal: both });
            if (res.status === 429) {
              await res.body?.cancel();
              const wait = rateLimitWait(res.headers) ?? DEFAULT_RATE_WAIT_S;
              throw new RateLimited(`${where} is rate limiting paperboy (429; it resets in ${wait} s).`, wait);
            }
            if (res.status >= 500) {
              await res.body?.cancel();
              throw new Transient(`${where} answered ${res.status}.`);
            }
            if (!res.ok) {
              await res.body?.cancel();
              const hint = res.status === 401 || res.status === 403 ? ' Check HF_TOKEN.' : '';
              throw new AbortError(new HfError('refused', `${where} answered ${res.status}.${hint}`, res.status));
            }
            let text: string;
            try {
              text = await readBounded(res, this.maxResponseBytes);
            } catch (e) {
              if (!(e instanceof BodyTooLarge)) throw e;
              throw new AbortError(
                new HfError(
                  'too-large',
                  `${where} answered with more than ${describeBytes(e.maxBytes)} (HF_MAX_RESPONSE_MB); paperboy stopped reading it and kept nothing of it.`,
                ),
              );
            }
            try {
              return JSON.parse(text) as unknown;
            } catch {
              throw new AbortError(new HfError('bad-response', `${where} answered with something that is not JSON.`));
            }
          } catch (e) {
            if (e instanceof AbortError || e instanceof RateLimited || e instanceof Transient) throw e;
            if (signal?.aborted) throw new AbortError(new HfError('unavailable', `${where}: the request was cancelled.`));
            if (timeout.aborted) throw new Transient(`${where} did not answer within ${this.opts.timeoutMs} ms.`);
            throw new Transient(`${where} could not be reached (${networkCause(e)}).`);
          }
        },
        {
          retries: this.opts.retries ?? 4,
          // NOTE: p-retry's own delay is switched off; waiting happens in shouldRetry through `sleep`.
          minTimeout: 0,
          maxTimeout: 0,
          ...(signal ? { signal } : {}),
          shouldConsumeRetry: ({ error }) => !(error instanceof RateLimited),
          shouldRetry: async ({ error, retriesConsumed }) => {
            if (error instanceof RateLimited) {
              if (rateWaits >= MAX_RATE_WAITS || error.waitS > MAX_RATE_WAIT_S) return false;
              rateWaits += 1;
              await this.sleep(error.waitS * 1_000, signal);
              return true;
            }
            // Full jitter: a random wait up to the doubled backoff, so many clients do not retry in step.
            const cap = backoff * 2 ** retriesConsumed;
            await this.sleep(Math.round(cap / 2 + (this.random() * cap) / 2), signal);
            return true;
          },
        },
      );
    } catch (e) {
      if (e instanceof HfError) throw e;
      if (e instanceof RateLimited) throw new HfError('rate-limited', e.message, 429);
      if (e instanceof Transient) throw new HfError('unavailable', e.message);
      if (signal?.aborted) throw new HfError('unavailable', `${where}: the request was cancelled.`);
      throw e;
    }
  }
}

/** The low-level reason fetch gives (ECONNREFUSED, ENOTFOUND…), without any URL credentials. */
function networkCause(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : 'network error');
}

type ItemRead = { ok: true; paper: Paper; clipped: string | null } | { ok: false; error: string };

/** One API item as a paper, or what is wrong with it (one line, never zod's text). */
function readItem(raw: unknown, listDate: string | null): ItemRead {
  const parsed = itemSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'the item';
    return { ok: false, error: `${field} is ${issue?.code === 'invalid_type' && valueAt(raw, issue.path) === undefined ? 'missing' : 'not valid'}` };
  }
  const { paper: hp, thumbnail, numComments } = parsed.data;
  const arxivId = normalArxivId(hp.id);
  if (!arxivId) return { ok: false, error: `paper.id (${JSON.stringify(hp.id.slice(0, 40))}) is not an arXiv id` };
  const paper = toPaper(hp, arxivId, listDate, thumbnail, numComments);
  let clipped: string | null = null;
  const checked = checkPaper(paper, (message) => (clipped = message));
  return checked.ok ? { ok: true, paper: checked.value, clipped } : { ok: false, error: checked.error };
}

function toPaper(hp: HfPaper, arxivId: string, listDate: string | null, thumbnail: string | undefined, numComments: number | undefined): Paper {
  const authors = hp.authors.map((a) => normalText(a.name)).filter((n) => n !== '');
  const keywords = hp.ai_keywords?.map(normalText).filter((k) => k !== '');
  const summary = hp.ai_summary === undefined ? '' : normalText(hp.ai_summary);
  return {
    id: arxivId,
    title: normalText(hp.title),
    abstract: normalText(hp.summary),
    authors,
    authorCount: authors.length > 0 ? authors.length : null,
    org: hp.organization ? normalText(hp.organization.fullname ?? hp.organization.name) || null : null,
    publishedAt: hp.publishedAt ? hp.publishedAt.slice(0, 10) : null,
    upvotes: hp.upvotes,
    arxivId,
    thumbnail: thumbnail ?? null,
    sources: [listDate ? { name: 'hf:daily_papers', ref: listDate } : { name: 'hf:papers' }],
    ...(hp.githubRepo ? { githubRepo: hp.githubRepo } : {}),
    ...(hp.githubStars !== undefined ? { githubStars: hp.githubStars } : {}),
    ...(hp.projectPage ? { projectPage: hp.projectPage } : {}),
    ...(summary ? { aiSummary: summary } : {}),
    ...(keywords && keywords.length > 0 ? { aiKeywords: keywords } : {}),
    ...(numComments !== undefined ? { numComments } : {}),
    ...(hp.organization && HF_HANDLE.test(hp.organization.name) ? { orgHandle: hp.organization.name } : {}),
  };
}

/** A Hugging Face organization handle as the Hub allows them (letters, digits, `-`, `_`, `.`; at most 96). */
const HF_HANDLE = /^[\w.-]{1,96}$/;

function valueAt(input: unknown, at: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of at) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}
