// Helpers for the Sql port (src/ports.ts): placeholders numbered for PostgreSQL, row locks where the engine has them, a step's DDL per engine.
import type { Engine, Sql, Step } from '../ports.js';

/** `FOR UPDATE SKIP LOCKED` where the engine has row locks; SQLite's write transaction already holds the whole file. */
export function forUpdate(sql: Sql, skipLocked = false): string {
  return sql.engine === 'postgres' ? (skipLocked ? ' FOR UPDATE SKIP LOCKED' : ' FOR UPDATE') : '';
}

/** The DDL of `step` for `engine`. */
export function stepFor(step: Step, engine: Engine): string {
  return typeof step === 'string' ? step : step[engine];
}

/**
 * Rewrites `?` placeholders to PostgreSQL's `$1, $2, …`, leaving `?` inside quoted strings,
 * quoted identifiers and comments alone.
 */
export function numberPlaceholders(text: string): string {
  let out = '';
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      const stop = end === -1 ? text.length : end + 1;
      out += text.slice(i, stop);
      i = stop - 1;
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      out += text.slice(i, stop);
      i = stop - 1;
    } else if (c === '?') {
      n += 1;
      out += `$${n}`;
    } else {
      out += c;
    }
  }
  return out;
}
