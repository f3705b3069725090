// The Library: the core service commands use. It owns the store and keeps the search index in step with it.
import { UserError } from './errors.js';
import type { Paper } from './papers/model.js';
import { arxivIdOf, titleKey } from './papers/model.js';
import { conceptsOf } from './search/concepts.js';
import { conceptsNeeded } from './search/subjects.js';
import { byUpvotesThenDate } from './search/hits.js';
import { parseQuery, type ParseOptions, type ParsedQuery } from './search/query.js';
import { normalName, titleName } from './search/ranking/names.js';
import { DEFAULT_RANKING } from './search/ranking/parameters.js';
import { neighbours, type Corpus } from './search/related.js';
import { analyze } from './search/analysis/analyze.js';
import { MAX_TERM_LENGTH } from './search/analysis/tokenizer.js';
import type { AboutRule, DailyListReader, PaperStore, PaperSummary, SearchHit, SearchIndex, Sql, UpsertStats } from './ports.js';
import { clip } from './reply.js';
import { TOPICS, type Topic } from './topics.js';
import { addDays, periodContaining, type Period } from './trending/period.js';

export interface SearchPage {
  query: ParsedQuery;
  hits: SearchHit[];
  total: number;
  fuzzy: boolean;
  /** Query words read as other corpus words (typos), for the reply's notice. */
  corrected: Array<{ word: string; to: string[] }>;
  /** Query words that match nothing in the corpus, even with every fallback tried: the reply names them. */
  unmatched: string[];
  /** "Did you mean" words when a query word is not in the corpus. */
  suggestions: string[];
  /**
   * True when a bound on the work skipped typo or word-family matching (see `SearchOutcome`);
   * words the query itself ignored are in `query.dropped` and `query.tooLong`.
   */
  incomplete: boolean;
}

/** Unknown words that get "did you mean" suggestions: a page shows at most four. */
const SUGGESTED_WORDS = 4;

export interface TrendingList {
  asked: Period;
  /** The period shown: the one asked for, or the nearest earlier one with papers. */
  shown: Period;
  papers: Paper[];
}

/**
 * What commands use of the library (CommandContext is typed on this, so a command can be tested
 * against a fake). The Library below is the one implementation.
 */
export interface PaperLibrary {
  /**
   * `options.today` (the bot's date) reads `this week`, `yesterday`, … as a period; without it they are left out.
   * A query already parsed (`parseQuery`) is searched as it is: a caller that needs the question's terms too parses once.
   */
  search(text: string | ParsedQuery, offset?: number, limit?: number, options?: ParseOptions): SearchPage;
  searchAll(text: string): SearchHit[];
  get(id: string): Paper | undefined;
  findPapers(text: string): Paper[];
  completeTitles(partial: string, limit?: number): Array<{ title: string; id: string }>;
  trending(asked: Period): TrendingList;
  /** Publication dates with their paper counts, newest first (trending autocompletion). */
  dates(limit: number): Array<{ date: string; count: number }>;
  topics(): Array<Topic & { count: number }>;
  relatedTopics(text: string | ParsedQuery, limit: number): string[];
  /** How many papers there are and which hold a word: what distinctive terms are weighed against (search/related.ts). */
  corpus(): Corpus;
  /** Papers like `paper` by its distinctive terms, best first; none when no paper is close enough (search/related.ts). */
  related(paper: Paper, limit: number): Paper[];
  topic(text: string): TopicList;
  /** Papers about `text` by the topic rule (what counts count), best first; see {@link Library.onTopic}. */
  onTopic(text: string, use?: 'count' | 'newest'): SearchHit[];
  /** What the topic rule checks for `text`, for replies that say what a count includes. */
  topicRule(text: string): TopicRuleFor;
}

/**
 * A topic's papers: first the `counted` ones, about it by the topic rule (what `ask "how many papers
 * on X?"` counts), then for free words the other close search matches, also related but not counted.
 * `counted` is 0 when no paper is about free words by the rule (the hits are then the closest matches).
 */
/** A title as autocomplete and `paper <title>` compare it: lowercased, its name (before the colon) and its key. */
interface TitleForms {
  lower: string;
  name: string;
  key: string;
}

