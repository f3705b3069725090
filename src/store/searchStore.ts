// The search index kept in SQLite next to the papers: postings per term, document lengths, the words typos are corrected against.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Paper } from '../papers/model.js';
import { cleanDisplayText } from '../papers/displayText.js';
import { storedRow, type PaperRow } from './paperRows.js';
import type { PaperStore } from '../ports.js';
import { decodeLive, decodePostings, encodePostings, FIELDS, type Field, type Posting, type TermPostings } from '../search/bm25.js';
import { documentFields } from '../search/document.js';
import { americanize } from '../search/text.js';
import { isAbout, subjectKey, subjectMembers, type DocInfo, type IndexData, type Vocabulary } from '../search/indexData.js';

/** How many papers one indexing transaction takes: a writer never holds the lock for long. */
const BATCH = 500;
/** A term written in more segments than this is merged into one (dead postings dropped). */
const MAX_SEGMENTS = 8;
/** Terms whose postings stay decoded-ready in memory between searches. */
const POSTINGS_CACHE = 2048;

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

function textHash(p: Pick<PaperRow, 'title' | 'abstract' | 'authors' | 'org' | 'ai_keywords' | 'raw_text'>): string {
  return createHash('sha1')
    .update(
      `${p.title}\u0000${p.abstract}\u0000${p.authors}\u0000${p.org ?? ''}\u0000${p.ai_keywords ?? ''}${p.raw_text === null ? '' : `\u0000${p.raw_text}`}`,
    )
    .digest('base64url');
}

/**
 * The index data in SQLite. `sync()` indexes what the papers table has and the index lacks (new or
 * changed papers, in batches, each an IMMEDIATE transaction re-checked inside, so several processes
 * may sync one database), and retires documents whose paper changed or went away. Document lengths
 * and ranking facts stay in memory (a few numbers per paper); postings are read per query term.
 * A change committed by another process is picked up on the next search (`PRAGMA data_version`).
 */
export class SqliteIndexData implements IndexData {
  private readonly info_: DocInfo[] = [];
  private readonly lengths: number[][] = [];
  private readonly alive = new Set<number>();
  /** `alive` as flags by document number: the membership test every match of a search makes (a Set's is several times slower). */
  private liveFlags = new Uint8Array(1024);
  private lastSeq = 0;
  private dataVersion = -1;
  private vocab: {
    words: Map<string, string>;
    wordList: Array<[string, string]>;
    terms: string[];
    termSet: Set<string>;
    lastWord: number;
    lastSeg: number;
  } | null = null;
  /** Recently read postings (undefined: the term has none), dropped whenever the index changes. */
  private readonly cache = new Map<string, TermPostings | undefined>();
  docs = 0;
  totalLength: Record<Field, number> = { title: 0, abstract: 0, people: 0 };
  version = 0;
  private readonly dfCache = new Map<string, number>();
  /** The newest postings segment the caches have seen (what a refresh compares against). */
  private cachedSeg = 0;
  /** The index version the vocabulary was last extended at. */
  private vocabAt = -1;

  private readonly stmts;

