// The SQLite paper store: versioned schema, WAL, every write in a transaction, idempotent merging upserts.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { OperatorError } from '../errors.js';
import { mergePapers } from '../papers/merge.js';
import type { Paper, Provenance } from '../papers/model.js';
import { paperSchema, titleKey } from '../papers/model.js';
import type { PaperStore, UpsertStats } from '../ports.js';

/** Each entry moves the schema one version up; `PRAGMA user_version` records where a file is. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE papers (
     id TEXT PRIMARY KEY,
     title_key TEXT NOT NULL UNIQUE,
     title TEXT NOT NULL,
     abstract TEXT NOT NULL,
     authors TEXT NOT NULL DEFAULT '[]',
     author_count INTEGER,
     org TEXT,
     published_at TEXT,
     upvotes INTEGER,
     arxiv_id TEXT UNIQUE,
     thumbnail TEXT,
     sources TEXT NOT NULL DEFAULT '[]',
     updated_at TEXT NOT NULL
   );
   CREATE INDEX papers_published_at ON papers(published_at);
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

interface Row {
  id: string;
  title: string;
  abstract: string;
  authors: string;
  author_count: number | null;
  org: string | null;
  published_at: string | null;
  upvotes: number | null;
  arxiv_id: string | null;
  thumbnail: string | null;
  sources: string;
}

/**
 * Opens (creating when absent) the database at `file`, or in memory for `:memory:`.
 * A file that is not a paperboy database is refused with an OperatorError naming it, and left untouched.
 */
export function openStore(file: string, now: () => Date = () => new Date()): PaperStore {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: false });
    // NOTE: check the file is ours before any pragma: switching to WAL writes into the file.
    refuseForeign(db);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
  } catch (e) {
    db?.close();
    throw new OperatorError(`Cannot open the paper database at ${file}: ${(e as Error).message}.`, [
      'The file was left as it is. Move it away (or point PAPERBOY_DATA_DIR elsewhere) and start again to rebuild it from the seeds.',
    ]);
  }
  return new SqliteStore(db, now);
}

/** Refuses a file that is not SQLite, another program's database, or a newer schema, without writing to it. */
function refuseForeign(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`schema version ${version} is newer than this paperboy understands (${MIGRATIONS.length})`);
  }
  if (version === 0) {
    const tables = db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as { n: number };
    if (tables.n > 0) throw new Error('it is not a paperboy database (it has tables but no paperboy schema version)');
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    const sql = MIGRATIONS[v] ?? '';
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

class SqliteStore implements PaperStore {
  private readonly byId;
  private readonly byKey;
  private readonly byArxiv;
  private readonly insertStmt;
  private readonly updateStmt;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {
    this.byId = db.prepare<[string], Row>('SELECT * FROM papers WHERE id = ?');
    this.byKey = db.prepare<[string], Row>('SELECT * FROM papers WHERE title_key = ?');
    this.byArxiv = db.prepare<[string], Row>('SELECT * FROM papers WHERE arxiv_id = ?');
    this.insertStmt = db.prepare(
      `INSERT INTO papers (id, title_key, title, abstract, authors, author_count, org, published_at, upvotes, arxiv_id, thumbnail, sources, updated_at)
       VALUES (@id, @title_key, @title, @abstract, @authors, @author_count, @org, @published_at, @upvotes, @arxiv_id, @thumbnail, @sources, @updated_at)`,
    );
    this.updateStmt = db.prepare(
      `UPDATE papers SET id = @id, title_key = @title_key, title = @title, abstract = @abstract, authors = @authors,
         author_count = @author_count, org = @org, published_at = @published_at, upvotes = @upvotes, arxiv_id = @arxiv_id,
         thumbnail = @thumbnail, sources = @sources, updated_at = @updated_at
       WHERE id = @old_id`,
    );
  }

  upsert(papers: readonly Paper[]): UpsertStats {
    const stats: UpsertStats = { inserted: 0, updated: 0, unchanged: 0, changed: [] };
    this.db.transaction(() => {
      for (const incoming of papers) {
        const p = paperSchema.parse(incoming);
        const existingRow = (p.arxivId ? this.byArxiv.get(p.arxivId) : undefined) ?? this.byId.get(p.id) ?? this.byKey.get(titleKey(p.title));
        if (!existingRow) {
          this.insertStmt.run(this.params(p));
          stats.inserted += 1;
          stats.changed.push({ paper: p });
          continue;
        }
        const existing = fromRow(existingRow);
        const merged = mergePapers(existing, p);
        if (JSON.stringify(merged) === JSON.stringify(existing)) {
          stats.unchanged += 1;
          continue;
        }
        this.updateStmt.run({ ...this.params(merged), old_id: existing.id });
        stats.updated += 1;
        stats.changed.push(merged.id === existing.id ? { paper: merged } : { paper: merged, previousId: existing.id });
      }
    })();
    return stats;
  }

  all(): Paper[] {
    return this.db.prepare<[], Row>('SELECT * FROM papers ORDER BY published_at DESC, title').all().map(fromRow);
  }

  get(id: string): Paper | undefined {
    const row = this.byId.get(id) ?? this.byArxiv.get(id);
    return row ? fromRow(row) : undefined;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
  }

  between(from: string, to: string): Paper[] {
    return this.db.prepare<[string, string], Row>('SELECT * FROM papers WHERE published_at BETWEEN ? AND ?').all(from, to).map(fromRow);
  }

  latestDate(onOrBefore?: string): string | null {
    const row = onOrBefore
      ? (this.db.prepare('SELECT max(published_at) AS d FROM papers WHERE published_at <= ?').get(onOrBefore) as { d: string | null })
      : (this.db.prepare('SELECT max(published_at) AS d FROM papers').get() as { d: string | null });
    return row.d;
  }

  dates(limit: number): Array<{ date: string; count: number }> {
    return this.db
      .prepare<[number], { date: string; count: number }>(
        'SELECT published_at AS date, count(*) AS count FROM papers WHERE published_at IS NOT NULL GROUP BY published_at ORDER BY published_at DESC LIMIT ?',
      )
      .all(limit);
  }

  getMeta(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  close(): void {
    this.db.close();
  }

  private params(p: Paper) {
    return {
      id: p.id,
      title_key: titleKey(p.title),
      title: p.title,
      abstract: p.abstract,
      authors: JSON.stringify(p.authors),
      author_count: p.authorCount,
      org: p.org,
      published_at: p.publishedAt,
      upvotes: p.upvotes,
      arxiv_id: p.arxivId,
      thumbnail: p.thumbnail,
      sources: JSON.stringify(p.sources),
      updated_at: this.now().toISOString(),
    };
  }
}

function fromRow(r: Row): Paper {
  return {
    id: r.id,
    title: r.title,
    abstract: r.abstract,
    authors: JSON.parse(r.authors) as string[],
    authorCount: r.author_count,
    org: r.org,
    publishedAt: r.published_at,
    upvotes: r.upvotes,
    arxivId: r.arxiv_id,
    thumbnail: r.thumbnail,
    sources: JSON.parse(r.sources) as Provenance[],
  };
}
