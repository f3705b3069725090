// Turns what a user typed into a structured query; lunr's query-string parser never sees user text.
import { err, ok, problem, type Problem, type Result } from '../errors.js';
import { abbreviations, americanize, isIndexable, isStopword, splitAlnum, stem, words } from './text.js';

/**
 * The most distinct terms (searched and excluded together) one query may use; later words are ignored
 * and the reply says so. NOTE: the longest development question has 21; a 500-character message
 * can hold about 120, and each term is a lunr clause plus up to four fallbacks.
 */
export const MAX_QUERY_TERMS = 32;

/** One searchable word: as typed (for messages) and as an index term. */
export interface QueryTerm {
  word: string;
  term: string;
}

export interface ParsedQuery {
  /** The query text without filters, as typed (for headings). */
  text: string;
  terms: QueryTerm[];
  /** Terms that must appear (from "quoted words"). */
  required: QueryTerm[];
  /** Terms that must not appear (`-term`). */
  excluded: QueryTerm[];
  since: string | null;
  until: string | null;
  org: string | null;
  /** Words past the first {@link MAX_QUERY_TERMS} distinct terms: not searched. */
  dropped: string[];
  /** Words longer than any real word (see `MAX_TERM_LENGTH`): not searched. */
  tooLong: string[];
}

const FILTER = /(^|\s)(since|until|org):("([^"]*)"|(\S*))/gi;

/**
 * Parses a query. A bad filter value is a problem that names the expected format; everything
 * else is accepted: punctuation, lunr syntax (`^`, `~`, `:`) and stray quotes are just text.
 */
export function parseQuery(input: string): Result<ParsedQuery, Problem> {
  let since: string | null = null;
  let until: string | null = null;
  let org: string | null = null;
  let bad: Problem | null = null;
  const rest = input.replace(FILTER, (_m, lead: string, key: string, _v, quoted: string | undefined, bare: string | undefined) => {
    const value = (quoted ?? bare ?? '').trim();
    const k = key.toLowerCase();
    if (k === 'org') {
      if (value === '') bad ??= problem('org: needs a name, e.g. org:MemTensor or org:"NJU-LINK Lab".');
      org = value;
    } else {
      const range = dateRange(value);
      if (!range) bad ??= problem(`${k}:${value} is not a date I understand. Use ${k}:YYYY, ${k}:YYYY-MM or ${k}:YYYY-MM-DD, e.g. ${k}:2025-06.`);
      else if (k === 'since') since = range[0];
      else until = range[1];
    }
    return lead;
  });
  if (bad) return err(bad);

  const terms: QueryTerm[] = [];
  const required: QueryTerm[] = [];
  const excluded: QueryTerm[] = [];
  const tooLong: string[] = [];
  const dropped = new Set<string>();
  const seen = new Set<string>();
  const excludedSeen = new Set<string>();
  /** Counts a term against the cap; false (and the word noted) once the cap is reached. */
  const admit = (t: QueryTerm, known: ReadonlySet<string>): boolean => {
    if (known.has(t.term)) return true;
    if (seen.size + excludedSeen.size < MAX_QUERY_TERMS) return true;
    dropped.add(t.word);
    return false;
  };
  // Quoted phrases are required words; `-word` at a word start excludes it; the rest is free text.
  const PART = /"([^"]*)"|(^|\s)-([\p{L}\p{N}][^\s]*)|([^"\s]+)/gu;
  for (const m of rest.matchAll(PART)) {
    if (m[1] !== undefined) {
      for (const t of toTerms(m[1], tooLong)) {
        if (!admit(t, seen)) continue;
        if (!required.some((r) => r.term === t.term)) required.push(t);
        if (!seen.has(t.term)) {
          seen.add(t.term);
          terms.push(t);
        }
      }
    } else if (m[3] !== undefined) {
      for (const t of toTerms(m[3], tooLong)) {
        if (!admit(t, excludedSeen) || excludedSeen.has(t.term)) continue;
        excludedSeen.add(t.term);
        excluded.push(t);
      }
    } else if (m[4] !== undefined) {
      for (const t of toTerms(m[4], tooLong)) {
        if (!admit(t, seen) || seen.has(t.term)) continue;
        seen.add(t.term);
        terms.push(t);
      }
    }
  }
  if (since && until && since > until) return err(problem(`since:${since} is after until:${until}; nothing can match both.`));
  return ok({ text: rest.replace(/\s+/g, ' ').trim(), terms, required, excluded, since, until, org, dropped: [...dropped], tooLong: [...new Set(tooLong)] });
}

/** The terms of some query text; words too long to be real words go to `tooLong` instead. */
function toTerms(text: string, tooLong: string[]): QueryTerm[] {
  const out: QueryTerm[] = [];
  for (const w of words(text)) {
    if (isStopword(w.word)) continue;
    if (!isIndexable(w.word)) {
      tooLong.push(w.word);
      continue;
    }
    out.push({ word: w.word, term: stem(americanize(w.word)) });
    for (const part of splitAlnum(w.word)) if (!isStopword(part)) out.push({ word: part, term: stem(americanize(part)) });
  }
  for (const abbr of abbreviations(out.map((t) => t.term))) out.push({ word: abbr, term: abbr });
  return out;
}

/** `2025` → [2025-01-01, 2025-12-31]; `2025-06` → that month; `2025-06-03` → that day; else null. */
export function dateRange(value: string): [string, string] | null {
  let m = /^(\d{4})$/.exec(value);
  if (m) return [`${m[1]}-01-01`, `${m[1]}-12-31`];
  m = /^(\d{4})-(\d{2})$/.exec(value);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    if (mo < 1 || mo > 12) return null;
    const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
    return [`${m[1]}-${m[2]}-01`, `${m[1]}-${m[2]}-${String(last).padStart(2, '0')}`];
  }
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m) {
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    if (d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return null;
    return [value, value];
  }
  return null;
}