  constructor(
    private readonly db: Database.Database,
    private readonly store: Pick<PaperStore, 'get'>,
    private readonly readOnly = false,
  ) {
    this.stmts = {
      postings: db.prepare<[string], { data: Buffer }>('SELECT data FROM search_postings WHERE term = ? ORDER BY seg'),
      changedDocs: db.prepare<[number], DocRow>(
        `SELECT doc, paper_id, live, len_title, len_abstract, len_people, changed_seq, title, published_at, upvotes, org
         FROM search_docs WHERE changed_seq > ? ORDER BY changed_seq`,
      ),
      pending: db.prepare<[number], PaperRow>(
        `SELECT p.* FROM papers p
         LEFT JOIN search_docs d ON d.paper_id = p.id AND d.live = 1
         WHERE d.doc IS NULL OR p.updated_at <> d.indexed_at LIMIT ?`,
      ),
      orphans: db.prepare<[], { doc: number }>(
        'SELECT d.doc FROM search_docs d WHERE d.live = 1 AND NOT EXISTS (SELECT 1 FROM papers p WHERE p.id = d.paper_id)',
      ),
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
      words: db.prepare<[number], { id: number; word: string; term: string }>(
        'SELECT rowid AS id, word, term FROM search_words WHERE rowid > ? ORDER BY rowid',
      ),
      terms: db.prepare<[number], { term: string; seg: number }>('SELECT term, seg FROM search_postings WHERE seg > ?'),
      maxSeg: db.prepare<[], { seg: number | null }>('SELECT MAX(seg) AS seg FROM search_postings'),
      deadDocs: db.prepare<[], { doc: number }>('SELECT doc FROM search_docs WHERE live = 0'),
      lastChange: db.prepare<[], { m: string | null }>('SELECT max(updated_at) AS m FROM papers'),
      getMark: db.prepare<[string], { value: string }>('SELECT value FROM search_marks WHERE key = ?'),
      setMark: db.prepare<[string, string]>('INSERT INTO search_marks (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      member: db.prepare<[string, number]>('INSERT OR IGNORE INTO search_subjects (subject, doc) VALUES (?, ?)'),
      members: db.prepare<[string], { doc: number }>('SELECT doc FROM search_subjects WHERE subject = ?'),
      subjectCount: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM search_subjects WHERE subject = ?'),
    };
  }

  private subjects: Array<{ key: string; phrases: ReadonlyArray<readonly string[]> }> = [];

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
    if (this.subjectsFilled || this.readOnly) return;
    this.subjectsFilled = true;
    const missing = this.subjects.filter((s) => !this.stmts.getMeta.get(`subject:${s.key}`));
    if (missing.length === 0) return;
    try {
      this.db
        .transaction(() => {
          for (const s of missing) {
            for (const doc of subjectMembers(this, s.phrases)) this.stmts.member.run(s.key, doc);
            this.stmts.setMeta.run(`subject:${s.key}`, 1);
          }
        })
        .immediate();
    } catch (e) {
      // NOTE: as in sync(): another process holds the write lock past busy_timeout; try again on the next sync.
      if ((e as { code?: string }).code !== 'SQLITE_BUSY') throw e;
      this.subjectsFilled = false;
    }
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
    let indexed = 0;
    // NOTE: every paper write sets updated_at, so an unchanged latest one means nothing is pending
    // (an indexed lookup instead of comparing every paper with the index at each start).
    const mark = this.stmts.lastChange.get()?.m ?? '';
    if (!this.readOnly && mark !== (this.stmts.getMark.get('papers')?.value ?? null)) {
      try {
        for (;;) {
          const n = this.db.transaction(() => this.indexBatch()).immediate();
          indexed += n;
          if (n < BATCH) break;
        }
        this.stmts.setMark.run('papers', mark);
      } catch (e) {
        // NOTE: another process holds the write lock past busy_timeout: it is writing papers and
        // indexes them itself; this search answers from what is indexed and looks again next time.
        if ((e as { code?: string }).code !== 'SQLITE_BUSY') throw e;
      }
    }
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

  private nextSeq(key: string): number {
    const v = (this.stmts.getMeta.get(key)?.value ?? 0) + 1;
    this.stmts.setMeta.run(key, v);
    return v;
  }

  /** One transaction: up to BATCH pending papers indexed, orphans retired, crowded terms merged. */
  private indexBatch(): number {
    const seq = this.nextSeq('changed_seq');
    for (const { doc } of this.stmts.orphans.all()) this.stmts.retire.run(seq, doc);
    const pending = this.stmts.pending.all(BATCH);
    if (pending.length === 0) return 0;
    const seg = this.nextSeq('segment');
    const byTerm = new Map<string, Posting[]>();
    // NOTE: one insert per distinct word of the batch, not per occurrence (a paper has hundreds).
    const words = new Map<string, string>();
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
      if (this.subjects.length > 0) {
        const title = counts(fields.title);
        const both = counts([...fields.title, ...fields.abstract]);
        for (const s of this.subjects) if (isAbout(s.phrases, title, both)) this.stmts.member.run(s.key, doc);
      }
      FIELDS.forEach((f, field) => {
        const tf = new Map<string, number>();
        for (const t of fields[f]) tf.set(t, (tf.get(t) ?? 0) + 1);
        for (const [term, n] of tf) {
          const list = byTerm.get(term);
          if (list) list.push({ doc, field, tf: n });
          else byTerm.set(term, [{ doc, field, tf: n }]);
        }
      });
    }
    const seen = new Set<string>();
    for (const [word, term] of words) {
      const key = americanize(word);
      if (seen.has(key)) continue;
      seen.add(key);
      this.stmts.insertWord.run(key, term);
    }
    let dead: Set<number> | null = null;
    for (const [term, list] of byTerm) {
      this.stmts.insertPosting.run(term, seg, Buffer.from(encodePostings(list)));
      if ((this.stmts.segments.get(term)?.n ?? 0) > MAX_SEGMENTS) {
        dead ??= new Set(this.stmts.deadDocs.all().map((r) => r.doc));
        this.merge(term, dead);
      }
    }
    return pending.length;
  }

