// Starts the real Discord adapter against the fake Discord over a test core, for the Discord test files.
import { createDiscordAdapter, type DiscordAdapter, type DiscordAdapterOptions } from '../../../adapters/discord/index.js';
import type { Inbound } from '../../../src/ports.js';
import type { DiscordConfig } from '../../../src/config.js';
import type { App as Core } from '../../../src/app.js';
import { silentLogger, type Logger } from '../../../src/logger.js';
import type { Paper } from '../../../src/papers/model.js';
import { applicationKeys, BOT_ID, FakeDiscord, seenFrom, type FakeGuild, type MessageBody } from '../../fakes/discord.js';
import type { Range, Seen } from '../contract.js';
import { createTestCore } from '../../support/core.js';

export const GUILD: FakeGuild = {
  id: '100000000000000001',
  channels: [
    { id: '110000000000000001', name: 'papers' },
    { id: '110000000000000002', name: 'general' },
  ],
};
export const DM_CHANNEL = '120000000000000001';

export interface Running {
  fake: FakeDiscord;
  core: Core;
  adapter: DiscordAdapter;
  config: DiscordConfig;
  close(): Promise<void>;
}

/** A config pointing at the fake. The token is a placeholder; the fake checks only its shape. */
export function testConfig(fake: FakeDiscord, extra: Partial<DiscordConfig> = {}): DiscordConfig {
  return { token: 'test-token.not-a-secret', appId: BOT_ID, apiUrl: fake.apiUrl, registerOnStart: false, port: 0, ...extra };
}

/** Starts a fake Discord and a connected adapter; `close` destroys the client and the servers. */
export async function startDiscord(
  opts: {
    guilds?: FakeGuild[];
    papers?: Paper[];
    config?: Partial<DiscordConfig>;
    logger?: Logger;
    dispatcher?: (core: Core) => Inbound;
    adapter?: Partial<DiscordAdapterOptions>;
    /** The core to serve (default: a test core over the test corpus); `close` closes it. */
    core?: Core;
    /**
     * HTTP interactions mode: the adapter gets a public key made here and listens on 127.0.0.1, and the fake
     * delivers interactions to it signed. `messages` adds a second, gateway adapter on the same core for
     * mentions and DMs (which Discord only delivers over the gateway), as a deployment would run one.
     */
    http?: { messages?: boolean };
  } = {},
): Promise<Running> {
  const fake = await new FakeDiscord(opts.guilds ?? [GUILD]).listen();
  const core = opts.core ?? (await createTestCore(opts.papers ? { papers: opts.papers } : {}));
  const keys = opts.http ? applicationKeys() : undefined;
  const config = testConfig(fake, { ...(keys ? { publicKey: keys.publicKeyHex } : {}), ...opts.config });
  const dispatcher = opts.dispatcher ? opts.dispatcher(core) : core.dispatcher;
  const logger = opts.logger ?? silentLogger;
  const adapter = createDiscordAdapter({
    config,
    dispatcher,
    logger,
    ...opts.adapter,
    ...(keys ? { http: { host: '127.0.0.1', ...opts.adapter?.http } } : {}),
  });
  await adapter.start();
  let messages: DiscordAdapter | undefined;
  if (keys) {
    fake.interactionsUrl = `http://127.0.0.1:${adapter.interactionsPort ?? 0}/discord/interactions`;
    fake.signingKey = keys.privateKey;
    if (opts.http?.messages) {
      const { publicKey: _none, ...gatewayConfig } = config;
      messages = createDiscordAdapter({ ...opts.adapter, config: gatewayConfig, dispatcher, logger });
      await messages.start();
    }
  }
  return {
    fake,
    core,
    adapter,
    config,
    async close() {
      await messages?.stop();
      await adapter.stop();
      await fake.close();
      await core.close();
    },
  };
}

/** A logger that keeps every entry, to check what was logged (and what was not). */
export function recordingLogger(): Logger & { entries: { level: string; obj: unknown; msg?: string }[] } {
  const entries: { level: string; obj: unknown; msg?: string }[] = [];
  const at = (level: string) => (obj: unknown, msg?: string) => {
    entries.push({ level, obj, ...(msg !== undefined ? { msg } : {}) });
  };
  const logger = { entries, child: () => logger, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return logger;
}

/** A message body as the adapter contract compares it: {@link seenFrom} plus its range and buttons. */
export function seenOf(body: MessageBody): Seen {
  const labels = (body.components ?? []).flatMap((row) => row.components.map((c) => c.label ?? ''));
  // Masked links `[label](url)` in the content and the embed descriptions, labels unescaped (`\[1\]` reads `[1]`).
  const texts = [body.content ?? '', ...(body.embeds ?? []).map((e) => e.description ?? '')];
  const links = texts.flatMap((t) =>
    [...t.matchAll(/\[((?:\\.|[^\]\\])*)\]\(<?(https?:[^)>\s]+)>?\)/g)].map((m) => ({ label: (m[1] ?? '').replace(/\\(.)/g, '$1'), url: m[2] ?? '' })),
  );
  return {
    ...seenFrom(body),
    links,
    range: rangeOf(body.content ?? ''),
    hasMore: labels.some((l) => /^More\b/.test(l)),
    hasShare: labels.includes('Share in channel'),
  };
}

/** The range at the end of a list's heading line (`**Search: x** · Showing 1–5 of 22.`), parsed. */
function rangeOf(content: string): Range | null {
  const m = /(\d+)–(\d+) of (\d+)\.?$/.exec(content.split('\n')[0] ?? '');
  return m ? { first: Number(m[1]), last: Number(m[2]), total: Number(m[3]) } : null;
}
