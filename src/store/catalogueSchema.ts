// The catalogue's shared tables on PostgreSQL (papers with their insertion order and change number); on SQLite the papers table keeps its own MIGRATIONS.
import type { Step } from '../ports.js';

/** The advisory lock every catalogue write holds to its commit, so change numbers increase in commit order. */
export const CATALOGUE_LOCK = 'paperboy.catalogue';

/** The channel a catalogue write notifies (at commit), so every host copies it at once. */
export const CATALOGUE_CHANNEL = 'paperboy_catalogue';

/**
 * Stamps a catalogue row with the next change number (`rev`), holding {@link CATALOGUE_LOCK} first:
 * whoever writes the row (a paper upsert, a day's list, a migration tool), a change number is taken
 * only by the one writer at a time and committed before the next is taken, so a reader that has seen
 * `rev <= n` has seen every change up to n. NOTE: single quotes, not `$$`, so `splitStatements` keeps it whole.
 */
export const STAMP_FUNCTION = `CREATE FUNCTION catalogue_stamp() RETURNS trigger LANGUAGE plpgsql AS
  'BEGIN PERFORM pg_advisory_xact_lock(hashtext(''${CATALOGUE_LOCK}'')); NEW.rev := nextval(''catalogue_rev''); RETURN NEW; END'`;

/**
 * The `papers` feature. On PostgreSQL: the shared papers table, the same columns as SQLite's
 * (src/store/sqlite.ts MIGRATIONS) plus `seq` (insertion order: the follow planner reads it) and
 * `rev` (the change number each host's copy follows, see catalogueSync.ts). On SQLite the table is
 * still made by the paper store's own MIGRATIONS (`PRAGMA user_version`), so the step is a no-op
 * there: it only records `schema.papers`, and moving those migrations here is a later step.
 */
export const PAPER_STEPS: readonly Step[] = [
  {
    sqlite: 'SELECT 1',
    postgres: `CREATE SEQUENCE catalogue_rev;
      ${STAMP_FUNCTION};
      CREATE TABLE papers (
        seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
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
        updated_at TEXT NOT NULL,
        github_repo TEXT,
        github_stars INTEGER,
        project_page TEXT,
        ai_summary TEXT,
        ai_keywords TEXT,
        num_comments INTEGER,
        raw_text TEXT,
        rev BIGINT NOT NULL
      );
      CREATE INDEX papers_published_at ON papers(published_at);
      CREATE INDEX papers_updated_at ON papers(updated_at);
      CREATE UNIQUE INDEX papers_rev ON papers(rev);
      CREATE TRIGGER papers_rev BEFORE INSERT OR UPDATE ON papers FOR EACH ROW EXECUTE FUNCTION catalogue_stamp();`,
  },
  // The organization's Hugging Face handle, for `org:` follows (SQLite's MIGRATIONS add the same column).
  { sqlite: 'SELECT 1', postgres: 'ALTER TABLE papers ADD COLUMN org_handle TEXT' },
];