export interface TopicList {
  hits: SearchHit[];
  counted: number;
}

/** The topic rule as it applies to some text: a known topic, or free words with how many of them a paper needs. */
export type TopicRuleFor = { kind: 'known'; topic: Topic } | { kind: 'words'; words: string[]; need: number; mentions: number } | { kind: 'none' };

/**
 * How `topic` ranks (chosen by cross-validation on the development questions, see `npm run eval`),
 * and when a paper is about free words (`AboutRule` and `newestMentions`, chosen by the joint cross-validation
 * of the ask parameters, `COUNT_RULE_GRID` in scripts/evalAnswers.ts: what `ask "how many papers on X?"`
 * counts and `topic` lists first).
 */
export interface TopicOptions extends AboutRule {
  /**
   * `mentions` for the papers a "what's new" list draws from: sorted by date, relevance no longer
   * puts passing mentions last, so the list may need a word to occur more often than a count does.
   */
  newestMentions: number;
  /** The weight recency and upvotes take from relevance, half each (0: relevance alone, ties by upvotes then date). */
  blend: number;
  /** For free words, papers below this share of the best relevance are passing mentions and left out. */
  cutoff: number;
}

/** Read at each use (see `Library.topicOption`). */
// NOTE: mentions, share and newestMentions as the point best on all 64 questions of npm run eval (2026-12-07): 63 of 64 folds chose mentions=1, all 64 share=0.6 and newestMentions=2.
export const DEFAULT_TOPIC: TopicOptions = { blend: 0, cutoff: 0, mentions: 1, share: 0.6, newestMentions: 2 };

export interface LibraryOptions {
  topic?: Partial<TopicOptions>;
  /** The stored Hugging Face daily lists: trending for a day with one ranks that day's list. */
  dailyLists?: DailyListReader | null;
  /** Called after every ingest, once the index is in step (the follow alert planner records its alerts here). */
  afterIngest?: (stats: UpsertStats) => Promise<void>;
}

export class Library implements PaperLibrary {
  private readonly topicOverrides: Partial<TopicOptions>;
  private readonly dailyLists: DailyListReader | null;
  private readonly afterIngest: ((stats: UpsertStats) => Promise<void>) | undefined;
  /** Each title lower-cased and its name (`titleName`), kept: every ask checks whether its words name a paper against every title. */
  private readonly titleForms = new Map<string, TitleForms>();

  constructor(
    readonly store: PaperStore,
    private readonly index: SearchIndex,
    options: LibraryOptions = {},
  ) {
    this.topicOverrides = options.topic ?? {};
    this.dailyLists = options.dailyLists ?? null;
    this.afterIngest = options.afterIngest;
  }

  /**
   * Stores papers and brings the search index in step with what was stored. `alsoWrite` runs in
   * the same transaction as the upsert (a day's list and its completion mark): a failure in it
   * keeps none of it. The returned stats' `changed` list holds the papers new to the store
   * (`inserted`) and the ones that changed: what alerts about new papers hook into.
   */
  async ingest(papers: readonly Paper[], alsoWrite?: (tx: Sql, stats: UpsertStats) => Promise<void>): Promise<UpsertStats> {
    const stats = await this.store.upsert(papers, alsoWrite);
    const moved = stats.changed.flatMap((c) => (c.previousId ? [c.previousId] : []));
    if (moved.length > 0) this.index.remove(moved);
    this.index.upsert(stats.changed.map((c) => c.paper));
    await this.afterIngest?.(stats);
    return stats;
  }

  /**
   * NOTE: read at each use, as the picker is, so the evaluation can set `DEFAULT_TOPIC` for a grid
   * point; one field at a time, so it can tell which of them an answer read.
   */
  private topicOption<K extends keyof TopicOptions>(key: K): TopicOptions[K] {
    return this.topicOverrides[key] ?? DEFAULT_TOPIC[key];
  }

  /** The rule a paper must meet to be about free words (`use`: a count, or the papers a "what's new" list draws from). */
  private aboutRule(use: 'count' | 'newest'): AboutRule {
    const option = (key: keyof TopicOptions) => this.topicOption(key);
    // NOTE: getters, so a topic of one or two words (which needs all of them) does not read `share`.
    return {
      get mentions() {
        return option(use === 'newest' ? 'newestMentions' : 'mentions');
      },
      get share() {
        return option('share');
      },
    };
  }

