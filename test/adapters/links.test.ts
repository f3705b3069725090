// A paper's code and project links (from the Hugging Face API) on every renderer: labelled alike, safe URLs only, on detail views.
import { describe, expect, it } from 'vitest';
import { renderText } from '../../adapters/console/render.js';
import { renderReply as renderDiscord } from '../../adapters/discord/render.js';
import { renderReply as renderSlack } from '../../adapters/slack/render.js';
import { MemoryCursors } from '../../src/pager.js';
import type { Reply } from '../../src/reply.js';
import { extraLinks } from '../../src/replyFormat.js';
import { testCard } from '../fakes/papers.js';
import { buttons } from './slack/support.js';

const card = testCard(1, { abstract: 'An abstract.', codeUrl: 'https://github.com/org/repo', codeStars: 321, projectUrl: 'https://org.github.io/repo' });
const detail: Reply = { kind: 'paper', card, visibility: 'ephemeral', shareable: false };

describe('code and project links', () => {
  it('are labelled once for every renderer, with the stars, and an unsafe URL is dropped', () => {
    expect(extraLinks(card)).toEqual([
      { label: 'Code (★ 321)', url: 'https://github.com/org/repo' },
      { label: 'Project page', url: 'https://org.github.io/repo' },
    ]);
    expect(extraLinks({ codeUrl: 'javascript:alert(1)', projectUrl: 'https://ok.example/"><x' })).toEqual([]);
  });

  it('show on the console, as Slack buttons and in the Discord detail embed', () => {
    expect(renderText(detail)).toMatch(/Code \(★ 321\) https:\/\/github\.com\/org\/repo · Project page https:\/\/org\.github\.io\/repo/);
    const slack = buttons(renderSlack(detail).blocks).filter((b) => b.url);
    expect(slack.map((b) => [b.label, b.url])).toEqual(
      expect.arrayContaining([
        ['Code (★ 321)', 'https://github.com/org/repo'],
        ['Project page', 'https://org.github.io/repo'],
      ]),
    );
    const discord = renderDiscord(detail, { cursors: new MemoryCursors(), origin: { command: 'paper', input: {}, offset: 0 } });
    const links = discord.embeds[0]?.fields?.find((f) => f.name === 'Links')?.value ?? '';
    expect(links).toContain('(https://github.com/org/repo)');
    expect(links).toContain('(https://org.github.io/repo)');
  });
});
