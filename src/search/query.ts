// Turns what a user typed into a structured query; lunr's query-string parser never sees user text.
import { err, ok, problem, type Problem, type Result } from '../errors.js';
import { addDays, dayPeriod, isoWeekOf, monthPeriod, weekPeriod } from '../trending/period.js';
import { abbreviationSpans } from './analysis/abbreviations.js';
import { americanize } from './analysis/spellings.js';
import { isStopword } from './analysis/stopWords.js';
import { stem } from './analysis/terms.js';
import { isIndexable, splitAlnum, words } from './analysis/tokenizer.js';

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
  /**
   * Set on terms that stand for other query terms rather than for a word of their own: a part of a
   * joined word (`bit` of `2bit`) or an abbreviation (`rag` of `retrieval-augmented`). They are
   * searched like any term, and a paper that has one counts as mentioning the words it stands for.
   */
  of?: readonly string[];
}

/** A period named in words (`this week`, `yesterday`), which is a filter, never search terms. */
export interface PeriodWords {
  /** The words as typed, lowercased (`this week`). */
  phrase: string;
  /** The dates it reads as, or null when the caller gave no date to read it against (it is then only left out). */
  range: { from: string; to: string } | null;
}

export interface ParseOptions {
  /** Today's date (`YYYY-MM-DD`) in the bot's time zone, to read `this week`, `today`, … as dates. */
  today?: string;
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
  /** The period named in words, if any (its dates are already in `since` and `until`). */
  period: PeriodWords | null;
  /** Words past the first {@link MAX_QUERY_TERMS} distinct terms: not searched. */
  dropped: string[];
  /** Words longer than any real word (see `MAX_TERM_LENGTH`): not searched. */
  tooLong: string[];
}

const FILTER = /(^|\s)(since|until|org):("([^"]*)"|(\S*))/gi;

/**
 * Periods people name in words. Quoted text is matched first so that `"today"` stays a word.
 * NOTE: weeks are ISO weeks (Monday to Sunday), as in `trending`.
 */
const PERIOD_WORDS = /"[^"]*"|(?<![\p{L}\p{N}])(this week|last week|this month|last month|today|yesterday)(?![\p{L}\p{N}])/giu;

/** The dates a period phrase covers, relative to `today`. */
function periodRange(phrase: string, today: string): { from: string; to: string } {
  const { from, to } =
    phrase === 'today'
      ? dayPeriod(today)
      : phrase === 'yesterday'
        ? dayPeriod(addDays(today, -1))
        : phrase === 'this week'
          ? weekPeriod(isoWeekOf(today))
          : phrase === 'last week'
            ? weekPeriod(isoWeekOf(addDays(today, -7)))
            : phrase === 'this month'
              ? monthPeriod(today.slice(0, 7))
              : monthPeriod(addDays(`${today.slice(0, 7)}-01`, -1).slice(0, 7));
  return { from, to };
}

/**
 * Parses a query. A bad filter value is a problem that names the expected format; everything
 * else is accepted: punctuation, lunr syntax (`^`, `~`, `:`) and stray quotes are just text.
 */
export function parseQuery(input: string, options: ParseOptions = {}): Result<ParsedQuery, Problem> {
  let since: string | null = null;
  let until: string | null = null;
  let org: string | null = null;
  let bad: Problem | null = null;
  let period: PeriodWords | null = null;
  const filtered = input.replace(FILTER, (_m, lead: string, key: string, _v, quoted: string | undefined, bare: string | undefined) => {
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
  // A named period narrows the dates like since:/until:; without today's date it is only left out.
  const rest = filtered.replace(PERIOD_WORDS, (m, phrase: string | undefined) => {
    if (phrase === undefined) return m;
    const words = phrase.toLowerCase().replace(/\s+/g, ' ');
    period ??= { phrase: words, range: options.today ? periodRange(words, options.today) : null };
    return ' ';
  });
  // NOTE: TypeScript cannot see the assignments inside the replace callbacks.
  const named = period as PeriodWords | null;
  if (named?.range) {
    const given = { since: since as string | null, until: until as string | null };
    since = given.since && given.since > named.range.from ? given.since : named.range.from;
    until = given.until && given.until < named.range.to ? given.until : named.range.to;
  }

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
  if (since && until && since > until) {
    const dates = named?.range ? `"${named.phrase}" (${named.range.from} to ${named.range.to}) and since:/until:` : `since:${since} is after until:${until}`;
    return err(problem(`${dates}; nothing can match both.`));
  }
  return ok({
    text: rest.replace(/\s+/g, ' ').trim(),
    terms,
    required,
    excluded,
    since,
    until,
    org,
    period,
    dropped: [...dropped],
    tooLong: [...new Set(tooLong)],
  });
}

/** The terms of some query text, each word with its parts; words too long to be real words go to `tooLong` instead. */
function toTerms(text: string, tooLong: string[]): QueryTerm[] {
  const out: QueryTerm[] = [];
  for (const w of words(text)) {
    if (isStopword(w.word)) continue;
    if (!isIndexable(w.word)) {
      tooLong.push(w.word);
      continue;
    }
    const term = stem(americanize(w.word));
    out.push({ word: w.word, term });
    for (const part of splitAlnum(w.word)) if (!isStopword(part)) out.push({ word: part, term: stem(americanize(part)), of: [term] });
  }
  // NOTE: phrases are abbreviated within one chunk of text (`retrieval-augmented`, a quoted phrase): across the whole query it scored worse (see README, Search quality).
  const typed = out.filter((t) => !t.of);
  for (const { abbr, start, length } of abbreviationSpans(typed.map((t) => t.term))) {
    out.push({ word: abbr, term: abbr, of: typed.slice(start, start + length).map((t) => t.term) });
  }
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

/**
 * Whether `text` gives nothing to look up: no word, exclusion or filter once parsed (only emoji,
 * punctuation or common words, e.g. "🚀" or "the of"). A text the parser refuses is not empty: its
 * problem is said instead.
 */
export function nothingToLookUp(text: string): boolean {
  const parsed = parseQuery(text);
  if (!parsed.ok) return false;
  const q = parsed.value;
  return q.terms.length === 0 && q.excluded.length === 0 && !q.since && !q.until && !q.org;
}
