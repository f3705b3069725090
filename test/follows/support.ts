// Shared pieces for the follow tests: papers made to match (or not) a topic, stored straight into a database, a hand-fired ticker, a recording chat adapter.
import type { Ticker, TickTiming } from '../../src/follows/delivery.js';
import { titleKey, type Paper } from '../../src/papers/model.js';
import type { ChatAdapter, PostTarget, Sql } from '../../src/ports.js';
import type { Reply } from '../../src/reply.js';

/** A paper with the given title and abstract, dated in the test corpus's week. */
export function paper(id: string, title: string, abstract: string, upvotes = 1): Paper {
  return {
    id,
    arxivId: id,
    title,
    abstract,
    authors: ['Ada Lovelace'],
    authorCount: 1,
    org: null,
    thumbnail: null,
    publishedAt: '2025-11-28',
    upvotes,
    sources: [{ name: 'test' }],
  };
}

/** A Ticker whose polls run only when a test fires them. */
export class ManualTicker implements Ticker {
  private fns: Array<(timing?: TickTiming) => void> = [];
  every(_ms: number, fn: (timing?: TickTiming) => void): { cancel(): void } {
    this.fns.push(fn);
    return { cancel: () => (this.fns = this.fns.filter((f) => f !== fn)) };
  }
  /** Fires every poll; `timing` is what a real interval reports of the wall clock (when the tick was due, when it came). */
  fire(timing?: TickTiming): void {
    for (const f of this.fns) f(timing);
  }
  get active(): number {
    return this.fns.length;
  }
}

/** A chat adapter that records what it was asked to send; `fail` makes the next sends throw. */
export class RecordingAdapter implements ChatAdapter {
  readonly direct: Array<{ user: string; reply: Reply }> = [];
  readonly posts: Array<{ target: PostTarget; reply: Reply }> = [];
  readonly failures: unknown[] = [];
  /** Resolves the held send when set: a send that waits until the test lets it go. */
  hold: Promise<void> | null = null;
  constructor(readonly platform: string) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async post(target: PostTarget, reply: Reply): Promise<void> {
    await this.next();
    this.posts.push({ target, reply });
  }
  async sendDirect(user: string, reply: Reply): Promise<void> {
    await this.next();
    this.direct.push({ user, reply });
  }
  private async next(): Promise<void> {
    if (this.hold) await this.hold;
    const f = this.failures.shift();
    if (f !== undefined) throw f;
  }
}

/** Inserts papers as new rows of the shared papers table (what another host's ingest leaves there), in one statement each. */
export async function storePapers(sql: Sql, papers: readonly Paper[]): Promise<void> {
  for (const p of papers) {
    await sql.run(
      `INSERT INTO papers (id, title_key, title, abstract, authors, author_count, org, published_at, upvotes, arxiv_id, thumbnail, sources, updated_at, org_handle)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        p.id,
        titleKey(p.title),
        p.title,
        p.abstract,
        JSON.stringify(p.authors),
        p.authorCount,
        p.org,
        p.publishedAt,
        p.upvotes,
        p.arxivId,
        p.thumbnail,
        JSON.stringify(p.sources),
        '2025-11-28T12:00:00.000Z',
        p.orgHandle ?? null,
      ],
    );
  }
}