  /** Builds the search index now (at start-up), so the first user does not wait for it. */
  warm(): void {
    this.index.warm();
  }

  /** Searches; `text` is anything a user typed (it is parsed, never handed to lunr's parser), or a query already parsed. */
  search(text: string | ParsedQuery, offset = 0, limit = 5, options: ParseOptions = {}): SearchPage {
    const query = typeof text === 'string' ? this.parse(text, options) : text;
    if (query.terms.length === 0 && query.excluded.length === 0 && !query.since && !query.until && !query.org) {
      const hints = query.tooLong.length > 0 ? [`Words longer than ${MAX_TERM_LENGTH} characters are not searched.`] : [];
      throw new UserError(`"${clip(typeof text === 'string' ? text : text.text, 60)}" has no words I can search for.`, [
        ...hints,
        'Try a few topic words, e.g. `kv cache quantization`.',
      ]);
    }
    const index = this.index;
    const outcome = index.search(query, offset + limit);
    const suggestions = outcome.total > 0 ? [] : outcome.unknown.slice(0, SUGGESTED_WORDS).flatMap((w) => index.suggest(w, 2));
    return {
      query,
      hits: outcome.hits.slice(offset, offset + limit),
      total: outcome.total,
      fuzzy: outcome.fuzzy,
      corrected: outcome.corrected.filter((c) => c.to.length > 0),
      unmatched: outcome.corrected.filter((c) => c.to.length === 0).map((c) => c.word),
      suggestions: [...new Set(suggestions)].slice(0, SUGGESTED_WORDS),
      incomplete: outcome.incomplete === true,
    };
  }

  /** All hits for a query, for ranking blends (topics) and evaluation. */
  searchAll(text: string): SearchHit[] {
    return this.index.search(this.parse(text)).hits;
  }

  /** A query, or the UserError that says what is wrong with it. */
  private parse(text: string, options: ParseOptions = {}): ParsedQuery {
    const parsed = parseQuery(text, options);
    if (!parsed.ok) throw UserError.from(parsed.error);
    return parsed.value;
  }

  get(id: string): Paper | undefined {
    return this.store.get(arxivIdOf(id) ?? id.trim());
  }

  /**
   * Finds papers for `paper <id or title words>`: an id, an exact title or a title's name (the part
   * before the colon: `A-MEM`, `Informer`), else the titles that start with the text, whole-word
   * matches first, else the title-word matches (several → the caller shows a pick list).
   */
  findPapers(text: string): Paper[] {
    const byId = this.get(text);
    if (byId) return [byId];
    const key = titleKey(text).toLowerCase();
    const name = normalName(text);
    // NOTE: each title's forms are worked out once (formsOf), and the summaries filtered as they come:
    // at 100,000 papers, working them out per look-up made hundreds of MB of garbage.
    const matching = (keep: (forms: TitleForms) => boolean): PaperSummary[] => {
      const out: PaperSummary[] = [];
      for (const x of this.index.summaries()) if (keep(this.formsOf(x.title))) out.push(x);
      return out;
    };
    const load = (xs: readonly PaperSummary[]) => xs.flatMap((x) => this.store.get(x.id) ?? []);
    const exact = matching((f) => f.key === key);
    if (exact.length > 0) return load(exact);
    const named = name === '' ? [] : matching((f) => f.name === name);
    if (named.length > 0) return load(named.sort(byUpvotesThenDate));
    const prefix = matching((f) => f.key.startsWith(key));
    if (prefix.length > 0 && key.length >= DEFAULT_RANKING.titlePrefixMinLength)
      return load(prefix.sort((a, b) => wholeWordAfter(a.title, key) - wholeWordAfter(b.title, key) || byUpvotesThenDate(a, b)));
    const hits = this.searchAll(text);
    const top = hits[0];
    if (!top) return [];
    // Clear winner → that paper; otherwise the close runners-up for a pick list.
    const close = hits.filter((h) => h.score >= top.score * DEFAULT_RANKING.closeHitShare).slice(0, DEFAULT_RANKING.pickListSize);
    return close.map((h) => h.paper);
  }

