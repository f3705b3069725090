// The chat question set that npm run eval asks through `ask`: well-formed, every title a stored seed paper, and scored as eval/README.md says.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { loadSeedDir } from '../../src/papers/seeds.js';
import type { Reply } from '../../src/reply.js';
import { normTitle } from '../../scripts/metrics.js';
import { SHAPES, chatFigures, chatQuestionSchema, chatQuestionsSchema, scoreChat, type ChatQuestion } from '../../scripts/chatQuestions.js';
import { answerOf } from '../../scripts/evalChat.js';

const raw: unknown = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'eval/chat-questions.json'), 'utf8'));
const seedTitles = new Set(loadSeedDir(path.join(PROJECT_ROOT, 'seeds')).papers.map((p) => normTitle(p.title)));

describe('eval/chat-questions.json', () => {
  it('parses: ids, known shapes, grades 1 or 2, and a clearly-relevant count (a number) on exactly the count questions', () => {
    const parsed = chatQuestionsSchema.safeParse(raw);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  const questions = chatQuestionsSchema.parse(raw);

  it('every judged title names a stored seed paper, once per question', () => {
    const unknown = questions.flatMap((q) => q.relevant.filter((r) => !seedTitles.has(normTitle(r.title))).map((r) => `${q.id}: ${r.title}`));
    expect(unknown).toEqual([]);
    for (const q of questions) expect(new Set(q.relevant.map((r) => normTitle(r.title))).size).toBe(q.relevant.length);
  });

  it('ids are unique and every shape has questions', () => {
    expect(new Set(questions.map((q) => q.id)).size).toBe(questions.length);
    for (const shape of SHAPES) expect(questions.filter((q) => q.shape === shape).length).toBeGreaterThanOrEqual(5);
  });

  it('the schema refuses an unknown shape, a count question without its count, and a count that is not a number', () => {
    const base = { id: 'C99', question: 'how many papers on x?', relevant: [{ title: 'X', grade: 2 }] };
    expect(chatQuestionSchema.safeParse({ ...base, shape: 'poem' }).success).toBe(false);
    expect(chatQuestionSchema.safeParse({ ...base, shape: 'count' }).success).toBe(false);
    expect(chatQuestionSchema.safeParse({ ...base, shape: 'count', clearlyRelevant: '1' }).success).toBe(false);
    expect(chatQuestionSchema.safeParse({ ...base, shape: 'count', clearlyRelevant: 1 }).success).toBe(true);
  });
});

describe('chat scoring', () => {
  const q: ChatQuestion = {
    id: 'C01',
    shape: 'count',
    question: 'how many papers on a?',
    relevant: [...['A1', 'A2', 'A3', 'A4', 'A5', 'A6'].map((title) => ({ title, grade: 2 as const })), { title: 'B1', grade: 1 }],
    clearlyRelevant: 6,
  };

  it('credits at most five of the most relevant papers (grade 2 first) and counts within [clearly relevant, 2 × relevant]', () => {
    expect(scoreChat(q, ['A1', 'A2', 'A3', 'A4', 'A5', 'A6'], 6)).toEqual({ cited: 6, relevantCited: 6, topShare: 1, countOk: true });
    expect(scoreChat(q, ['A1', 'B1', 'Z'], 14)).toEqual({ cited: 3, relevantCited: 2, topShare: 0.2, countOk: true });
    expect(scoreChat(q, ['a1 '], 15).countOk).toBe(false);
    expect(scoreChat(q, [], 5).countOk).toBe(false);
    expect(scoreChat({ ...q, shape: 'list', clearlyRelevant: undefined }, [], null).countOk).toBeNull();
  });

  it('precision is over all citations together; count accuracy only over count questions', () => {
    const f = chatFigures([
      scoreChat(q, ['A1', 'Z'], 6),
      scoreChat(q, ['A2', 'A3'], 100),
      scoreChat({ ...q, shape: 'list', clearlyRelevant: undefined }, ['Z'], null),
    ]);
    expect(f.precision).toBeCloseTo(3 / 5);
    expect(f.countAccuracy).toBe(0.5);
  });

  it('reads the cited papers and the stated count from the replies ask gives', () => {
    const card = (title: string) => ({ id: title, title, authors: [], url: '' }) as unknown as Extract<Reply, { kind: 'answer' }>['cards'][number];
    const papers: Reply = { kind: 'papers', title: '221 papers on "x"', cards: [card('A1')], start: 1, total: 221, visibility: 'ephemeral', shareable: true };
    expect(answerOf(papers)).toEqual({ cited: ['A1'], count: 221 });
    const answer: Reply = { kind: 'answer', title: '12 papers on x', sentences: [], cards: [card('A2')], visibility: 'ephemeral', shareable: true };
    expect(answerOf(answer)).toEqual({ cited: ['A2'], count: 12 });
    const none: Reply = {
      kind: 'answer',
      title: 'x',
      notice: "I couldn't find papers on x.",
      sentences: [],
      cards: [],
      visibility: 'ephemeral',
      shareable: false,
    };
    expect(answerOf(none)).toEqual({ cited: [], count: 0 });
  });
});
