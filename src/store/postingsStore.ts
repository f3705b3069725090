// The corpus data the search reads, kept in SQLite next to the papers: postings per term, document lengths, the words typos are corrected against.
import type Database from 'better-sqlite3';
import type { Paper } from '../papers/model.js';
import { cleanDisplayText } from '../papers/displayText.js';
import type { PaperStore } from '../ports.js';
import { type Field } from '../search/document.js';
import { decodeLive, type TermPostings } from '../search/postings.js';
import { type DocInfo, type CorpusData, type Vocabulary } from '../search/corpusData.js';
import { subjectKey, subjectMembers } from '../search/subjects.js';
import { PostingsCache } from './postingsCache.js';
import { PostingsWriter, type TrackedSubject } from './postingsWriter.js';
import { StoredVocabulary } from './storedVocabulary.js';

interface DocRow {
  doc: number;
  paper_id: string;
  live: number;
  len_title: number;
  len_abstract: number;
  len_people: number;
  title: string | null;
  published_at: string | null;
  upvotes: number | null;
  org: string | null;
  changed_seq: number;
}

/**
 * The corpus data in SQLite. `sync()` indexes what the papers table has and the index lacks (see
 * PostingsWriter), then reads what changed into memory. Document lengths
 * and ranking facts stay in memory (a few numbers per paper); postings are read per query term.
 * A change committed by another process is picked up on the next search (`PRAGMA data_version`).
 */
export class SqliteCorpusData implements CorpusData {
  private readonly info_: DocInfo[] = [];
  /** Each document's field lengths (title, abstract, people) at `3·doc`: numbers, not an array per paper. */
  private lengths = new Int32Array(3 * 1024);
  /** One more than the highest document number ever live here. */
  private limit = 0;
  private readonly alive = new Set<number>();
  /** `alive` as flags by document number: the membership test every match of a search makes (a Set's is several times slower). */
  private liveFlags = new Uint8Array(1024);
  private lastSeq = 0;
  private dataVersion = -1;
  private vocab: StoredVocabulary | null = null;
  /** Recently read postings, dropped whenever the index changes. */
  private readonly cache = new PostingsCache();
  docs = 0;
  totalLength: Record<Field, number> = { title: 0, abstract: 0, people: 0 };
  version = 0;
  private readonly dfCache = new Map<string, number>();
  /** The newest postings segment the caches have seen (what a refresh compares against). */
  private cachedSeg = 0;
  /** The index version the vocabulary was last extended at. */
  private vocabAt = -1;

  private readonly stmts;
  /** Null for a read-only store: it answers from what is indexed. */
  private readonly writer: PostingsWriter | null;

  constructor(
    private readonly db: Database.Database,
    private readonly store: Pick<PaperStore, 'get'>,
    private readonly readOnly = false,
  ) {
    this.writer = readOnly ? null : new PostingsWriter(db);
    this.stmts = {
      postings: db.prepare<[string], { data: Buffer }>('SELECT data FROM search_postings WHERE term = ? ORDER BY seg'),
      changedDocs: db.prepare<[number], DocRow>(
        `SELECT doc, paper_id, live, len_title, len_abstract, len_people, changed_seq, title, published_at, upvotes, org
         FROM search_docs WHERE changed_seq > ? ORDER BY changed_seq`,
      ),
      terms: db.prepare<[number], { term: string; seg: number }>('SELECT term, seg FROM search_postings WHERE seg > ?'),
      termOfWord: db.prepare<[string], string>('SELECT term FROM search_words WHERE word = ?').pluck(),
      abstract: db.prepare<[string], string>('SELECT abstract FROM papers WHERE id = ?').pluck(),
      maxSeg: db.prepare<[], { seg: number | null }>('SELECT MAX(seg) AS seg FROM search_postings'),
      members: db.prepare<[string], { doc: number }>('SELECT doc FROM search_subjects WHERE subject = ?'),
    };
  }

  private subjects: TrackedSubject[] = [];

  /**
   * Subjects (topics, as phrases of index terms) whose members are kept as papers are indexed, so a
   * topic list or count is a look-up, not a pass over postings. A subject new to this database is
   * filled in once from the postings.
   */
  trackSubjects(subjects: ReadonlyArray<ReadonlyArray<readonly string[]>>): void {
    this.subjects = subjects.map((phrases) => ({ key: subjectKey(phrases), phrases }));
    this.subjectsFilled = false;
  }

  private subjectsFilled = false;

  /** Fills in, once per database, the members of subjects indexed before they were tracked. */
  private fillSubjects(): void {
    if (this.subjectsFilled || !this.writer) return;
    this.subjectsFilled = true;
    const missing = this.writer.unrecorded(this.subjects);
    // NOTE: as in sync(): another process holding the write lock past busy_timeout means try again on the next sync.
    if (missing.length > 0 && !this.writer.recordMembers(missing, (s) => subjectMembers(this, s.phrases))) this.subjectsFilled = false;
  }

  trackedSubject(phrases: ReadonlyArray<readonly string[]>): ReadonlySet<number> | undefined {
    const key = subjectKey(phrases);
    // NOTE: until the members are filled (a fill that met a busy lock is retried), the caller reads the postings.
    if (!this.subjectsFilled || !this.subjects.some((s) => s.key === key)) return undefined;
    const out = new Set<number>();
    for (const { doc } of this.stmts.members.all(key)) if (this.isLive(doc)) out.add(doc);
    return out;
  }

  /**
   * Brings the index in step with the papers table and the in-memory view in step with the index.
   * Returns how many papers were (re)indexed by this call.
   */
  sync(): number {
    const indexed = this.writer?.catchUp(this.subjects) ?? 0;
    this.refresh();
    this.fillSubjects();
    return indexed;
  }

