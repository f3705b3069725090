// The search port's implementations: the ranking over corpus data persisted in SQLite, or held in memory.
import type { Logger } from '../logger.js';
import type { Paper } from '../papers/model.js';
import type { AboutRule, PaperSummary, SearchIndex, SearchOutcome } from '../ports.js';
import type { CorpusData } from './corpusData.js';
import { SearchRanker, type RankerOptions } from './ranker.js';
import type { ParsedQuery } from './query.js';

/** Index data that follows a store by itself: `sync` indexes what changed; `refreshIfChanged` picks up other processes' work. */
export interface SyncedCorpusData extends CorpusData {
  sync(): number;
  refreshIfChanged(): void;
}

/**
 * The search index over persisted corpus data (`store/postingsStore.ts`): nothing is rebuilt at
 * start, new papers are indexed as they are stored, and papers another process stored are seen
 * on the next search.
 */
export class PersistedSearchIndex implements SearchIndex {
  private readonly ranker: SearchRanker;
  private readonly logger: Logger;
  private synced = false;

  constructor(
    private readonly data: SyncedCorpusData,
    logger: Logger,
    options: RankerOptions = {},
  ) {
    this.ranker = new SearchRanker(data, options);
    this.logger = logger.child({ component: 'search-index' });
  }

  get size(): number {
    this.ensureSynced();
    return this.data.docs;
  }

  search(query: ParsedQuery, want?: number): SearchOutcome {
    this.ensureSynced();
    this.data.refreshIfChanged();
    return this.ranker.search(query, want);
  }

  matches(query: ParsedQuery): readonly string[] {
    this.ensureSynced();
    this.data.refreshIfChanged();
    return this.ranker.matches(query);
  }

  suggest(word: string, limit: number): string[] {
    this.ensureSynced();
    return this.ranker.suggest(word, limit);
  }

  upsert(papers: readonly Paper[]): void {
    if (papers.length > 0) this.sync();
  }

  remove(ids: readonly string[]): void {
    if (ids.length > 0) this.sync();
  }

  /** At serve start: indexes what is pending and loads the vocabulary, so no user waits for either. */
  warm(): void {
    this.sync();
    this.ranker.warm();
  }

  papersWithPhrases(phrases: ReadonlyArray<readonly string[]>): ReadonlySet<string> {
    this.ensureSynced();
    this.data.refreshIfChanged();
    return this.ranker.papersWithPhrases(phrases);
  }

  papersAbout(concepts: ReadonlyArray<ReadonlyArray<readonly string[]>>, rule: AboutRule): ReadonlySet<string> {
    this.ensureSynced();
    this.data.refreshIfChanged();
    return this.ranker.papersAbout(concepts, rule);
  }

  summaries(): Iterable<PaperSummary> {
    this.ensureSynced();
    this.data.refreshIfChanged();
    return this.ranker.summaries();
  }

  private ensureSynced(): void {
    if (!this.synced) this.sync();
  }

  private sync(): void {
    const started = performance.now();
    const indexed = this.data.sync();
    this.synced = true;
    if (indexed > 0) this.logger.debug({ indexed, papers: this.data.docs, ms: Math.round(performance.now() - started) }, 'search index updated');
  }
}

/**
 * The search index over papers held in memory, re-indexed after a change: for stores that are
 * not SQLite (tests with their own fakes) and small corpora. `load` is read on first use.
 */
export class MemorySearchIndex implements SearchIndex {
  private papers: Map<string, Paper> | null = null;
  private ranker: SearchRanker | null = null;

  constructor(
    private readonly load: () => readonly Paper[],
    private readonly logger: Logger,
    private readonly options: RankerOptions = {},
  ) {}

  get size(): number {
    return this.byId().size;
  }

  search(query: ParsedQuery, want?: number): SearchOutcome {
    return this.current().search(query, want);
  }

  matches(query: ParsedQuery): readonly string[] {
    return this.current().matches(query);
  }

  suggest(word: string, limit: number): string[] {
    return this.current().suggest(word, limit);
  }

  upsert(papers: readonly Paper[]): void {
    if (papers.length === 0) return;
    const map = this.byId();
    for (const p of papers) map.set(p.id, p);
    this.ranker = null;
  }

  remove(ids: readonly string[]): void {
    const map = this.byId();
    let removed = false;
    for (const id of ids) removed = map.delete(id) || removed;
    if (removed) this.ranker = null;
  }

  warm(): void {
    this.current().warm();
  }

  papersWithPhrases(phrases: ReadonlyArray<readonly string[]>): ReadonlySet<string> {
    return this.current().papersWithPhrases(phrases);
  }

  papersAbout(concepts: ReadonlyArray<ReadonlyArray<readonly string[]>>, rule: AboutRule): ReadonlySet<string> {
    return this.current().papersAbout(concepts, rule);
  }

  summaries(): Iterable<PaperSummary> {
    return this.current().summaries();
  }

  private byId(): Map<string, Paper> {
    this.papers ??= new Map(this.load().map((p) => [p.id, p]));
    return this.papers;
  }

  private current(): SearchRanker {
    if (!this.ranker) {
      const started = performance.now();
      this.ranker = SearchRanker.fromPapers([...this.byId().values()], this.options);
      this.logger.debug({ papers: this.ranker.size, ms: Math.round(performance.now() - started) }, 'search index built');
    }
    return this.ranker;
  }
}