  /** Titles and ids for autocomplete, best matches for `partial` first (from the index's memory, no paper read). */
  completeTitles(partial: string, limit = 25): Array<{ title: string; id: string }> {
    const p = partial.trim().toLowerCase();
    // NOTE: the summaries are filtered as they come, not gathered first: at 100,000 papers an array of
    // them all outlived young collections and swelled the heap by 100 MB over a few completions.
    const matching = (keep: (x: PaperSummary) => boolean): PaperSummary[] => {
      const out: PaperSummary[] = [];
      for (const x of this.index.summaries()) if (keep(x)) out.push(x);
      return out;
    };
    if (p === '')
      return [...this.index.summaries()]
        .sort(byUpvotesThenDate)
        .slice(0, limit)
        .map((x) => ({ title: x.title, id: x.id }));
    // A title whose name is the typed text comes first, then titles that start with the whole typed word
    // ("a-mem" → "A-MEM: …" before "A-MemGuard: …").
    const name = normalName(p);
    const rankOf = (x: PaperSummary) => (name !== '' && this.formsOf(x.title).name === name ? 0 : 1 + wholeWordAfter(x.title, p));
    const starts = matching(
      (x) => this.formsOf(x.title).lower.startsWith(p) || x.id.startsWith(p) || (name !== '' && this.formsOf(x.title).name === name),
    ).sort((a, b) => rankOf(a) - rankOf(b) || byUpvotesThenDate(a, b));
    const chosen = new Set(starts.map((x) => x.id));
    const contains = starts.length >= limit ? [] : matching((x) => !chosen.has(x.id) && this.formsOf(x.title).lower.includes(p)).sort(byUpvotesThenDate);
    const out: Array<{ title: string; id: string }> = [...starts, ...contains].slice(0, limit);
    for (const x of out) chosen.add(x.id);
    const query = parseQuery(p);
    // Partial input that is not a searchable query (a half-typed filter) simply adds nothing.
    if (out.length < limit && p.length >= 3 && query.ok) {
      for (const h of this.index.search(query.value, limit).hits) {
        if (out.length >= limit) break;
        if (!chosen.has(h.id)) out.push({ title: h.title, id: h.id });
      }
    }
    return out.map((x) => ({ title: x.title, id: x.id }));
  }

  private formsOf(title: string): TitleForms {
    let forms = this.titleForms.get(title);
    if (forms === undefined) {
      // NOTE: titles of papers since replaced linger until the memo outgrows the library twice over.
      if (this.titleForms.size > 2 * this.index.size + 1000) this.titleForms.clear();
      const lower = title.toLowerCase();
      const key = titleKey(title).toLowerCase();
      // NOTE: one string where the forms agree (most titles), not two copies.
      forms = { lower, name: titleName(title), key: key === lower ? lower : key };
      this.titleForms.set(title, forms);
    }
    return forms;
  }

  /**
   * The trending list for a period: its papers by current upvotes (then title). When Hugging Face
   * daily lists of the period are stored, its papers are the ones on those lists; otherwise they
   * are the papers published in it (the seed corpus). An empty period is answered with the nearest
   * earlier period that has papers (or the latest one overall), so the reply is never empty while
   * any paper has a date.
   */
  trending(asked: Period): TrendingList {
    const papers = this.periodPapers(asked);
    if (papers.length > 0) return { asked, shown: asked, papers };
    // The latest earlier period with papers: by list dates where lists are stored, by publication dates
    // where they are not (a publication date on a fetched weekend has no list, so it is passed over).
    const nonNull = (ds: Array<string | null | undefined>) => [...new Set(ds.filter((d): d is string => typeof d === 'string'))].sort().reverse();
    // Publication dates only stand for days before the first list.
    const first = this.dailyLists?.firstDate() ?? null;
    const beforeLists = (d: string) => (first !== null && d >= first ? addDays(first, -1) : d);
    for (const candidates of [
      nonNull([this.dailyLists?.latestDate(asked.from), this.store.latestDate(beforeLists(asked.from))]),
      nonNull([this.dailyLists?.latestDate(), this.store.latestDate(first !== null ? addDays(first, -1) : undefined)]),
    ]) {
      for (const d of candidates) {
        const shown = periodContaining(asked.kind, d);
        const found = this.periodPapers(shown);
        if (found.length > 0) return { asked, shown, papers: found };
      }
    }
    return { asked, shown: asked, papers: [] };
  }