  /**
   * Re-reads what changed since the last look, when another connection has committed (cheap
   * otherwise). Reads only: the process that stores papers indexes them, so a serving process
   * never does another's indexing on the event loop that answers chat.
   */
  refreshIfChanged(): void {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version === this.dataVersion) return;
    this.refresh();
  }

  /** Applies every document row changed since the last refresh to the in-memory view. */
  private refresh(): void {
    this.dataVersion = this.db.pragma('data_version', { simple: true }) as number;
    const changed = this.stmts.changedDocs.all(this.lastSeq);
    if (changed.length > 0) {
      // New papers only add segments: forget just the terms those (and merges) rewrote, so a day's
      // ingest does not make the next searches re-read every common term. A paper retired (its
      // text changed, or removed) is in old segments of unknown terms: then everything is re-read.
      const retired = changed.some((row) => row.live !== 1 && this.isLive(row.doc));
      if (retired) {
        this.cache.clear();
        this.dfCache.clear();
      } else if (this.cache.size > 0 || this.dfCache.size > 0) {
        for (const { term } of this.stmts.terms.all(this.cachedSeg)) {
          this.cache.delete(term);
          this.dfCache.delete(term);
        }
      }
      this.version += 1;
    }
    this.cachedSeg = this.stmts.maxSeg.get()?.seg ?? 0;
    for (const row of changed) {
      this.lastSeq = Math.max(this.lastSeq, row.changed_seq);
      const wasLive = this.isLive(row.doc);
      if (wasLive) this.adjust(row.doc, -1);
      if (row.live === 1) {
        this.setLengths(row.doc, row.len_title, row.len_abstract, row.len_people);
        this.info_[row.doc] = {
          paperId: row.paper_id,
          title: cleanDisplayText(row.title ?? ''),
          publishedAt: row.published_at,
          upvotes: row.upvotes ?? 0,
          org: row.org,
        };
        this.alive.add(row.doc);
        this.flag(row.doc, 1);
        this.adjust(row.doc, +1);
      } else {
        this.alive.delete(row.doc);
        this.flag(row.doc, 0);
      }
    }
  }

  private flag(doc: number, value: 0 | 1): void {
    if (doc >= this.liveFlags.length) {
      const grown = new Uint8Array(Math.max(doc + 1, this.liveFlags.length * 2));
      grown.set(this.liveFlags);
      this.liveFlags = grown;
    }
    this.liveFlags[doc] = value;
  }

  private isLive(doc: number): boolean {
    return this.liveFlags[doc] === 1;
  }

  private setLengths(doc: number, title: number, abstract: number, people: number): void {
    if (3 * doc + 3 > this.lengths.length) {
      const grown = new Int32Array(Math.max(3 * doc + 3, this.lengths.length * 2));
      grown.set(this.lengths);
      this.lengths = grown;
    }
    this.lengths[3 * doc] = title;
    this.lengths[3 * doc + 1] = abstract;
    this.lengths[3 * doc + 2] = people;
    if (doc >= this.limit) this.limit = doc + 1;
  }

  /** Counts a document in (+1) or out (-1) of the totals; its lengths are set (it is or was live). */
  private adjust(doc: number, sign: 1 | -1): void {
    this.docs += sign;
    this.totalLength.title += sign * (this.lengths[3 * doc] as number);
    this.totalLength.abstract += sign * (this.lengths[3 * doc + 1] as number);
    this.totalLength.people += sign * (this.lengths[3 * doc + 2] as number);
  }

  live(doc: number): boolean {
    return this.isLive(doc);
  }

  get docLimit(): number {
    return this.limit;
  }

  fieldLength(doc: number, field: number): number {
    return doc < this.limit ? (this.lengths[3 * doc + field] as number) : 0;
  }

  postings(term: string): TermPostings | undefined {
    return this.cache.get(term, () => {
      const rows = this.stmts.postings.all(term);
      const blobs = rows.map((r) => new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength));
      return decodeLive(blobs, (doc) => this.isLive(doc));
    });
  }

  hasTerm(term: string): boolean {
    return this.postings(term) !== undefined;
  }

  docFrequency(term: string): number {
    const cached = this.dfCache.get(term);
    if (cached !== undefined) return cached;
    const p = this.postings(term);
    let n = 0;
    // Postings are in document order: count each document once across its fields.
    if (p) for (let i = 0; i < p.n; i++) if (i === 0 || p.docs[i] !== p.docs[i - 1]) n++;
    if (this.dfCache.size > 50_000) this.dfCache.clear();
    this.dfCache.set(term, n);
    return n;
  }

  docNumbers(): Iterable<number> {
    return this.alive;
  }

  info(doc: number): DocInfo | undefined {
    return this.isLive(doc) ? this.info_[doc] : undefined;
  }

  paper(doc: number): Paper | undefined {
    const i = this.info(doc);
    return i ? this.store.get(i.paperId) : undefined;
  }

  abstract(doc: number): string | undefined {
    const i = this.info(doc);
    const stored = i ? this.stmts.abstract.get(i.paperId) : undefined;
    // NOTE: cleaned as the store cleans it when it reads the whole paper, so the snippet is the same.
    return stored === undefined ? undefined : cleanDisplayText(stored);
  }

  termOfWord(word: string): string | undefined {
    // NOTE: the vocabulary once read and current answers from memory; before that, one row by its key.
    if (this.vocab && this.vocabAt === this.version) return this.vocab.words.get(word);
    return this.stmts.termOfWord.get(word);
  }

  vocabulary(): Vocabulary {
    if (this.vocab && this.vocabAt === this.version) return this.vocab;
    this.vocabAt = this.version;
    // Only what was indexed since the last look: the vocabulary grows in place.
    return (this.vocab ??= new StoredVocabulary(this.db)).extend();
  }
}
