// Writes the postings the search reads: indexes the papers written since it last looked (search_pending), in short transactions, and records subjects' members.
import type Database from 'better-sqlite3';
import { cleanDisplayText } from '../papers/displayText.js';
import { FIELDS } from '../search/document.js';
import { encodePostingTriples, mergePostings } from '../search/postings.js';
import { documentFields } from '../search/document.js';
import { isAbout } from '../search/subjects.js';
import { americanize } from '../search/analysis/spellings.js';
import { subjectCounts, textHash, type TermList } from './batchPostings.js';
import { storedRow, type PaperRow } from './paperRows.js';

/** How many papers one indexing transaction takes: a writer never holds the lock for long. */
const BATCH = 500;
/** A term written in more segments than this is merged into one (dead postings dropped). */
const MAX_SEGMENTS = 8;
/** How many terms' segment counts, and how many committed words, a writer keeps in mind. */
const MAX_KEPT = 500_000;

/** A subject (a topic, as phrases of index terms) whose members are recorded as papers are indexed. */
export interface TrackedSubject {
  key: string;
  phrases: ReadonlyArray<readonly string[]>;
}

/** True for SQLite's "another process holds the write lock past busy_timeout". */
function isBusy(e: unknown): boolean {
  return (e as { code?: string }).code === 'SQLITE_BUSY';
}

/**
 * The writing half of the persisted index (SqliteCorpusData reads): new or changed papers indexed in
 * batches, each an IMMEDIATE transaction re-checked inside, so several processes may index one
 * database; documents whose paper changed or went away retired; crowded terms merged.
 */
export class PostingsWriter {
  private readonly stmts;
  /**
   * Each term's segment count as of this writer's last commit, and the vocabulary words it committed:
   * what it would otherwise ask the database for every term and word of every batch. Both are
   * forgotten whenever another connection has committed since (`PRAGMA data_version`).
   */
  private segmentCounts = new Map<string, number>();
  private knownWords = new Set<string>();
  private dataVersion = -1;