  private periodPapers(p: Period): Paper[] {
    const listed = this.dailyLists?.listed(p.from, p.to);
    const papers = listed ? listed.flatMap((id) => this.store.get(id) ?? []) : this.store.between(p.from, p.to);
    return papers.sort(byTrending);
  }

  /** Days with papers, newest first: a day's daily list where one is stored, else its publication date (the seeds). */
  dates(limit: number): Array<{ date: string; count: number }> {
    const listed = this.dailyLists?.dates(limit) ?? [];
    if (listed.length === 0) return this.store.dates(limit);
    // NOTE: before the first stored list, the seeds' publication dates still stand for their days.
    const first = listed.at(-1)?.date ?? '';
    const older = this.store.dates(limit).filter((d) => d.date < first);
    return [...listed, ...older].slice(0, limit);
  }

  /** Known topics with how many papers each has, most first. */
  topics(): Array<Topic & { count: number }> {
    return TOPICS.map((t) => ({ ...t, count: this.index.papersWithPhrases(topicPhrases(t)).size })).sort(
      (a, b) => b.count - a.count || a.name.localeCompare(b.name),
    );
  }

  corpus(): Corpus {
    return {
      size: this.store.count(),
      holders: (word: string) => {
        const parsed = parseQuery(word);
        return parsed.ok ? this.index.matches(parsed.value) : [];
      },
    };
  }

  related(paper: Paper, limit: number): Paper[] {
    return neighbours(paper, this.corpus())
      .slice(0, limit)
      .flatMap((n) => this.get(n.id) ?? []);
  }

  /**
   * Known topics that share a word with `text` (most papers first), else the largest topics:
   * something useful to offer when a search finds nothing.
   */
  relatedTopics(text: string | ParsedQuery, limit: number): string[] {
    const query = typeof text === 'string' ? parseQuery(text) : { ok: true as const, value: text };
    const words = new Set(query.ok ? query.value.terms.map((t) => t.term) : []);
    const all = this.topics().filter((t) => t.count > 0);
    const related = all.filter((t) => analyze(`${t.name} ${t.phrases.join(' ')}`).some((w) => words.has(w)));
    return (related.length > 0 ? related : all).slice(0, limit).map((t) => t.name);
  }

  /**
   * Papers on a topic: first the papers about it by the topic rule (what a count counts, see
   * {@link Library.onTopic}), then, for free words, the other search matches above `cutoff`, also
   * related (a long description's relevant papers seldom have most of its words); each part by
   * relevance blended with recency and upvotes by `TopicOptions.blend` (0 by cross-validation:
   * relevance alone, equals by upvotes then date). Text with no searchable words is a UserError, as for search.
   */
  topic(text: string): TopicList {
    const known = knownTopic(text);
    if (!known && this.parse(text).terms.length === 0) {
      throw new UserError(`"${clip(text, 60)}" has no words I can look up a topic for.`, [
        'Send `topic` alone to list known topics, or try a few topic words, e.g. `topic kv cache`.',
      ]);
    }
    const members = this.onTopic(text);
    const ids = new Set(members.map((h) => h.id));
    const also = known ? [] : this.freeTopicHits(text).filter((h) => !ids.has(h.id));
    const hits = [...members, ...also];
    if (hits.length === 0) return { hits: [], counted: 0 };
    const blend = this.topicOption('blend');
    const maxScore = Math.max(...hits.map((h) => h.score));
    const maxVotes = Math.max(1, ...hits.map((h) => h.upvotes));
    const dates = hits
      .map((h) => h.publishedAt)
      .filter((d): d is string => d !== null)
      .sort();
    const newest = dates.at(-1) ? Date.parse(dates.at(-1) as string) : 0;
    const blended = (h: SearchHit): SearchHit => {
      const rel = maxScore > 0 ? h.score / maxScore : 1;
      const votes = Math.log1p(h.upvotes) / Math.log1p(maxVotes);
      const ageDays = h.publishedAt ? (newest - Date.parse(h.publishedAt)) / 86_400_000 : 3650;
      const recency = Math.exp(-ageDays / 365);
      // Keep the paper and the snippet lazy: only the page shown reads them.
      return {
        id: h.id,
        title: h.title,
        publishedAt: h.publishedAt,
        upvotes: h.upvotes,
        score: (1 - blend) * rel + (blend / 2) * (recency + votes),
        get paper() {
          return h.paper;
        },
        get snippet() {
          return h.snippet;
        },
      };
    };
    const ranked = (part: readonly SearchHit[]) => part.map(blended).sort((a, b) => b.score - a.score || byUpvotesThenDate(a, b));
    return { hits: [...ranked(members), ...ranked(also)], counted: members.length };
  }

