// Discord replies under faults: a reply whose answer is lost is not sent twice (the REST client does not retry it).
import { afterEach, describe, expect, it } from 'vitest';
import { APOLOGY } from '../../../src/dispatch.js';
import type { MessageBody } from '../../fakes/discord.js';
import { DM_CHANNEL, startDiscord, type Running } from './harness.js';

const runs: Running[] = [];
afterEach(async () => {
  for (const r of runs.splice(0)) await r.close();
});

describe('discord replies under faults', () => {
  it("a DM's answer that Discord stored but whose answer was lost is sent once, then the apology", async () => {
    const run = await startDiscord();
    runs.push(run);
    run.fake.lostAnswers.push('http500');
    const asked = run.fake.message('search kv cache', { channelId: DM_CHANNEL });
    const repliesTo = () => run.fake.requests.filter((r) => r.method === 'POST' && (r.body as MessageBody | null)?.message_reference?.message_id === asked);
    // The apology is the last thing the adapter sends for this message: wait for it, then count.
    await run.fake.waitFor((r) => (r.body as MessageBody | null)?.message_reference?.message_id === asked && (r.body as MessageBody).content === APOLOGY);
    const answers = repliesTo().filter((r) => (r.body as MessageBody).content !== APOLOGY);
    expect(answers).toHaveLength(1);
  });
});
