// Rendering and command JSON: escaping, Discord's size limits, custom ids, and subcommands generated from the registry.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildCommandJson } from '../../../adapters/discord/commands.js';
import { embedLength, escapeText, fit, LIMITS, parseCustomId, renderReply } from '../../../adapters/discord/render.js';
import { commands } from '../../../commands/index.js';
import { defineCommand } from '../../../src/command.js';
import { MemoryCursors } from '../../../src/pager.js';
import { unescape } from '../../fakes/discord.js';
import { papersReply, testCard } from '../../fakes/papers.js';
import { HOSTILE_TITLE } from '../../support/papers.js';

const origin = { command: 'search', input: { query: 'attention' }, offset: 0 };

describe('escapeText', () => {
  it('round-trips hostile text and leaves no live mention, link or markup', () => {
    const escaped = escapeText(HOSTILE_TITLE);
    expect(unescape(escaped)).toBe(HOSTILE_TITLE);
    expect(escaped).not.toMatch(/(?<!\\)@(everyone|here)|(?<!\\)<|(?<!\\)\[|(?<!\\)\*\*|(?<!\\)`/);
  });

  it('neutralises quotes, headings, lists, subtext and backslashes at line starts', () => {
    const raw = '> quote\n# heading\n- item\n1. first\n-# small\nC:\\path';
    expect(unescape(escapeText(raw))).toBe(raw);
    expect(escapeText(raw).split('\n')).toEqual(['\\> quote', '\\# heading', '\\- item', '1\\. first', '\\-# small', 'C:\\\\path']);
  });

  it('fit truncates cleanly: within the limit, never ending in a dangling escape', () => {
    const raw = '*'.repeat(300);
    const out = fit(raw, 101);
    expect(out.length).toBeLessThanOrEqual(101);
    expect(out.endsWith('…')).toBe(true);
    expect(out.slice(0, -1)).toMatch(/^(\\\*)+$/);
    expect(fit('short', 10)).toBe('short');
  });
});

describe('renderReply', () => {
  it('papers: one embed per card with the title linked, fields, footer and bold matches', () => {
    const m = renderReply(papersReply([testCard(1, { thumbnail: 'https://cdn.example/t.png', org: 'Lab' })]), { cursors: new MemoryCursors(), origin });
    const e = m.embeds[0];
    expect(e?.url).toBe('https://huggingface.co/papers/2509.00001');
    expect(e?.description).toBe('Some text about **attention** and more.');
    expect(e?.thumbnail?.url).toBe('https://cdn.example/t.png');
    expect(e?.fields?.map((f) => f.name)).toEqual(['Published', 'Upvotes', 'Org']);
    expect(m.ephemeral).toBe(true);
    expect(m.allowedMentions.parse).toEqual([]);
  });

  it('stays within every Discord limit for huge replies, and More continues after the last card shown', async () => {
    const long = 'x'.repeat(5000);
    const cards = Array.from({ length: 25 }, (_, i) =>
      testCard(i, { title: `${'T'.repeat(400)} ${i}`, snippet: [{ text: long }, { text: long, match: true }], org: 'O'.repeat(3000) }),
    );
    const cursors = new MemoryCursors();
    const m = renderReply(papersReply(cards, { total: 40, next: { command: 'search', input: { query: 'q'.repeat(500) }, offset: 25 } }), { cursors, origin });
    expect(m.embeds).toHaveLength(LIMITS.embeds);
    expect(m.embeds.reduce((n, e) => n + embedLength(e), 0)).toBeLessThanOrEqual(LIMITS.embedTotal);
    for (const e of m.embeds) {
      expect(e.title?.length).toBeLessThanOrEqual(LIMITS.title);
      expect(e.description?.length ?? 0).toBeLessThanOrEqual(LIMITS.description);
      for (const f of e.fields ?? []) expect(f.value.length).toBeLessThanOrEqual(LIMITS.fieldValue);
    }
    expect((m.content ?? '').length).toBeLessThanOrEqual(LIMITS.content);
    const buttons = m.components.flatMap((r) => r.components) as { custom_id: string; label: string }[];
    for (const b of buttons) {
      expect(b.custom_id.length).toBeLessThanOrEqual(LIMITS.customId);
      expect(b.label.length).toBeLessThanOrEqual(LIMITS.buttonLabel);
    }
    const more = parseCustomId(buttons[0]?.custom_id);
    expect(more?.action).toBe('more');
    expect((await cursors.get(more?.key ?? ''))?.offset).toBe(10);
  });

  it('paper: the detail view shows the whole abstract within 4096 characters', () => {
    const m = renderReply(
      { kind: 'paper', card: { ...testCard(1), abstract: 'a '.repeat(3000) }, visibility: 'ephemeral', shareable: true },
      { cursors: new MemoryCursors(), origin },
    );
    expect(m.embeds[0]?.description?.length).toBeLessThanOrEqual(LIMITS.description);
    expect(m.embeds[0]?.description?.endsWith('…')).toBe(true);
  });

  it('choices: at most 25 buttons with labels of at most 80 characters', () => {
    const choices = Array.from({ length: 30 }, (_, i) => ({ label: `${'L'.repeat(120)} ${i}`, command: `paper ${i}`, input: { id: String(i) } }));
    const m = renderReply({ kind: 'choices', title: 'Which one?', choices, visibility: 'ephemeral' }, { cursors: new MemoryCursors() });
    const buttons = m.components.flatMap((r) => r.components) as { label: string }[];
    expect(m.components.length).toBeLessThanOrEqual(5);
    expect(buttons).toHaveLength(25);
    for (const b of buttons) expect(b.label.length).toBeLessThanOrEqual(80);
    expect(m.content).toMatch(/5 more/);
  });

  it('error: the message and hints as private text', () => {
    const m = renderReply(
      { kind: 'error', message: 'No paper matches "x".', hints: ['Try `search`.'], visibility: 'ephemeral' },
      { cursors: new MemoryCursors() },
    );
    expect(m.ephemeral).toBe(true);
    expect(unescape(m.content ?? '')).toBe('No paper matches "x".\nTry `search`.');
  });
});

describe('parseCustomId', () => {
  it('accepts only our own actions with a short key', () => {
    expect(parseCustomId('pb:more:abc_DEF-123')).toEqual({ action: 'more', key: 'abc_DEF-123' });
    expect(parseCustomId('pb:delete:abc')).toBeNull();
    expect(parseCustomId('pb:more:../../etc')).toBeNull();
    expect(parseCustomId(`pb:more:${'a'.repeat(200)}`)).toBeNull();
    expect(parseCustomId(42)).toBeNull();
  });
});

describe('buildCommandJson', () => {
  it('makes every registered command a subcommand with typed options, autocomplete and max lengths', () => {
    const json = buildCommandJson(commands);
    expect(json.name).toBe('papers');
    const subs = json.options ?? [];
    expect(subs.map((s) => s.name)).toEqual(commands.map((c) => c.name));
    const find = (sub: string, opt: string) =>
      (subs.find((s) => s.name === sub) as { options?: Record<string, unknown>[] } | undefined)?.options?.find((o) => o.name === opt);
    expect(find('search', 'query')).toMatchObject({ type: 3, required: true, max_length: 500 });
    expect(find('paper', 'id')).toMatchObject({ autocomplete: true });
    expect(find('topic', 'topic')).toMatchObject({ autocomplete: true, required: false });
    // Autocomplete, not fixed choices: any date, week or month can be typed, and suggestions come from stored papers.
    expect(find('trending', 'date')).toMatchObject({ type: 3, autocomplete: true, required: false, max_length: 20 });
    expect(find('trending', 'date')).not.toHaveProperty('choices');
    for (const s of subs) expect(s.description.length).toBeLessThanOrEqual(100);
  });

  it('subscribe offers a cadence choice and a weekday choice beside the time, zone and top N', () => {
    const sub = buildCommandJson(commands).options?.find((s) => s.name === 'subscribe') as unknown as { options: Array<Record<string, unknown>> };
    const opt = (name: string) => sub.options.find((o) => o.name === name);
    expect(opt('cadence')).toMatchObject({ type: 3, required: false, choices: ['daily', 'weekly', 'monthly'].map((v) => ({ name: v, value: v })) });
    expect((opt('day')?.choices as Array<{ value: string }>).map((c) => c.value)).toEqual([
      'monday',
      'tuesday',
      'wednesday',
      'thursday',
      'friday',
      'saturday',
      'sunday',
    ]);
    expect(opt('top')).toMatchObject({ type: 4, min_value: 1, max_value: 25 });
    expect(sub.options.map((o) => o.name)).toEqual(['what', 'cadence', 'day', 'time', 'zone', 'top', 'topic']);
  });

  it('picks up a new command with no Discord code, integer options and fixed choices included, required ones first', () => {
    const extra = defineCommand({
      name: 'digest',
      description: 'A weekly digest',
      usage: '[weeks] <topic>',
      args: [
        { name: 'weeks', description: 'How many weeks', type: 'integer', required: false, minValue: 1, maxValue: 4 },
        { name: 'topic', description: 'd'.repeat(150), type: 'string', required: true },
        {
          name: 'style',
          description: 'Layout',
          type: 'string',
          required: false,
          choices: [
            { name: 'short', value: 'short' },
            { name: 'long', value: 'long' },
          ],
          autocomplete: true,
        },
      ],
      options: z.object({}),
      fromText: () => ({}),
      run: async () => ({ kind: 'text', lines: [], visibility: 'ephemeral' }),
    });
    const sub = buildCommandJson([...commands, extra]).options?.find((s) => s.name === 'digest') as unknown as { options: Record<string, unknown>[] };
    expect(sub.options.map((o) => o.name)).toEqual(['topic', 'weeks', 'style']);
    expect(sub.options[1]).toMatchObject({ type: 4, min_value: 1, max_value: 4 });
    // Fixed choices still become a menu; Discord refuses choices together with autocomplete, so choices win.
    expect(sub.options[2]).toMatchObject({
      type: 3,
      choices: [
        { name: 'short', value: 'short' },
        { name: 'long', value: 'long' },
      ],
    });
    expect(sub.options[2]).not.toHaveProperty('autocomplete');
    expect((sub.options[0]?.description as string).length).toBe(100);
  });
});
