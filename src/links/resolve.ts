// Turns pasted paper links into papers: stored ones at once, others fetched from Hugging Face (with a deadline) and stored; repeats within a minute cost no fetch.
import { describeError } from '../errorInfo.js';
import type { Logger } from '../logger.js';
import type { Paper } from '../papers/model.js';
import type { Clock, PaperFetcher, UpsertStats } from '../ports.js';
import type { PaperLink } from './parse.js';

/** How long one link's fetch may take, retries included (milliseconds): a card that comes later than this is not worth waiting for. */
export const LINK_FETCH_DEADLINE_MS = 5_000;

/** How long a fetch's outcome (a paper, or "unknown", or a failure) answers the same link in the same channel again (milliseconds). */
export const LINK_REPEAT_MS = 60_000;

/** Fetch outcomes kept at most: the oldest is forgotten first, so a flood of distinct links holds bounded memory. */
export const LINK_CACHE_ENTRIES = 500;

/** What the resolver needs of the library: a stored paper by id, and storing one (so `paper <id>` knows it afterwards). */
export interface LinkLibrary {
  get(id: string): Paper | undefined;
  ingest(papers: readonly Paper[]): Promise<UpsertStats>;
}

export interface LinkResolverOptions {
  library: LinkLibrary;
  /** Absent: only stored papers get cards. */
  fetcher?: PaperFetcher;
  clock: Clock;
  logger: Logger;
  deadlineMs?: number;
  repeatMs?: number;
  maxEntries?: number;
}

/** One link with the paper it names, when that paper could be found. */
export interface ResolvedLink {
  link: PaperLink;
  paper: Paper | null;
}

/**
 * Finds the paper behind each link. A paper not stored is fetched once (`GET /api/papers/{id}`)
 * within {@link LINK_FETCH_DEADLINE_MS} and stored; one Hugging Face does not know, or a fetch that
 * fails, gives null and a log line, never an error: a link card is a courtesy, and a channel must not
 * hear about its failures. The outcome is kept for {@link LINK_REPEAT_MS} per channel and paper, so
 * the same link pasted again (or sent again by the platform) is not fetched twice.
 */
export class LinkResolver {
  private readonly recent = new Map<string, { at: number; paper: Promise<Paper | null> }>();
  private readonly logger: Logger;

  constructor(private readonly opts: LinkResolverOptions) {
    this.logger = opts.logger.child({ component: 'link-cards' });
  }

  /** The links with their papers, in the order given; `where` is the channel (or user) the links were posted in. */
  async resolve(links: readonly PaperLink[], where: string): Promise<ResolvedLink[]> {
    const ids = [...new Set(links.map((l) => l.arxivId))];
    const papers = new Map(await Promise.all(ids.map(async (id) => [id, await this.paper(id, where)] as const)));
    return links.map((link) => ({ link, paper: papers.get(link.arxivId) ?? null }));
  }

  private paper(arxivId: string, where: string): Promise<Paper | null> {
    const stored = this.opts.library.get(arxivId);
    if (stored) return Promise.resolve(stored);
    const fetcher = this.opts.fetcher;
    if (!fetcher) {
      this.logger.info({ arxivId }, 'a pasted paper link names a paper not stored, and no live source is configured: no card');
      return Promise.resolve(null);
    }
    const now = this.opts.clock.now().getTime();
    const key = `${where}\u0000${arxivId}`;
    const hit = this.recent.get(key);
    if (hit && now - hit.at < (this.opts.repeatMs ?? LINK_REPEAT_MS)) return hit.paper;
    this.recent.delete(key);
    const paper = this.fetchAndStore(fetcher, arxivId);
    this.recent.set(key, { at: now, paper });
    this.forgetOld(now);
    return paper;
  }

  private async fetchAndStore(fetcher: PaperFetcher, arxivId: string): Promise<Paper | null> {
    const deadlineMs = this.opts.deadlineMs ?? LINK_FETCH_DEADLINE_MS;
    let paper: Paper | null;
    try {
      paper = await fetcher.fetch(arxivId, AbortSignal.timeout(deadlineMs));
    } catch (e) {
      this.logger.warn({ arxivId, err: describeError(e), deadlineMs }, 'fetching a linked paper failed: no card');
      return null;
    }
    if (!paper) {
      this.logger.info({ arxivId }, 'Hugging Face does not know a linked paper: no card');
      return null;
    }
    try {
      await this.opts.library.ingest([paper]);
    } catch (e) {
      // NOTE: the card is still shown; the paper is fetched again the next time it is linked.
      this.logger.warn({ arxivId, err: describeError(e) }, 'storing a linked paper failed');
    }
    return this.opts.library.get(arxivId) ?? paper;
  }

  /** Drops outcomes past the repeat window, then the oldest ones past the bound (a Map keeps insertion order). */
  private forgetOld(now: number): void {
    const window = this.opts.repeatMs ?? LINK_REPEAT_MS;
    for (const [key, v] of this.recent) {
      if (now - v.at < window) break;
      this.recent.delete(key);
    }
    const max = this.opts.maxEntries ?? LINK_CACHE_ENTRIES;
    for (const key of this.recent.keys()) {
      if (this.recent.size <= max) break;
      this.recent.delete(key);
    }
  }

  /** How many fetch outcomes are kept (tests check the bound). */
  get kept(): number {
    return this.recent.size;
  }
}
