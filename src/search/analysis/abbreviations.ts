// Abbreviations of common ML phrases: a text with the phrase also indexes the short form.
import { stem, termOf } from './terms.js';
import { words } from './tokenizer.js';

/** Common ML phrases and their abbreviations: a text with the phrase also indexes the short form. */
const PHRASES: ReadonlyArray<[string, string]> = [
  ['large language model', 'llm'],
  ['reinforcement learning', 'rl'],
  ['retrieval augmented generation', 'rag'],
  ['mixture of experts', 'moe'],
  ['key value', 'kv'],
  ['state space model', 'ssm'],
  ['vision language model', 'vlm'],
  ['neural turing machine', 'ntm'],
  ['graph neural network', 'gnn'],
  ['natural language processing', 'nlp'],
  ['chain of thought', 'cot'],
  ['processing in memory', 'pim'],
  ['retrieval augmented', 'rag'],
  ['low rank adaptation', 'lora'],
  ['direct preference optimization', 'dpo'],
  ['automatic speech recognition', 'asr'],
  ['multi layer perceptron', 'mlp'],
  ['convolutional neural network', 'cnn'],
  ['recurrent neural network', 'rnn'],
  ['question answering', 'qa'],
];

const PHRASE_TERMS: ReadonlyArray<[string[], string]> = PHRASES.map(([phrase, abbr]) => [analyzeWords(phrase), stem(abbr)]);

const PHRASES_BY_FIRST = new Map<string, Array<[string[], string]>>();
for (const entry of PHRASE_TERMS) {
  const first = entry[0][0] ?? '';
  PHRASES_BY_FIRST.set(first, [...(PHRASES_BY_FIRST.get(first) ?? []), entry]);
}

function analyzeWords(text: string): string[] {
  return words(text)
    .map((w) => termOf(w.word))
    .filter((t): t is string => t !== null);
}

/** The abbreviations whose phrase occurs in a sequence of index terms. */
export function abbreviations(terms: readonly string[]): string[] {
  return [...new Set(abbreviationSpans(terms).map((s) => s.abbr))];
}

/** Each occurrence of an abbreviated phrase in a sequence of index terms: the abbreviation and where its phrase stands. */
export function abbreviationSpans(terms: readonly string[]): Array<{ abbr: string; start: number; length: number }> {
  const out: Array<{ abbr: string; start: number; length: number }> = [];
  for (let i = 0; i < terms.length; i++) {
    for (const [seq, abbr] of PHRASES_BY_FIRST.get(terms[i] ?? '') ?? []) {
      if (seq.every((t, k) => terms[i + k] === t)) out.push({ abbr, start: i, length: seq.length });
    }
  }
  return out;
}
