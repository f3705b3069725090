// The one migration scheme: every feature registers its steps, versions live in `meta` as `schema.<feature>`, and a database newer than the build is refused.
import { OperatorError } from '../errors.js';
import type { FeatureSchema, Sql } from '../ports.js';
import { stepFor } from './sql.js';

/** `meta` exists before any feature migrates: it holds their versions. */
const META = 'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)';

/** The OperatorError for tables a newer paperboy wrote: this build would misread them, or write what the newer one cannot read. */
export function newerSchemaError(where: string, feature: string, version: string | number, known: string | number, startAfresh: string): OperatorError {
  return new OperatorError(
    `The paper database ${where} was written by a newer paperboy: its ${feature} tables are at schema version ${version}, and this paperboy knows version ${known}; it refuses to use it.`,
    ['Run the paperboy version that wrote it (or a newer one); paperboy never downgrades a database.', startAfresh],
  );
}

/** Each feature's stored version (0 for one never migrated); nothing is written. */
export async function storedVersions(sql: Sql): Promise<Map<string, number>> {
  const rows = await sql.all<{ key: string; value: string }>(`SELECT key, value FROM meta WHERE key LIKE 'schema.%'`);
  return new Map(rows.map((r) => [r.key.slice('schema.'.length), Number(r.value)]));
}

/**
 * Throws when any feature this build knows is stored at a newer version than its steps reach. A
 * feature this build does not know at all is left alone: it never touches those tables.
 */
export function refuseNewer(versions: ReadonlyMap<string, number>, features: readonly FeatureSchema[], where: string, startAfresh: string): void {
  for (const f of features) {
    const stored = versions.get(f.name) ?? 0;
    if (stored > f.steps.length) throw newerSchemaError(where, f.name, stored, f.steps.length, startAfresh);
  }
}

export interface MigrationTarget {
  sql: Sql;
  /**
   * Runs `fn` as the only migrator: SQLite's write transaction (BEGIN IMMEDIATE) locks the file;
   * PostgreSQL takes an advisory lock, so replicas starting together migrate once.
   */
  exclusively<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Brings a database from before this scheme into it (SQLite: the versions its tables recorded
   * themselves become `meta` entries), inside the exclusive transaction, before the versions are read.
   */
  adopt?: (tx: Sql) => Promise<void>;
  /** How the operator knows this database (a file path, or a URL without its password). */
  where: string;
  /** What to do to start over with this build, for the refusal message. */
  startAfresh: string;
}

/**
 * Brings every feature's tables up to date in one exclusive transaction: the versions are read
 * inside it (another process may have just migrated), a newer one is refused before anything is
 * written, and each feature's remaining steps run in order. DDL is transactional on both engines,
 * so a failed step leaves the database as it was.
 */
export async function migrate(target: MigrationTarget, features: readonly FeatureSchema[]): Promise<void> {
  await target.exclusively(async (tx) => {
    await tx.run(META);
    await target.adopt?.(tx);
    const versions = await storedVersions(tx);
    refuseNewer(versions, features, target.where, target.startAfresh);
    for (const f of features) {
      const from = versions.get(f.name) ?? 0;
      if (from >= f.steps.length) continue;
      for (const step of f.steps.slice(from)) {
        for (const statement of splitStatements(stepFor(step, tx.engine))) await tx.run(statement);
      }
      await tx.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
        `schema.${f.name}`,
        String(f.steps.length),
      ]);
    }
  });
}

/** A step's statements one by one (prepared statements take one each); semicolons inside quotes stay. */
export function splitStatements(ddl: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (const c of ddl) {
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === ';' && !insideTrigger(current)) {
      if (current.trim() !== '') out.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

/** True inside a trigger's body: its statements end in semicolons too, and the trigger ends at END. */
function insideTrigger(current: string): boolean {
  return /^\s*CREATE\s+(TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i.test(current) && !/\bEND\s*$/i.test(current);
}
