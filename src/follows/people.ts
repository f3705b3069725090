// People and labs as follow subjects: `author:"Tri Dao"` and `org:MemTensor`, their folded names, and whether a paper is theirs.
import { err, ok, problem, type Problem, type Result } from '../errors.js';
import type { Paper } from '../papers/model.js';

/** Whose papers a follow is for: an author by full name, or an organization (lab) by its Hugging Face handle or display name. */
export interface Person {
  field: 'author' | 'org';
  /** The name as the user typed it, whitespace collapsed (shown in lists and alerts). */
  name: string;
  /** The name folded (see {@link foldName}): what a paper's author or org must equal. */
  folded: string;
}

/** The longest name a people or lab follow keeps. */
export const MAX_NAME_CHARS = 100;

/** `field:value` at the start of a follow, the value quoted or the rest of the line. */
const FIELD = /^([A-Za-z]+):\s*(?:"([^"]*)"?|(.*))$/s;

/** The fields a follow may name, and the search filters that are words the follow itself refuses (`since:`, `until:`). */
const FOLLOW_FIELDS = new Set(['author', 'org']);
const SEARCH_FIELDS = new Set(['since', 'until']);

const EXAMPLES = ['Follow topic words (`follow kv cache`), an author (`follow author:"Tri Dao"`) or a lab (`follow org:MemTensor`).'];

/**
 * A name as follows compare it: Unicode-normalised, diacritics removed, lower case, punctuation and
 * runs of spaces as one space (`Björn  Engdahl` and `bjorn engdahl` are one name; `NJU-LINK` is `nju link`).
 */
export function foldName(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * Reads `author:"Full Name"` or `org:Handle`. Null when the text names no field (it is topic words);
 * a Problem for an empty name, a name too long, an author given by one word, or a field a follow does
 * not know (`venue:NeurIPS`). `since:`/`until:` are left to the topic reader, which names them as filters.
 */
export function parsePerson(text: string): Result<Person, Problem> | null {
  const m = FIELD.exec(text.trim());
  if (!m) return null;
  const field = (m[1] ?? '').toLowerCase();
  const raw = (m[2] ?? m[3] ?? '').replace(/\s+/g, ' ').trim();
  if (SEARCH_FIELDS.has(field)) return null;
  if (!FOLLOW_FIELDS.has(field)) {
    // NOTE: "RAG: a survey" is topic words; only `word:value` with nothing between is read as a field.
    if (/^[A-Za-z]+:\s/.test(text.trim())) return null;
    return err(problem(`I can't follow "${field}:": a follow is for topic words, an author or a lab.`, EXAMPLES));
  }
  if (foldName(raw) === '') {
    return err(
      problem(
        field === 'author' ? 'Name the author to follow, e.g. `follow author:"Tri Dao"`.' : 'Name the lab to follow, e.g. `follow org:MemTensor`.',
        field === 'org' ? ['A lab is named by its Hugging Face handle or its display name, in any case.'] : [],
      ),
    );
  }
  if (raw.length > MAX_NAME_CHARS) return err(problem(`A name to follow must be at most ${MAX_NAME_CHARS} characters (that one has ${raw.length}).`));
  const folded = foldName(raw);
  if (field === 'author' && !folded.includes(' ')) {
    return err(problem(`Follow an author by their full name, as papers list it, e.g. \`follow author:"Tri Dao"\` ("${raw}" is one word).`));
  }
  return ok({ field, name: raw, folded } as Person);
}

/** The follow's text as stored and shown: `author:"Tri Dao"`, `org:MemTensor` (quoted when it has spaces). */
export function personTopic(p: Pick<Person, 'field' | 'name'>): string {
  return p.field === 'author' || /\s/.test(p.name) ? `${p.field}:"${p.name}"` : `${p.field}:${p.name}`;
}

/** Whether a paper is by the author (one of its authors, folded, is the name) or from the lab (its org's display name or handle, folded). */
export function isTheirs(p: Pick<Person, 'field' | 'folded'>, paper: Pick<Paper, 'authors' | 'org' | 'orgHandle'>): boolean {
  if (p.field === 'author') return paper.authors.some((a) => foldName(a) === p.folded);
  return [paper.org, paper.orgHandle].some((o) => o !== null && o !== undefined && foldName(o) === p.folded);
}

/**
 * What the user is told about where such a follow can match: the seed pages list no author names
 * (only a count) and name labs by display name only, so some papers are matched from the live source only.
 */
export function liveSourceNote(field: Person['field']): string {
  return field === 'author'
    ? 'Papers from the seed pages carry no author names, so this follow matches papers from the live source (Hugging Face) only.'
    : 'Papers from the seed pages name labs by display name only; a Hugging Face handle matches papers from the live source (Hugging Face).';
}

/** How a followed subject reads after "new papers": `on kv cache`, `by Tri Dao`, `from MemTensor`. */
export function subjectPhrase(topic: string): string {
  const person = parsePerson(topic);
  if (person?.ok) return `${person.value.field === 'author' ? 'by' : 'from'} ${person.value.name}`;
  return `on ${topic}`;
}

/** How a follow reads in a list or a confirmation: `by Tri Dao`, `from MemTensor`, `on "kv cache"` (topic words quoted). */
export function listedSubject(topic: string): string {
  return personOf(topic) ? subjectPhrase(topic) : `on "${topic}"`;
}

/** How a stored follow's text is named back to its owner: `author:"Tri Dao"` as it is, topic words quoted (`"kv cache"`). */
export function namedFollow(topic: string): string {
  return personOf(topic) ? topic : `"${topic}"`;
}

/** The person or lab a stored follow's text names, or null for topic words. */
export function personOf(topic: string): Person | null {
  const person = parsePerson(topic);
  return person?.ok ? person.value : null;
}
