// The `search` feature: the tables of the persisted search index, kept in each SQLite file next to the papers it is derived from.
import type { Step } from '../ports.js';

/** Every table of the index: a step that changes them drops them all and makes them anew ({@link REMADE}). */
export const SEARCH_TABLES = ['search_docs', 'search_postings', 'search_words', 'search_meta', 'search_subjects', 'search_marks', 'search_pending'] as const;

/** The tables step 1 made, which it dropped first (whatever version made them). */
const TABLES_1 = SEARCH_TABLES.filter((t) => t !== 'search_pending');

/** The tables as step 1 made them. */
const MADE_1 = `
  CREATE TABLE search_docs (
    doc INTEGER PRIMARY KEY,
    paper_id TEXT NOT NULL,
    live INTEGER NOT NULL,
    len_title INTEGER NOT NULL,
    len_abstract INTEGER NOT NULL,
    len_people INTEGER NOT NULL,
    text_hash TEXT NOT NULL,
    indexed_at TEXT NOT NULL,
    changed_seq INTEGER NOT NULL,
    title TEXT NOT NULL,
    published_at TEXT,
    upvotes INTEGER,
    org TEXT
  );
  CREATE INDEX search_docs_live_paper ON search_docs(paper_id) WHERE live = 1;
  CREATE INDEX search_docs_changed ON search_docs(changed_seq);
  CREATE TABLE search_postings (term TEXT NOT NULL, seg INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (term, seg)) WITHOUT ROWID;
  CREATE INDEX search_postings_seg ON search_postings(seg);
  CREATE TABLE search_words (word TEXT PRIMARY KEY, term TEXT NOT NULL);
  CREATE TABLE search_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  CREATE TABLE search_marks (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS papers_updated_at ON papers(updated_at);
  CREATE TABLE search_subjects (subject TEXT NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (subject, doc)) WITHOUT ROWID;`;

const dropTables = (tables: readonly string[]) => tables.map((t) => `DROP TABLE IF EXISTS ${t};`).join('\n');

/**
 * The papers the index has yet to look at, in the order they were written: every write to `papers`
 * queues the ids it touches, whoever writes (the paper store, the catalogue copy, a tool), whatever
 * timestamp the row carries, so an ingest reads its own papers and not the whole table. An insert
 * queues the rows it replaces too (INSERT OR REPLACE on another id's title or arXiv id deletes them,
 * and SQLite fires no delete trigger for that unless recursive_triggers is on). The writer takes a
 * queued id, indexes the paper or retires its document when it is gone, and removes the id.
 * The documents retired are indexed too: a merge reads them, and they are as many as papers changed.
 */
const QUEUE = `DROP TRIGGER IF EXISTS search_pending_insert;
  DROP TRIGGER IF EXISTS search_pending_update;
  DROP TRIGGER IF EXISTS search_pending_delete;
  CREATE TABLE IF NOT EXISTS search_pending (seq INTEGER PRIMARY KEY, paper_id TEXT NOT NULL UNIQUE);
  CREATE INDEX IF NOT EXISTS search_docs_dead ON search_docs(doc) WHERE live = 0;
  CREATE TRIGGER search_pending_insert BEFORE INSERT ON papers BEGIN
    INSERT OR IGNORE INTO search_pending (paper_id)
      SELECT id FROM papers WHERE id = NEW.id OR title_key = NEW.title_key OR arxiv_id = NEW.arxiv_id;
    INSERT OR IGNORE INTO search_pending (paper_id) VALUES (NEW.id);
  END;
  CREATE TRIGGER search_pending_update AFTER UPDATE ON papers BEGIN
    INSERT OR IGNORE INTO search_pending (paper_id) VALUES (OLD.id), (NEW.id);
  END;
  CREATE TRIGGER search_pending_delete AFTER DELETE ON papers BEGIN
    INSERT OR IGNORE INTO search_pending (paper_id) VALUES (OLD.id);
  END;`;

/**
 * Drops every index table and makes them as they are now, every paper queued (in table order) to be
 * indexed again: what a later step that changes the index runs.
 */
export const REMADE = `${dropTables(SEARCH_TABLES)}
  ${MADE_1}
  ${QUEUE}
  INSERT INTO search_pending (paper_id) SELECT id FROM papers ORDER BY rowid;`;

/**
 * The `search` feature's steps (SQLite only: with DATABASE_URL each host indexes its own copy of the
 * catalogue, and PostgreSQL holds no index). The index is derived from the papers table, so a step
 * that changes it drops the tables and makes them anew ({@link REMADE}: every paper queued), and the
 * next sync indexes every paper again (SqliteCorpusData.sync). A database a newer paperboy indexed is refused
 * like any other feature's, not rebuilt: two builds taking turns on one file would re-index at each
 * turn, and the newer one's papers tables are refused anyway.
 */
export const SEARCH_STEPS: readonly Step[] = [
  // NOTE: the index as the version the tables once recorded themselves (search_marks `schema` = 3, indexing ai_keywords).
  `${dropTables(TABLES_1)}
  ${MADE_1}`,
  // The papers to index queued by triggers, not found by comparing every paper with the index at each
  // ingest. The index is kept: the queue starts with what that comparison finds once (papers new or
  // written since they were indexed, and the documents of papers gone).
  `${QUEUE}
  INSERT OR IGNORE INTO search_pending (paper_id)
    SELECT p.id FROM papers p LEFT JOIN search_docs d ON d.paper_id = p.id AND d.live = 1
    WHERE d.doc IS NULL OR p.updated_at <> d.indexed_at ORDER BY p.rowid;
  INSERT OR IGNORE INTO search_pending (paper_id)
    SELECT d.paper_id FROM search_docs d WHERE d.live = 1 AND NOT EXISTS (SELECT 1 FROM papers p WHERE p.id = d.paper_id);`,
];

/** The last version the index recorded in its own table (search_marks `schema`), before the one scheme: it is step 1. */
export const LEGACY_SEARCH_VERSION = '3';