  constructor(private readonly db: Database.Database) {
    this.stmts = {
      postings: db.prepare<[string], { data: Buffer }>('SELECT data FROM search_postings WHERE term = ? ORDER BY seg'),
      pending: db.prepare<[number], { seq: number; paper_id: string }>('SELECT seq, paper_id FROM search_pending ORDER BY seq LIMIT ?'),
      anyPending: db.prepare<[], { one: number }>('SELECT 1 AS one FROM search_pending LIMIT 1'),
      done: db.prepare<[number]>('DELETE FROM search_pending WHERE seq <= ?'),
      paper: db.prepare<[string], PaperRow>('SELECT * FROM papers WHERE id = ?'),
      liveDocOf: db.prepare<[string], { doc: number; text_hash: string }>('SELECT doc, text_hash FROM search_docs WHERE paper_id = ? AND live = 1'),
      retire: db.prepare<[number, number]>('UPDATE search_docs SET live = 0, changed_seq = ? WHERE doc = ?'),
      touch: db.prepare(
        'UPDATE search_docs SET indexed_at = @indexed_at, changed_seq = @changed_seq, title = @title, published_at = @published_at, upvotes = @upvotes, org = @org WHERE doc = @doc',
      ),
      insertDoc: db.prepare(
        `INSERT INTO search_docs (paper_id, live, len_title, len_abstract, len_people, text_hash, indexed_at, changed_seq, title, published_at, upvotes, org)
         VALUES (@paper_id, 1, @len_title, @len_abstract, @len_people, @text_hash, @indexed_at, @changed_seq, @title, @published_at, @upvotes, @org)`,
      ),
      insertPosting: db.prepare<[string, number, Buffer]>('INSERT INTO search_postings (term, seg, data) VALUES (?, ?, ?)'),
      segments: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM search_postings WHERE term = ?'),
      dropTerm: db.prepare<[string]>('DELETE FROM search_postings WHERE term = ?'),
      insertWord: db.prepare<[string, string]>('INSERT OR IGNORE INTO search_words (word, term) VALUES (?, ?)'),
      getMeta: db.prepare<[string], { value: number }>('SELECT value FROM search_meta WHERE key = ?'),
      setMeta: db.prepare<[string, number]>('INSERT INTO search_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      // NOTE: read through the partial index search_docs_dead: as many rows as documents retired, not stored.
      deadDocs: db.prepare<[], { doc: number }>('SELECT doc FROM search_docs WHERE live = 0'),
      member: db.prepare<[string, number]>('INSERT OR IGNORE INTO search_subjects (subject, doc) VALUES (?, ?)'),
    };
  }

  /** Indexes every paper the index lacks (recording `subjects`' members as it goes); returns how many. */
  catchUp(subjects: readonly TrackedSubject[]): number {
    let indexed = 0;
    // NOTE: every write to papers queues its ids (triggers, see searchSchema.ts), so an empty queue means nothing is pending.
    if (this.stmts.anyPending.get() === undefined) return 0;
    try {
      for (;;) {
        const batch = this.db.transaction(() => this.indexBatch(subjects)).immediate();
        indexed += batch.indexed;
        this.committed(batch);
        if (!batch.more) break;
      }
    } catch (e) {
      // NOTE: another process holds the write lock past busy_timeout: it is writing papers and
      // indexes them itself; this search answers from what is indexed and looks again next time.
      if (!isBusy(e)) throw e;
    }
    return indexed;
  }

  /** The subjects whose members were never recorded in this database. */
  unrecorded(subjects: readonly TrackedSubject[]): TrackedSubject[] {
    return subjects.filter((s) => !this.stmts.getMeta.get(`subject:${s.key}`));
  }

  /**
   * Records the members of subjects indexed before they were tracked (`membersOf` reads them from the
   * postings). False when another process held the write lock past busy_timeout: try again later.
   */
  recordMembers(subjects: readonly TrackedSubject[], membersOf: (s: TrackedSubject) => Iterable<number>): boolean {
    try {
      this.db
        .transaction(() => {
          for (const s of subjects) {
            for (const doc of membersOf(s)) this.stmts.member.run(s.key, doc);
            this.stmts.setMeta.run(`subject:${s.key}`, 1);
          }
        })
        .immediate();
      return true;
    } catch (e) {
      if (!isBusy(e)) throw e;
      return false;
    }
  }

  private nextSeq(key: string): number {
    const v = (this.stmts.getMeta.get(key)?.value ?? 0) + 1;
    this.stmts.setMeta.run(key, v);
    return v;
  }

  /** After a batch commits: what it wrote is what this writer now knows of the index. */
  private committed(batch: Batch): void {
    // NOTE: bounded like the analysis caches: past the bound the writer asks the database again.
    if (this.segmentCounts.size > MAX_KEPT) this.segmentCounts = new Map();
    if (this.knownWords.size > MAX_KEPT) this.knownWords = new Set();
    for (const [term, n] of batch.segmentCounts) this.segmentCounts.set(term, n);
    for (const word of batch.words) this.knownWords.add(word);
  }

  /** Inside a write transaction: forgets what this writer knew of the index when another connection changed it. */
  private forgetIfChanged(): void {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    this.segmentCounts = new Map();
    this.knownWords = new Set();
  }

  /** How many segments a term has, in this batch (`counts`) or as last committed. */
  private segmentsOf(term: string, counts: ReadonlyMap<string, number>): number {
    const n = counts.get(term) ?? this.segmentCounts.get(term);
    return n ?? this.stmts.segments.get(term)?.n ?? 0;
  }

  /** One transaction: up to BATCH queued papers indexed (or their documents retired when gone), crowded terms merged. */
  private indexBatch(subjects: readonly TrackedSubject[]): Batch {
    this.forgetIfChanged();
    // NOTE: one paper more than a batch takes says whether another batch is needed, without another look for it.
    const queued = this.stmts.pending.all(BATCH + 1);
    const more = queued.length > BATCH;
    if (more) queued.length = BATCH;
    const batch: Batch = { indexed: 0, more, segmentCounts: new Map(), words: [] };
    if (queued.length === 0) return batch;
    this.stmts.done.run((queued.at(-1) as { seq: number }).seq);
    const seq = this.nextSeq('changed_seq');
    const pending: PaperRow[] = [];
    for (const { paper_id } of queued) {
      const row = this.stmts.paper.get(paper_id);
      if (row) pending.push(row);
      else {
        // Gone from papers (deleted, or replaced by a paper of another id): its document too.
        const gone = this.stmts.liveDocOf.get(paper_id);
        if (gone) this.stmts.retire.run(seq, gone.doc);
      }
    }
    batch.indexed = pending.length;
    if (pending.length === 0) return batch;
    const seg = this.nextSeq('segment');
    const byTerm = new Map<string, TermList>();
    // NOTE: one insert per distinct word of the batch, not per occurrence (a paper has hundreds).
    const words = new Map<string, string>();
    const subjectTerms = new Set(subjects.flatMap((s) => s.phrases.flat()));
    for (const row of pending) {
      const hash = textHash(row);
      const current = this.stmts.liveDocOf.get(row.id);
      // What ranking and filters read of the paper, kept in its index row.
      const facts = {
        indexed_at: row.updated_at,
        changed_seq: seq,
        title: cleanDisplayText(row.title),
        published_at: row.published_at,
        upvotes: row.upvotes,
        org: row.org,
      };
      if (current && current.text_hash === hash) {
        // Only ranking facts changed (upvotes, date): the postings stay as they are.
        this.stmts.touch.run({ ...facts, doc: current.doc });
        continue;
      }
      if (current) this.stmts.retire.run(seq, current.doc);
      const paper = storedRow(row);
      const fields = documentFields(paper, (word, term) => {
        if (!words.has(word)) words.set(word, term);
      });
      const info = this.stmts.insertDoc.run({
        paper_id: row.id,
        len_title: fields.title.length,
        len_abstract: fields.abstract.length,
        len_people: fields.people.length,
        text_hash: hash,
        ...facts,
      });
      const doc = Number(info.lastInsertRowid);
      FIELDS.forEach((f, field) => {
        for (const term of fields[f]) {
          const list = byTerm.get(term);
          if (list === undefined) byTerm.set(term, { triples: [doc, field, 1], doc, field });
          else if (list.doc === doc && list.field === field) list.triples[list.triples.length - 1] = (list.triples.at(-1) as number) + 1;
          else {
            list.triples.push(doc, field, 1);
            list.doc = doc;
            list.field = field;
          }
        }
      });
      if (subjects.length > 0) {
        const { title, both } = subjectCounts(subjectTerms, byTerm, doc);
        for (const s of subjects) if (isAbout(s.phrases, title, both)) this.stmts.member.run(s.key, doc);
      }
    }
    const seen = new Set<string>();
    for (const [word, term] of words) {
      // NOTE: a word this writer committed has its row (the insert below would change nothing).
      if (this.knownWords.has(word)) continue;
      batch.words.push(word);
      const key = americanize(word);
      if (seen.has(key)) continue;
      seen.add(key);
      this.stmts.insertWord.run(key, term);
    }
    let dead: Set<number> | null = null;
    const counts = batch.segmentCounts;
    // NOTE: merged segments are numbered on from the batch's, and the counter written once at the end.
    let lastSeg = seg;
    for (const [term, { triples }] of byTerm) {
      const n = this.segmentsOf(term, counts) + 1;
      this.stmts.insertPosting.run(term, seg, encodePostingTriples(triples));
      counts.set(term, n);
      if (n > MAX_SEGMENTS) {
        dead ??= new Set(this.stmts.deadDocs.all().map((r) => r.doc));
        const merged = this.merge(term, dead, lastSeg + 1);
        if (merged) lastSeg += 1;
        counts.set(term, merged ? 1 : 0);
      }
    }
    if (lastSeg > seg) this.stmts.setMeta.run('segment', lastSeg);
    return batch;
  }

  /** Rewrites a term's segments as one, without the postings of retired documents (`dead`, read once per batch); false when none is left. */
  private merge(term: string, dead: ReadonlySet<number>, seg: number): boolean {
    // NOTE: segments in order hold documents in order (a batch's documents are numbered after every earlier one's).
    const merged = mergePostings(
      this.stmts.postings.all(term).map((r) => r.data),
      (doc) => !dead.has(doc),
    );
    this.stmts.dropTerm.run(term);
    if (merged.length === 0) return false;
    this.stmts.insertPosting.run(term, seg, merged);
    return true;
  }
}

/** What one indexing transaction did, and what it wrote that the writer keeps in mind once it commits. */
interface Batch {
  indexed: number;
  /** More papers were pending than one batch takes. */
  more: boolean;
  segmentCounts: Map<string, number>;
  words: string[];
}