  /**
   * Papers about `text` by the topic rule, by relevance: for a known topic its members; for other
   * words the papers that have their concepts (see `conceptsOf`: a word, or a phrase with its
   * abbreviation), each in the title or mentioned `mentions` times in title and abstract, all of
   * them or (3 or more) the `share` of them, not every paper that mentions one word. What `ask "how
   * many papers on X?"` counts and `topic` lists first.
   */
  onTopic(text: string, use: 'count' | 'newest' = 'count'): SearchHit[] {
    const known = knownTopic(text);
    if (known) return this.knownTopicHits(known);
    const concepts = conceptsOf(this.parse(text).terms).map((c) => c.phrases);
    if (concepts.length === 0) return [];
    const members = this.index.papersAbout(concepts, this.aboutRule(use));
    return this.searchAll(text).filter((h) => members.has(h.id));
  }

  topicRule(text: string): TopicRuleFor {
    const known = knownTopic(text);
    if (known) return { kind: 'known', topic: known };
    const parsed = parseQuery(text);
    const concepts = parsed.ok ? conceptsOf(parsed.value.terms) : [];
    if (concepts.length === 0) return { kind: 'none' };
    return {
      kind: 'words',
      words: concepts.map((c) => c.label),
      need: conceptsNeeded(concepts.length, this.aboutRule('count')),
      mentions: this.topicOption('mentions'),
    };
  }

  /** Papers about a known topic (see `Topic`), by relevance: the search for its phrases, kept to its members. */
  private knownTopicHits(topic: Topic): SearchHit[] {
    const members = this.index.papersWithPhrases(topicPhrases(topic));
    return this.searchAll(topic.phrases.join(' ')).filter((h) => members.has(h.id));
  }

  /** For free words: papers substantially about them, not every passing mention. */
  private freeTopicHits(text: string): SearchHit[] {
    const hits = this.searchAll(text);
    const top = hits[0]?.score ?? 0;
    return hits.filter((h) => h.score >= top * this.topicOption('cutoff'));
  }
}

/**
 * The known topic `text` names: its name as typed, or the same index terms (`mixture-of-experts`,
 * `KV caches`, `diffusion model`), so stop words, plurals and hyphens do not turn it into free words.
 */
export function knownTopic(text: string): Topic | undefined {
  const typed = text.trim().toLowerCase();
  const terms = analyze(typed).join(' ');
  return TOPICS.find((t) => t.name === typed) ?? (terms === '' ? undefined : TOPICS.find((t) => analyze(t.name).join(' ') === terms));
}

/** A topic's phrases as index terms. */
export function topicPhrases(topic: Topic): string[][] {
  return topic.phrases.map((p) => analyze(p)).filter((p) => p.length > 0);
}

/** 1 when the title goes on with a letter or digit after its first `length` characters (`A-MemGuard` after `a-mem`), else 0. */
function wholeWordAfter(title: string, typed: string): number {
  return /^[\p{L}\p{N}]/u.test(title.slice(typed.length)) ? 1 : 0;
}

function byTrending(a: Paper, b: Paper): number {
  return (b.upvotes ?? 0) - (a.upvotes ?? 0) || a.title.localeCompare(b.title);
}
