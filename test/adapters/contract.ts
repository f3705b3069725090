// The chat adapter contract: what any adapter must do, run against Slack and Discord alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/reply.js';
import { HOSTILE_TITLE } from '../support/papers.js';

/**
 * What a user saw in answer to one action, reduced to its meaning so that the same
 * assertions hold on every platform. Each harness builds it from the real payloads its
 * fake server received.
 */
export interface Seen {
  /** Only the asking user could see it. */
  ephemeral: boolean;
  /** Paper titles shown, in order, as the user reads them (markup escaping undone). */
  titles: string[];
  /** All visible text, as the user reads it (escaping undone). */
  text: string;
  /** Whether the message as sent would notify anyone (@everyone/@here/<!channel>, user pings). */
  pings: boolean;
}

/** Drives one adapter (real client, fake server on loopback) over the test corpus in test/support/papers.ts. */
export interface ContractHarness {
  /** Runs `/papers <command> <text>` as a user. */
  command(name: string, text: string): Promise<Seen>;
  /** @mentions the bot (or DMs it) with `text`. */
  mention(text: string): Promise<Seen>;
  /** Delivers a message written by the bot itself; resolves with how many replies the bot sent (must be 0). */
  ownMessage(text: string): Promise<number>;
  /** Posts a neutral reply into a channel through the adapter's `post` method. */
  post(channel: string, reply: Reply): Promise<Seen>;
  /** Makes the platform API fail for the next outgoing reply, then runs `/papers <command> <text>`. */
  commandWithFailingApi(name: string, text: string): Promise<void>;
  close(): Promise<void>;
}

/** Registers the contract tests for one adapter. */
export function adapterContract(platform: string, start: () => Promise<ContractHarness>): void {
  describe(`${platform} adapter contract`, () => {
    let h: ContractHarness;
    beforeAll(async () => {
      h = await start();
    });
    afterAll(async () => {
      await h?.close();
    });

    it('search: answers with matching papers, privately', async () => {
      const seen = await h.command('search', 'kv cache quantization');
      expect(seen.ephemeral).toBe(true);
      expect(seen.titles.length).toBeGreaterThan(0);
      expect(seen.titles.some((t) => t.startsWith('KIVI'))).toBe(true);
      expect(seen.titles.some((t) => t.startsWith('Informer'))).toBe(false);
    });

    it('trending: posts the day ranked by upvotes in the channel', async () => {
      const seen = await h.command('trending', '2025-11-27');
      expect(seen.ephemeral).toBe(false);
      expect(seen.titles.map((t) => t.slice(0, 4))).toEqual(['QJL:', 'KIVI']);
    });

    it('errors: an unknown paper gets a friendly private message, not a stack trace', async () => {
      const seen = await h.command('paper', 'zzqxv nonexistent');
      expect(seen.ephemeral).toBe(true);
      expect(seen.text).toMatch(/No paper matches/);
      expect(seen.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
    });

    it('errors: a bad trending date names the expected format', async () => {
      const seen = await h.command('trending', '2025-13-45');
      expect(seen.ephemeral).toBe(true);
      expect(seen.text).toMatch(/YYYY-MM-DD/);
    });

    it('escaping: a hostile paper renders literally and pings nobody', async () => {
      const seen = await h.command('search', 'zebrafish');
      expect(seen.titles).toContain(HOSTILE_TITLE);
      expect(seen.pings).toBe(false);
      const posted = await h.post('C-contract', hostileReply());
      expect(posted.titles).toContain(HOSTILE_TITLE);
      expect(posted.pings).toBe(false);
    });

    it('escaping: a query echoed back pings nobody', async () => {
      const seen = await h.command('search', '@everyone <!channel> qqqzzzxx');
      expect(seen.pings).toBe(false);
    });

    it('mentions: a question in a mention is answered with papers', async () => {
      const seen = await h.mention('which paper compresses the kv cache to 2 bits?');
      expect(seen.titles.some((t) => t.startsWith('KIVI'))).toBe(true);
    });

    it('mentions: an empty mention gets help', async () => {
      const seen = await h.mention('');
      expect(seen.text).toMatch(/search/);
      expect(seen.text).toMatch(/trending/);
    });

    it("own messages: the bot ignores what it wrote itself", async () => {
      expect(await h.ownMessage('search kv cache')).toBe(0);
    });

    it('posting: a reply posted into a channel shows its papers', async () => {
      const seen = await h.post('C-contract', {
        kind: 'papers',
        title: 'Trending on 2025-11-27',
        cards: [],
        start: 1,
        total: 0,
        visibility: 'public',
        shareable: false,
      });
      expect(seen.text).toMatch(/Trending on 2025-11-27/);
    });

    it('failures: a failing platform API is survived and the bot keeps serving', async () => {
      await h.commandWithFailingApi('search', 'kv cache');
      const seen = await h.command('search', 'kv cache');
      expect(seen.titles.length).toBeGreaterThan(0);
    });
  });
}

function hostileReply(): Reply {
  return {
    kind: 'papers',
    title: 'Trending on 2025-11-25',
    cards: [
      {
        id: '2501.00001',
        title: HOSTILE_TITLE,
        url: 'https://huggingface.co/papers/2501.00001',
        pdfUrl: 'https://arxiv.org/pdf/2501.00001',
        arxivUrl: 'https://arxiv.org/abs/2501.00001',
        publishedAt: '2025-11-25',
        upvotes: 1,
        org: '<!here> @everyone',
        authorCount: 3,
        authors: [],
        thumbnail: null,
        snippet: [{ text: 'Hostile <!here> ' }, { text: '@everyone', match: true }],
      },
    ],
    start: 1,
    total: 1,
    visibility: 'public',
    shareable: false,
  };
}
