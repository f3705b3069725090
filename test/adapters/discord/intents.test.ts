// Discord: the bot logs in without privileged intents, so no Developer Portal switch (or review at 100 servers) is needed.
import { GatewayIntentBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type Running } from './harness.js';

/** Discord's privileged intents: Guild Members, Guild Presences, Message Content. */
const PRIVILEGED = GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.MessageContent;

describe('discord intents', () => {
  let run: Running;
  beforeAll(async () => {
    run = await startDiscord();
  });
  afterAll(async () => {
    await run.close();
  });

  it('identifies with guilds, guild messages and DMs, and no privileged intent', () => {
    const [first] = run.fake.identified;
    expect(first).toBeDefined();
    const intents = first?.intents ?? 0;
    expect(intents & PRIVILEGED).toBe(0);
    for (const needed of [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages]) expect(intents & needed).toBe(needed);
  });
});
