// The search port's implementation on lunr: papers kept by id, the immutable lunr snapshot rebuilt when they change.
import type { Logger } from '../logger.js';
import type { Paper } from '../papers/model.js';
import type { SearchIndex, SearchOutcome } from '../ports.js';
import type { ParsedQuery } from './query.js';
import { LunrSnapshot, type SnapshotOptions } from './index.js';

/**
 * A {@link SearchIndex} over lunr. lunr indexes are immutable, so `upsert` and `remove` only
 * record the change and the next search builds a fresh snapshot. `load` supplies the initial
 * papers, read on first use, so a CLI call that never searches never pays for the index.
 */
export class LunrSearchIndex implements SearchIndex {
  private papers: Map<string, Paper> | null = null;
  private snapshot: LunrSnapshot | null = null;
  private readonly logger: Logger;

  /** `options` bound each search (clock, time budget) and let tests and the benchmark read its work counters. */
  constructor(
    private readonly load: () => readonly Paper[],
    logger: Logger,
    private readonly options: SnapshotOptions = {},
  ) {
    this.logger = logger.child({ component: 'search-index' });
  }

  get size(): number {
    return this.byId().size;
  }

  search(query: ParsedQuery): SearchOutcome {
    return this.current().search(query);
  }

  suggest(word: string, limit: number): string[] {
    return this.current().suggest(word, limit);
  }

  upsert(papers: readonly Paper[]): void {
    if (papers.length === 0) return;
    const map = this.byId();
    for (const p of papers) map.set(p.id, p);
    this.snapshot = null;
  }

  remove(ids: readonly string[]): void {
    const map = this.byId();
    let removed = false;
    for (const id of ids) removed = map.delete(id) || removed;
    if (removed) this.snapshot = null;
  }

  warm(): void {
    this.current();
  }

  private byId(): Map<string, Paper> {
    this.papers ??= new Map(this.load().map((p) => [p.id, p]));
    return this.papers;
  }

  private current(): LunrSnapshot {
    if (!this.snapshot) {
      const started = performance.now();
      this.snapshot = new LunrSnapshot([...this.byId().values()], this.options);
      this.logger.debug({ papers: this.snapshot.size, ms: Math.round(performance.now() - started) }, 'search index built');
    }
    return this.snapshot;
  }
}
