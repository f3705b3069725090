// The `search` feature: the tables of the persisted search index, kept in each SQLite file next to the papers it is derived from.
import type { Step } from '../ports.js';

/** Every table of the index: a step that changes them drops them all and makes them anew. */
export const SEARCH_TABLES = ['search_docs', 'search_postings', 'search_words', 'search_meta', 'search_subjects', 'search_marks'] as const;

/** Drops every index table (whatever version made them), then makes them as they are now. */
const REMADE = `${SEARCH_TABLES.map((t) => `DROP TABLE IF EXISTS ${t};`).join('\n')}
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

/**
 * The `search` feature's steps (SQLite only: with DATABASE_URL each host indexes its own copy of the
 * catalogue, and PostgreSQL holds no index). The index is derived from the papers table, so a step
 * that changes it drops the tables and makes them anew: they are then empty, and the next sync
 * indexes every paper again (SqliteCorpusData.sync). A database a newer paperboy indexed is refused
 * like any other feature's, not rebuilt: two builds taking turns on one file would re-index at each
 * turn, and the newer one's papers tables are refused anyway.
 */
export const SEARCH_STEPS: readonly Step[] = [
  // NOTE: the index as the version the tables once recorded themselves (search_marks `schema` = 3, indexing ai_keywords).
  REMADE,
];

/** The last version the index recorded in its own table (search_marks `schema`), before the one scheme: it is step 1. */
export const LEGACY_SEARCH_VERSION = '3';