  /** Rewrites a term's segments as one, without the postings of retired documents (`dead`, read once per batch). */
  private merge(term: string, dead: ReadonlySet<number>): void {
    const live: Posting[] = [];
    for (const { data } of this.stmts.postings.all(term)) {
      decodePostings(data, (doc, field, tf) => {
        if (!dead.has(doc)) live.push({ doc, field, tf });
      });
    }
    this.stmts.dropTerm.run(term);
    live.sort((a, b) => a.doc - b.doc || a.field - b.field);
    if (live.length > 0) this.stmts.insertPosting.run(term, this.nextSeq('segment'), Buffer.from(encodePostings(live)));
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
        this.lengths[row.doc] = [row.len_title, row.len_abstract, row.len_people];
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

  private adjust(doc: number, sign: 1 | -1): void {
    const l = this.lengths[doc];
    if (!l) return;
    this.docs += sign;
    this.totalLength.title += sign * (l[0] ?? 0);
    this.totalLength.abstract += sign * (l[1] ?? 0);
    this.totalLength.people += sign * (l[2] ?? 0);
  }

  live(doc: number): boolean {
    return this.isLive(doc);
  }

  get docLimit(): number {
    return this.lengths.length;
  }

  fieldLength(doc: number, field: number): number {
    return this.lengths[doc]?.[field] ?? 0;
  }

  postings(term: string): TermPostings | undefined {
    const cached = this.cache.get(term);
    if (cached !== undefined || this.cache.has(term)) {
      // Most recently used last, so the oldest is evicted first.
      this.cache.delete(term);
      this.cache.set(term, cached);
      return cached;
    }
    const rows = this.stmts.postings.all(term);
    const blobs = rows.map((r) => new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength));
    const found = decodeLive(blobs, (doc) => this.isLive(doc));
    this.cache.set(term, found);
    if (this.cache.size > POSTINGS_CACHE) this.cache.delete(this.cache.keys().next().value as string);
    return found;
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

  vocabulary(): Vocabulary {
    if (this.vocab && this.vocabAt === this.version) return this.vocab;
    this.vocabAt = this.version;
    const v = (this.vocab ??= {
      words: new Map<string, string>(),
      wordList: [] as Array<[string, string]>,
      terms: [] as string[],
      termSet: new Set<string>(),
      lastWord: 0,
      lastSeg: 0,
    });
    // Only what was indexed since the last look: the vocabulary grows in place.
    for (const r of this.stmts.words.all(v.lastWord)) {
      v.lastWord = r.id;
      if (v.words.has(r.word)) continue;
      v.words.set(r.word, r.term);
      v.wordList.push([r.word, r.term]);
    }
    for (const r of this.stmts.terms.all(v.lastSeg)) {
      if (r.seg > v.lastSeg) v.lastSeg = r.seg;
      if (v.termSet.has(r.term)) continue;
      v.termSet.add(r.term);
      v.terms.push(r.term);
    }
    return v;
  }
}

/** How often each term occurs in a list. */
function counts(terms: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of terms) out.set(t, (out.get(t) ?? 0) + 1);
  return out;
}
