// Which papers are about a subject (phrases of index terms) or a topic (concepts), read from the postings and cached until the corpus changes.
import type { AboutRule } from '../ports.js';
import type { Concept } from './concepts.js';
import type { CorpusData, CorpusView } from './corpusData.js';

/** A subject's key: its phrases of index terms, as stored. */
export function subjectKey(phrases: ReadonlyArray<readonly string[]>): string {
  return JSON.stringify(phrases);
}

/**
 * Whether a document is about a subject given as phrases of index terms: every term of some phrase
 * is in its title, or each occurs at least twice in title and abstract together (a subject, not a
 * passing mention). `title` and `both` are the document's term counts.
 */
export function isAbout(phrases: ReadonlyArray<readonly string[]>, title: ReadonlyMap<string, number>, both: ReadonlyMap<string, number>): boolean {
  return phrases.some((p) => p.length > 0 && (p.every((t) => (title.get(t) ?? 0) > 0) || p.every((t) => (both.get(t) ?? 0) >= 2)));
}

/** The documents with `term` in their title, and how often each has it in title and abstract together. */
function textMentions(data: CorpusView, term: string): { title: Set<number>; count: Map<number, number> } {
  const p = data.postings(term);
  const title = new Set<number>();
  const count = new Map<number, number>();
  for (let i = 0; p && i < p.n; i++) {
    const doc = p.docs[i] as number;
    const field = p.fields[i] as number;
    if (field > 1) continue;
    if (field === 0) title.add(doc);
    count.set(doc, (count.get(doc) ?? 0) + (p.tfs[i] as number));
  }
  return { title, count };
}

/** The live documents about a subject, from the postings of its terms. */
export function subjectMembers(data: CorpusView, phrases: ReadonlyArray<readonly string[]>): Set<number> {
  const out = new Set<number>();
  for (const phrase of phrases) {
    const terms = [...new Set(phrase)];
    if (terms.length === 0) continue;
    // Per document: how many of the phrase's terms its title holds, and how many occur twice.
    const inTitle = new Map<number, number>();
    const twice = new Map<number, number>();
    for (const term of terms) {
      const { title, count } = textMentions(data, term);
      for (const doc of title) inTitle.set(doc, (inTitle.get(doc) ?? 0) + 1);
      for (const [doc, n] of count) if (n >= 2) twice.set(doc, (twice.get(doc) ?? 0) + 1);
    }
    for (const [doc, n] of [...inTitle, ...twice]) if (n === terms.length) out.add(doc);
  }
  return out;
}

/** How many of `n` concepts a paper must have by `rule` (all of one or two). */
export function conceptsNeeded(n: number, rule: AboutRule): number {
  return n <= 2 ? n : Math.max(2, Math.ceil(rule.share * n - 1e-9));
}

/**
 * The live documents about a topic given as concepts (see `conceptsOf`): documents that have at
 * least {@link conceptsNeeded} of them, where a document has a concept when, for one of its
 * phrases, each term is in the title or occurs at least `rule.mentions` times in title and abstract.
 */
export function conceptMembers(data: CorpusView, concepts: readonly Concept[], rule: AboutRule): Set<number> {
  const need = conceptsNeeded(concepts.length, rule);
  const has = new Map<number, number>();
  const termDocs = new Map<string, Set<number>>();
  const docsOf = (term: string): Set<number> => {
    const known = termDocs.get(term);
    if (known) return known;
    const { title, count } = textMentions(data, term);
    const out = new Set(title);
    for (const [doc, n] of count) if (n >= rule.mentions) out.add(doc);
    termDocs.set(term, out);
    return out;
  };
  for (const concept of concepts) {
    const docs = new Set<number>();
    for (const phrase of concept) {
      const [first, ...rest] = phrase.map(docsOf);
      for (const doc of first ?? []) if (rest.every((d) => d.has(doc))) docs.add(doc);
    }
    for (const doc of docs) has.set(doc, (has.get(doc) ?? 0) + 1);
  }
  const out = new Set<number>();
  if (need === 0) return out;
  for (const [doc, n] of has) if (n >= need) out.add(doc);
  return out;
}

/** The papers (by id) about subjects and topics, cached until the corpus data changes. */
export class SubjectPapers {
  private cache: { version: number; sets: Map<string, ReadonlySet<string>> } = { version: -1, sets: new Map() };

  constructor(private readonly data: CorpusData) {}

  /**
   * The papers a set of phrases marks as being about a subject: for some phrase, every term is in
   * the title, or every term occurs at least twice in title and abstract together (a subject, not a
   * passing mention). Read from the postings of the phrases' terms.
   */
  withPhrases(phrases: ReadonlyArray<readonly string[]>): ReadonlySet<string> {
    // Kept as papers arrive when the data tracks the subject; else read from the postings now.
    return this.cached(subjectKey(phrases), () => this.data.trackedSubject?.(phrases) ?? subjectMembers(this.data, phrases));
  }

  /** The papers about a topic's concepts by `rule` (see {@link conceptMembers}). */
  about(concepts: ReadonlyArray<ReadonlyArray<readonly string[]>>, rule: AboutRule): ReadonlySet<string> {
    return this.cached(JSON.stringify([concepts, rule.mentions, rule.share]), () => conceptMembers(this.data, concepts, rule));
  }

  private cached(key: string, docs: () => Iterable<number>): ReadonlySet<string> {
    if (this.cache.version !== this.data.version) this.cache = { version: this.data.version, sets: new Map() };
    const known = this.cache.sets.get(key);
    if (known) return known;
    const out = new Set<string>();
    for (const doc of docs()) {
      const info = this.data.info(doc);
      if (info) out.add(info.paperId);
    }
    this.cache.sets.set(key, out);
    return out;
  }
}
