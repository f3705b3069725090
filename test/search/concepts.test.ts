// Concepts of a topic: the words a paper must each have, with the forms that stand for each.
import { describe, expect, it } from 'vitest';
import { conceptsOf } from '../../src/search/concepts.js';
import { parseQuery } from '../../src/search/query.js';

const concepts = (text: string) => {
  const q = parseQuery(text);
  if (!q.ok) throw new Error(q.error.message);
  return conceptsOf(q.value.terms);
};

describe('concepts', () => {
  it('a phrase with a known abbreviation is one concept that the abbreviation also stands for', () => {
    expect(concepts('mixture of experts models').map((c) => c.phrases)).toEqual([[['mixtur', 'expert'], ['moe']], [['model']]]);
    expect(concepts('key-value cache').map((c) => c.phrases)).toEqual([[['key', 'valu'], ['kv']], [['cach']]]);
  });

  it('a joined word is one concept that its parts together also stand for', () => {
    expect(concepts('2bit quantization').map((c) => c.phrases)).toEqual([[['2bit'], ['2', 'bit']], [['quantiz']]]);
  });

  it('each other word is its own concept, labelled as typed', () => {
    expect(concepts('Model Merging').map((c) => c.label)).toEqual(['model', 'merging']);
    expect(concepts('mixture of experts').map((c) => c.label)).toEqual(['mixture experts/moe']);
  });
});
