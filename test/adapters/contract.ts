// The chat adapter contract: what any adapter must do, run against Slack and Discord alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APOLOGY } from '../../src/dispatch.js';
import { paperLinks, type Paper } from '../../src/papers/model.js';
import type { Reply } from '../../src/reply.js';
import { paperRun, papersReply, testCard } from '../fakes/papers.js';
import { HOSTILE_TITLE, testPapers } from '../support/papers.js';

/** The "1–5 of 22" line under a list, parsed. */
export interface Range {
  first: number;
  last: number;
  total: number;
}

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
  /** Which part of a list is shown ("1–5 of 22"); null when the message shows no range. */
  range: Range | null;
  /** Whether the message offers a "More" button. */
  hasMore: boolean;
  /** Whether the message offers a "Share in channel" button. */
  hasShare: boolean;
  /** The links in the message's text, label as the user reads it (`[1]`) and target. */
  links?: Array<{ label: string; url: string }>;
}

/** The answer to a button click. */
export interface Clicked extends Seen {
  /** The answer took the place of the message whose button was clicked (rather than arriving as a new one). */
  replaced: boolean;
}

/** Eight papers found by `quokka` and nothing else: two pages of search results (five a page). */
export const QUOKKA_PAPERS = paperRun('quokka attention', 8);
/** The day with 25 papers: three pages of trending (ten a page). */
export const CROWDED_DAY = '2025-10-15';

/** The corpus every harness serves: the shared test papers, plus enough look-alikes to page through. */
export const contractPapers: Paper[] = [...testPapers, ...QUOKKA_PAPERS, ...paperRun('lantern trends', 25, { ids: '2510', date: () => CROWDED_DAY })];

/** Drives one adapter (real client, fake server on loopback) over {@link contractPapers}. */
export interface ContractHarness {
  /** Runs `/papers <command> <text>` as a user. */
  command(name: string, text: string): Promise<Seen>;
  /** @mentions the bot (or DMs it) with `text`. */
  mention(text: string): Promise<Seen>;
  /** Follows up on the last mention's answer: in its Slack thread, or as a Discord reply to the bot's answer. */
  followUp(text: string): Promise<Seen>;
  /** Delivers a message written by the bot itself; resolves with how many replies the bot sent (must be 0). */
  ownMessage(text: string): Promise<number>;
  /** Posts a neutral reply into a channel through the adapter's `post` method. */
  post(channel: string, reply: Reply): Promise<Seen>;
  /** Clicks "More" on the message `seen` was read from (any harness result); fails when it has none. */
  more(seen: Seen): Promise<Clicked>;
  /** Clicks "Share in channel" on the message `seen` was read from; fails when it has none. */
  share(seen: Seen): Promise<Clicked>;
  /** How many messages the bot has posted or changed where the whole channel sees them, so far. */
  channelMessages(): number;
  /** DMs the bot with `text`. */
  dm(text: string): Promise<Seen>;
  /**
   * Makes the acting user one who may change the channel's settings or not (Slack: an admin under
   * SLACK_MANAGERS, which the harness sets; Discord: the Manage Channels permission).
   */
  setManager(yes: boolean): Promise<void>;
  /**
   * Clicks a "More", "Share in channel" or pick button whose value (Slack) or cursor (Discord) carries
   * the invocation, as a replayed or hand-made payload can: what a button runs is the user's to choose.
   */
  clickCarrying(kind: 'more' | 'share' | 'pick', command: string, input: Record<string, unknown>): Promise<Clicked>;
  /** The trending subscriptions of the channel the harness acts in, read from the store. */
  subscriptions(): Promise<string[]>;
  /** Adds a trending subscription at `hour` UTC to that channel straight into the store (as an earlier manager did); gives its id. */
  addSubscription(hour: number): Promise<string>;
  /** Makes the platform API fail for the next outgoing reply, runs `/papers <command> <text>`, and resolves with what the user got instead. */
  commandWithFailingApi(name: string, text: string): Promise<Seen>;
  close(): Promise<void>;
}

