// Writes the postings the search reads: indexes what the papers table has and the postings lack, in short transactions, and records subjects' members.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { cleanDisplayText } from '../papers/displayText.js';
import { FIELDS } from '../search/document.js';
import { decodePostings, encodePostings, type Posting } from '../search/postings.js';
import { documentFields } from '../search/document.js';
import { isAbout } from '../search/subjects.js';
import { americanize } from '../search/analysis/spellings.js';
import { storedRow, type PaperRow } from './paperRows.js';

/** How many papers one indexing transaction takes: a writer never holds the lock for long. */
const BATCH = 500;
/** A term written in more segments than this is merged into one (dead postings dropped). */
const MAX_SEGMENTS = 8;

/** A subject (a topic, as phrases of index terms) whose members are recorded as papers are indexed. */
export interface TrackedSubject {
  key: string;
  phrases: ReadonlyArray<readonly string[]>;
}

/** True for SQLite's "another process holds the write lock past busy_timeout". */
function isBusy(e: unknown): boolean {
  return (e as { code?: string }).code === 'SQLITE_BUSY';
}

function textHash(p: Pick<PaperRow, 'title' | 'abstract' | 'authors' | 'org' | 'ai_keywords' | 'raw_text'>): string {
  return createHash('sha1')
    .update(
      `${p.title}\u0000${p.abstract}\u0000${p.authors}\u0000${p.org ?? ''}\u0000${p.ai_keywords ?? ''}${p.raw_text === null ? '' : `\u0000${p.raw_text}`}`,
    )
    .digest('base64url');
}

/**
 * The writing half of the persisted index (SqliteCorpusData reads): new or changed papers indexed in
 * batches, each an IMMEDIATE transaction re-checked inside, so several processes may index one
 * database; documents whose paper changed or went away retired; crowded terms merged.
 */
export class PostingsWriter {
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    this.stmts = {
      postings: db.prepare<[string], { data: Buffer }>('SELECT data FROM search_postings WHERE term = ? ORDER BY seg'),
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
      deadDocs: db.prepare<[], { doc: number }>('SELECT doc FROM search_docs WHERE live = 0'),
      lastChange: db.prepare<[], { m: string | null }>('SELECT max(updated_at) AS m FROM papers'),
      getMark: db.prepare<[string], { value: string }>('SELECT value FROM search_marks WHERE key = ?'),
      setMark: db.prepare<[string, string]>('INSERT INTO search_marks (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      member: db.prepare<[string, number]>('INSERT OR IGNORE INTO search_subjects (subject, doc) VALUES (?, ?)'),
    };
  }

  /** Indexes every paper the index lacks (recording `subjects`' members as it goes); returns how many. */
  catchUp(subjects: readonly TrackedSubject[]): number {
    let indexed = 0;
    // NOTE: every paper write sets updated_at, so an unchanged latest one means nothing is pending
    // (an indexed lookup instead of comparing every paper with the index at each start).
    const mark = this.stmts.lastChange.get()?.m ?? '';
    if (mark === (this.stmts.getMark.get('papers')?.value ?? null)) return 0;
    try {
      for (;;) {
        const n = this.db.transaction(() => this.indexBatch(subjects)).immediate();
        indexed += n;
        if (n < BATCH) break;
      }
      this.stmts.setMark.run('papers', mark);
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

  /** One transaction: up to BATCH pending papers indexed, orphans retired, crowded terms merged. */
  private indexBatch(subjects: readonly TrackedSubject[]): number {
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
      if (subjects.length > 0) {
        const title = counts(fields.title);
        const both = counts([...fields.title, ...fields.abstract]);
        for (const s of subjects) if (isAbout(s.phrases, title, both)) this.stmts.member.run(s.key, doc);
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
}

/** How often each term occurs in a list. */
function counts(terms: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of terms) out.set(t, (out.get(t) ?? 0) + 1);
  return out;
}
