// Brings an SQLite database from before the one migration scheme into it: the versions its tables recorded themselves become `meta` entries.
import type { Sql } from '../ports.js';
import { LEGACY_SEARCH_VERSION } from './searchSchema.js';

async function metaVersion(tx: Sql, feature: string): Promise<number> {
  return Number((await tx.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [`schema.${feature}`]))?.value ?? 0);
}

async function setVersion(tx: Sql, feature: string, version: number): Promise<void> {
  await tx.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [`schema.${feature}`, String(version)]);
}

/**
 * Runs inside the migration's write transaction (see `migrate`), so two processes adopt once.
 * - papers: before the one scheme the paper store numbered its steps in `PRAGMA user_version`
 *   (1 to 3); they are the papers feature's first steps, so user_version k becomes `schema.papers`
 *   k. A build just before this one recorded `schema.papers` 1 for a step that did nothing on
 *   SQLite: user_version wins over a smaller value. The open refused a user_version past this
 *   build's steps already.
 * - search: the index kept its own version (`search_marks` key `schema`); version 3 is the
 *   feature's first step, so its tables are kept; any other is dropped and made anew by that step
 *   (then indexed again from the papers).
 */
export async function adoptLegacyVersions(tx: Sql): Promise<void> {
  const userVersion = (await tx.get<{ user_version: number }>('PRAGMA user_version'))?.user_version ?? 0;
  if (userVersion > (await metaVersion(tx, 'papers'))) await setVersion(tx, 'papers', userVersion);
  const marks = await tx.get(`SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'search_marks'`);
  if (!marks) return;
  const mark = (await tx.get<{ value: string }>(`SELECT value FROM search_marks WHERE key = 'schema'`))?.value;
  if (mark === undefined) return;
  if (mark === LEGACY_SEARCH_VERSION && (await metaVersion(tx, 'search')) === 0) await setVersion(tx, 'search', 1);
  await tx.run(`DELETE FROM search_marks WHERE key = 'schema'`);
}