/** Registers the contract tests for one adapter; `start` serves `papers` (always {@link contractPapers}). */
export function adapterContract(platform: string, start: (papers: Paper[]) => Promise<ContractHarness>): void {
  describe(`${platform} adapter contract`, () => {
    let h: ContractHarness;
    beforeAll(async () => {
      h = await start(contractPapers);
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

    it("paging: More shows the next page privately and the next page's titles follow the first page's", async () => {
      const first = await h.command('search', 'quokka');
      expect(first.ephemeral).toBe(true);
      expect(first.range).toEqual({ first: 1, last: 5, total: 8 });
      expect(first.titles).toHaveLength(5);
      expect(first.hasMore).toBe(true);

      const next = await h.more(first);
      expect(next.ephemeral).toBe(true);
      expect(next.range).toEqual({ first: 6, last: 8, total: 8 });
      expect(next.titles).toHaveLength(3);
      expect(next.titles.some((t) => first.titles.includes(t))).toBe(false);
      // Together the two pages are the whole result list, each paper once.
      const quokkas = QUOKKA_PAPERS.map((p) => p.title).sort();
      expect([...first.titles, ...next.titles].sort()).toEqual(quokkas);
      expect(next.hasMore).toBe(false);
    });

    it('paging: More on a public trending list answers privately and leaves the channel message as it was', async () => {
      const page1 = await h.command('trending', CROWDED_DAY);
      expect(page1.ephemeral).toBe(false);
      expect(page1.range).toEqual({ first: 1, last: 10, total: 25 });
      expect(page1.hasMore).toBe(true);
      const before = h.channelMessages();

      // Anyone can click the channel's button, as often as they like.
      for (let i = 0; i < 2; i += 1) {
        const again = await h.more(page1);
        expect(again.ephemeral).toBe(true);
        expect(again.replaced).toBe(false);
        expect(again.range).toEqual({ first: 11, last: 20, total: 25 });
        expect(again.titles.some((t) => page1.titles.includes(t))).toBe(false);
      }
      const page2 = await h.more(page1);
      expect(page2.hasMore).toBe(true);

      // The private page has its own More, so page 3 is reachable without posting in the channel.
      const page3 = await h.more(page2);
      expect(page3.ephemeral).toBe(true);
      expect(page3.range).toEqual({ first: 21, last: 25, total: 25 });
      expect(page3.titles).toHaveLength(5);
      expect(page3.titles.some((t) => page1.titles.includes(t) || page2.titles.includes(t))).toBe(false);
      expect(page3.hasMore).toBe(false);
      expect(h.channelMessages()).toBe(before);
    });

    it('paging: More under a list that post() put in a channel answers privately', async () => {
      const cards = [1, 2, 3, 4, 5].map((i) => testCard(i));
      const posted = await h.post(
        'C-contract',
        papersReply(cards, {
          title: 'Search: quokka',
          total: 8,
          visibility: 'public',
          shareable: false,
          next: { command: 'search', input: { query: 'quokka' }, offset: 5 },
        }),
      );
      expect(posted.hasMore).toBe(true);
      const before = h.channelMessages();
      const next = await h.more(posted);
      expect(next.ephemeral).toBe(true);
      expect(next.replaced).toBe(false);
      expect(next.range).toEqual({ first: 6, last: 8, total: 8 });
      expect(h.channelMessages()).toBe(before);
    });

    it('sharing: Share posts the same results publicly, without a second Share button', async () => {
      const mine = await h.command('search', 'kv cache quantization');
      expect(mine.ephemeral).toBe(true);
      expect(mine.hasShare).toBe(true);
      const before = h.channelMessages();
      const shared = await h.share(mine);
      expect(shared.ephemeral).toBe(false);
      expect(shared.titles.length).toBeGreaterThan(0);
      expect(shared.titles).toEqual(mine.titles);
      expect(shared.hasShare).toBe(false);
      expect(h.channelMessages()).toBe(before + 1);
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

    it('mentions: a question in a mention is answered with papers, pinging nobody', async () => {
      const seen = await h.mention('which paper compresses the kv cache to 2 bits?');
      expect(seen.titles.some((t) => t.startsWith('KIVI'))).toBe(true);
      expect(seen.pings).toBe(false);
    });

    it('ask: a mention is answered with cited sentences, each number linking to its paper, the cited papers following in number order', async () => {
      const seen = await h.mention('how is the kv cache quantized?');
      expect(seen.pings).toBe(false);
      const cites = (seen.links ?? []).filter((l) => /^\[\d+\]$/.test(l.label));
      expect(cites.length).toBeGreaterThan(0);
      for (const l of cites) {
        const title = seen.titles[Number(l.label.slice(1, -1)) - 1];
        const paper = contractPapers.find((p) => p.title === title);
        expect(paper && l.url).toBe(paper && paperLinks(paper).page);
      }
      expect(seen.titles.map((t) => t.slice(0, 4)).sort()).toEqual(['KIVI', 'QJL:']);
    });

    it('ask: /papers ask answers privately, with citations', async () => {
      const seen = await h.command('ask', 'how is the kv cache quantized?');
      expect(seen.ephemeral).toBe(true);
      expect((seen.links ?? []).some((l) => l.label === '[1]')).toBe(true);
      expect(seen.titles.some((t) => t.startsWith('KIVI'))).toBe(true);
    });

    it('ask: a follow-up in the thread works on the previous answer', async () => {
      const first = await h.mention('how is the kv cache quantized?');
      const second = first.titles[1];
      expect(second).toBeDefined();
      const more = await h.followUp('tell me more about 2');
      expect(more.titles[0]).toBe(second);
      // The follow-up's answer is itself followed up on: the chain goes on.
      const again = await h.followUp('more like [1]');
      expect(again.text).toMatch(/More like \[1\]/);
    });

    it('numbers follow the screen: in a thread, "2" after a search is search result 2, and "tell me more about 1" is the last list\'s first paper, not an older answer\'s', async () => {
      const answered = await h.mention('how is the kv cache quantized?');
      expect(answered.titles.length).toBeGreaterThan(0);
      const results = await h.followUp('search quokka');
      expect(results.titles.length).toBeGreaterThan(1);
      const second = await h.followUp('2');
      expect(second.titles[0]).toBe(results.titles[1]);
      expect(second.text).not.toMatch(/I found no papers on "2"/);
      const again = await h.followUp('search quokka');
      const first = await h.followUp('tell me more about 1');
      expect(first.titles[0]).toBe(again.titles[0]);
      expect(first.titles[0]).not.toBe(answered.titles[0]);
      const beyond = await h.followUp('search quokka');
      const nine = await h.followUp('9');
      expect(nine.text).toContain(`pick a number from 1 to ${beyond.titles.length}`);
    });

    it('numbers follow the screen: after More on a list in a thread, "7" is the 7th paper shown', async () => {
      const first = await h.mention('search quokka');
      expect(first.hasMore).toBe(true);
      const next = await h.more(first);
      expect(next.range?.first).toBe(6);
      const seventh = await h.followUp('7');
      expect(seventh.titles[0]).toBe(next.titles[1]);
    });

    it('ask: hostile text in a question and in a cited paper pings nobody and renders literally', async () => {
      const seen = await h.mention('@everyone <!channel> which paper mentions zebrafish?');
      expect(seen.pings).toBe(false);
      expect(seen.titles).toContain(HOSTILE_TITLE);
      expect(seen.text).toContain('@everyone <!channel> which paper mentions zebrafish?');
    });

    it('mentions: an empty mention gets help', async () => {
      const seen = await h.mention('');
      expect(seen.text).toMatch(/search/);
      expect(seen.text).toMatch(/trending/);
    });

    it('own messages: the bot ignores what it wrote itself', async () => {
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

    it('posting: post() makes a public channel message even for an ephemeral reply', async () => {
      const before = h.channelMessages();
      const seen = await h.post('C-contract', papersReply([testCard(1), testCard(2)], { visibility: 'ephemeral', shareable: true }));
      expect(seen.ephemeral).toBe(false);
      expect(seen.titles).toEqual(['Paper 1', 'Paper 2']);
      // A Share button on a message everyone already sees would post it twice.
      expect(seen.hasShare).toBe(false);
      expect(h.channelMessages()).toBe(before + 1);
    });

    describe('managers: one permission check on every path', () => {
      type Entry = 'slash' | 'mention' | 'more' | 'share' | 'pick';
      const entries: Entry[] = ['slash', 'mention', 'more', 'share', 'pick'];
      /** `subscribe trending` or `unsubscribe <id>`, sent by one entry point. */
      const via = async (entry: Entry, command: 'subscribe' | 'unsubscribe', arg: string): Promise<Seen> => {
        const input = command === 'subscribe' ? { what: arg } : { id: arg };
        if (entry === 'slash') return h.command(command, arg);
        if (entry === 'mention') return h.mention(`${command} ${arg}`);
        return h.clickCarrying(entry, command, input);
      };
      /** A subscription an earlier manager made, which non-managers try to remove. */
      let kept = '';
      beforeAll(async () => {
        kept = await h.addSubscription(7);
      });
      afterAll(async () => {
        await h.setManager(false);
      });

      it.each(entries)('a non-manager is refused by %s: nothing is subscribed or unsubscribed', async (entry) => {
        await h.setManager(false);
        const before = await h.subscriptions();
        const sub = await via(entry, 'subscribe', 'trending');
        expect(sub.text).toMatch(/can't change this channel's subscriptions/);
        const unsub = await via(entry, 'unsubscribe', kept);
        expect(unsub.text).toMatch(/can't change this channel's subscriptions/);
        expect(await h.subscriptions()).toEqual(before);
        if (entry === 'slash') expect([sub.ephemeral, unsub.ephemeral]).toEqual([true, true]);
      });

      it.each(entries)('a manager subscribes and unsubscribes by %s', async (entry) => {
        await h.setManager(true);
        const before = await h.subscriptions();
        const sub = await via(entry, 'subscribe', 'trending');
        expect(sub.text).toMatch(/every day at 09:00/);
        const added = (await h.subscriptions()).filter((id) => !before.includes(id));
        expect(added).toHaveLength(1);
        const unsub = await via(entry, 'unsubscribe', added[0] ?? '');
        expect(unsub.text).toMatch(/Unsubscribed/);
        expect(await h.subscriptions()).toEqual(before);
      });

      it('in a DM nobody changes anything: a non-manager is refused, a manager is told it needs a channel', async () => {
        const before = await h.subscriptions();
        await h.setManager(false);
        expect((await h.dm('subscribe trending')).text).toMatch(/belong to a channel/);
        await h.setManager(true);
        expect((await h.dm('subscribe trending')).text).toMatch(/belong to a channel/);
        expect(await h.subscriptions()).toEqual(before);
      });
    });

    it('failures: an API failure on the reply is answered with the apology, and the bot keeps serving', async () => {
      const apology = await h.commandWithFailingApi('search', 'kv cache');
      expect(apology.ephemeral).toBe(true);
      expect(apology.text).toContain(APOLOGY);
      expect(apology.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
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
