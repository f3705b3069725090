// The vocabulary typos are corrected against, read from the index's tables and grown in place as words are indexed.
import type Database from 'better-sqlite3';
import type { Vocabulary } from '../search/corpusData.js';

export class StoredVocabulary implements Vocabulary {
  readonly words = new Map<string, string>();
  readonly wordList: Array<[string, string]> = [];
  readonly terms: string[] = [];
  private readonly termSet = new Set<string>();
  private lastWord = 0;
  private lastSeg = 0;
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      // NOTE: rows as arrays: the vocabulary reads tens of thousands of them on the first search, and objects cost twice the time.
      wordRows: db.prepare<[number], [number, string, string]>('SELECT rowid, word, term FROM search_words WHERE rowid > ? ORDER BY rowid').raw(),
      termRows: db.prepare<[number], [string, number]>('SELECT term, seg FROM search_postings WHERE seg > ?').raw(),
    };
  }

  /** Reads only what was indexed since the last look. */
  extend(): this {
    for (const [id, word, term] of this.stmts.wordRows.all(this.lastWord)) {
      this.lastWord = id;
      if (this.words.has(word)) continue;
      this.words.set(word, term);
      this.wordList.push([word, term]);
    }
    for (const [term, seg] of this.stmts.termRows.all(this.lastSeg)) {
      if (seg > this.lastSeg) this.lastSeg = seg;
      if (this.termSet.has(term)) continue;
      this.termSet.add(term);
      this.terms.push(term);
    }
    return this;
  }
}
