// The papers feature's schema steps on both engines (on PostgreSQL with its insertion order and change number), and the catalogue's lock and channel.
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
 * The `papers` feature. On SQLite: the three steps the paper store once numbered in `PRAGMA
 * user_version` (a database from then is adopted at open, see sqliteAdoption.ts); each sets
 * user_version to its number too, so a build from before the one scheme still knows the file for
 * its own and refuses one a newer build changed. NOTE: a later SQLite step that such builds must not
 * open sets user_version to its number as well. On PostgreSQL: the shared papers table, the same
 * columns plus `seq` (insertion order: the follow planner reads it) and `rev` (the change number
 * each host's copy follows, see catalogueSync.ts), made whole by the first step, so the later two
 * are nothing there.
 */
export const PAPER_STEPS: readonly Step[] = [
  {
    sqlite: `CREATE TABLE papers (
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
     PRAGMA user_version = 1;`,
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
  // What the Hugging Face API says of a paper beyond the page dumps; NULL where no source has said.
  {
    sqlite: `ALTER TABLE papers ADD COLUMN github_repo TEXT;
     ALTER TABLE papers ADD COLUMN github_stars INTEGER;
     ALTER TABLE papers ADD COLUMN project_page TEXT;
     ALTER TABLE papers ADD COLUMN ai_summary TEXT;
     ALTER TABLE papers ADD COLUMN ai_keywords TEXT;
     ALTER TABLE papers ADD COLUMN num_comments INTEGER;
     PRAGMA user_version = 2;`,
    postgres: 'SELECT 1',
  },
  // The source's title and abstract where they held LaTeX residue (JSON, `Paper.rawText`): search indexes them, replies show the cleaned columns.
  { sqlite: 'ALTER TABLE papers ADD COLUMN raw_text TEXT; PRAGMA user_version = 3;', postgres: 'SELECT 1' },
  // The organization's Hugging Face handle (`org` holds its display name): an `org:` follow matches either.
  {
    sqlite: 'ALTER TABLE papers ADD COLUMN org_handle TEXT; PRAGMA user_version = 4;',
    postgres: 'ALTER TABLE papers ADD COLUMN IF NOT EXISTS org_handle TEXT',
  },
];

/**
 * The `catalogue_snapshots` feature: the current snapshot of a host's catalogue copy (its SQLite file,
 * papers, lists and search index at the change numbers it holds), in chunks, so a host with an empty
 * data dir starts from it instead of copying and indexing every paper (catalogueSnapshot.ts makes it,
 * catalogueRestore.ts uses it). `format` names the local schema versions the file was made with: a
 * host of another build ignores it. A snapshot row is written with its chunks in one transaction, so a
 * row exists only with all of them. Each chunk is one `SNAPSHOT_CHUNK_BYTES` slice of the file,
 * compressed as `compression` says (zlib deflate), and stored as is (STORAGE EXTERNAL: PostgreSQL does
 * not try to compress it again). PostgreSQL only: on SQLite the step records the version.
 */
export const SNAPSHOT_STEPS: readonly Step[] = [
  {
    sqlite: 'SELECT 1',
    postgres: `CREATE TABLE catalogue_snapshots (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        catalogue_id TEXT NOT NULL,
        papers_rev BIGINT NOT NULL,
        days_rev BIGINT NOT NULL,
        format TEXT NOT NULL,
        bytes BIGINT NOT NULL,
        chunks INTEGER NOT NULL,
        compression TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        made_at TEXT NOT NULL
      );
      CREATE INDEX catalogue_snapshots_current ON catalogue_snapshots(catalogue_id, format, id);
      CREATE TABLE catalogue_snapshot_chunks (
        snapshot_id BIGINT NOT NULL REFERENCES catalogue_snapshots(id) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        data BYTEA NOT NULL,
        PRIMARY KEY (snapshot_id, n)
      );
      ALTER TABLE catalogue_snapshot_chunks ALTER COLUMN data SET STORAGE EXTERNAL;`,
  },
];
