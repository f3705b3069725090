// What a followed topic means to the index: its phrases of index terms, and the key that makes two spellings one follow.
import { err, ok, problem, type Problem, type Result } from '../errors.js';
import { topicPhrases } from '../library.js';
import { clip } from '../reply.js';
import { parseQuery } from '../search/query.js';
import { analyze } from '../search/analysis/analyze.js';
import { TOPICS, type Topic } from '../topics.js';
import { parsePerson, personTopic, type Person } from './people.js';

/** The longest topic a follow keeps (it is shown in every alert's heading). */
export const MAX_TOPIC_CHARS = 100;

/** A followed topic as the alert planner matches it. */
export interface Subject {
  /** The topic as the user typed it, whitespace collapsed (shown in lists and alerts). */
  topic: string;
  /**
   * Two follows with the same key are the same follow: a known topic's name, else the topic's
   * distinct index terms in order ("KV caches" and "kv cache" are one follow).
   */
  key: string;
  /** Phrases of index terms; a paper about any one of them matches (see `isAbout`). Empty for people and labs. */
  phrases: string[][];
  /** For `author:"…"` and `org:…`: whose papers match (by name, not by words; see `people.ts`). */
  who?: Person;
}

/**
 * Reads `author:"Full Name"` and `org:Lab` as people and labs (`people.ts`); anything else as a topic, the way `topic` does: a known topic's name stands for its curated phrases; other
 * text is one phrase of its own words (stopwords out, stemmed and spelling-folded as the index is).
 * Text with no such words, or with search filters, is a Problem the user sees.
 */
export function parseSubject(text: string): Result<Subject, Problem> {
  const topic = text.trim().replace(/\s+/g, ' ');
  if (topic === '') return err(problem('Name a topic to follow, e.g. `follow kv cache`.', ['`topic` lists known topics.']));
  const person = parsePerson(topic);
  if (person) {
    if (!person.ok) return err(person.error);
    const who = person.value;
    return ok({ topic: personTopic(who), key: `${who.field}:${who.folded}`, phrases: [], who });
  }
  if (topic.length > MAX_TOPIC_CHARS) return err(problem(`A followed topic must be at most ${MAX_TOPIC_CHARS} characters (that one has ${topic.length}).`));
  const byName = TOPICS.find((t) => t.name === topic.toLowerCase());
  if (byName) return ok(knownSubject(byName));
  const parsed = parseQuery(topic);
  if (!parsed.ok) return err(parsed.error);
  const q = parsed.value;
  if (q.since || q.until || q.org || q.period || q.excluded.length > 0 || q.required.length > 0) {
    return err(problem(`"${clip(topic, 60)}" has search filters; a follow is topic words only.`, ['Try e.g. `follow speculative decoding`.']));
  }
  // NOTE: parts and abbreviations (`of`) stand for other terms of the same query; they are not concepts of their own.
  const terms = [...new Set(q.terms.filter((t) => !t.of).map((t) => t.term))];
  if (terms.length === 0) {
    return err(problem(`"${clip(topic, 60)}" has no words I can follow.`, ['Try a few topic words, e.g. `follow kv cache`; `topic` lists known topics.']));
  }
  // A known topic's name spelt another way ("KV caches") is that topic.
  const spelt = TOPICS.find((t) => analyze(t.name).join(' ') === terms.join(' '));
  if (spelt) return ok(knownSubject(spelt));
  return ok({ topic, key: `words:${terms.join(' ')}`, phrases: [terms] });
}

function knownSubject(t: Topic): Subject {
  return { topic: t.name, key: `topic:${t.name}`, phrases: topicPhrases(t) };
}
