// subscribe, subscriptions and unsubscribe through the dispatcher: forms of time, zone and N, mistakes, channels only, permission.
import { describe, expect, it } from 'vitest';
import type { Caller } from '../../src/ports.js';
import type { Reply } from '../../src/reply.js';
import { createTestCore, FakeClock } from '../support/core.js';
import { MemoryFollowBook } from '../support/follows.js';

// 2025-11-27 15:00 UTC: 16:00 in Berlin, 10:00 in New York.
const core = (follows = new MemoryFollowBook()) => ({ follows, app: createTestCore({ follows, clock: new FakeClock(new Date('2025-11-27T15:00:00Z')) }) });
// Adapters always say whether the caller may manage the channel; here the caller may, unless a test says otherwise.
const inChannel = (over: Partial<Caller> = {}): Caller => ({
  platform: 'slack',
  user: 'U1',
  channel: 'C1',
  guildId: 'T1',
  mayManage: async () => true,
  ...over,
});
const OPERATOR = { mayManage: async () => true };
const text = (r: Reply) => (r.kind === 'text' ? [r.title ?? '', ...r.lines].join('\n') : r.kind === 'error' ? [r.message, ...r.hints].join('\n') : '');

describe('subscribe trending', () => {
  it('confirms with the time, the zone and the next post date', async () => {
    const { app } = core();
    const r = await (await app).dispatcher.runText('subscribe trending 09:30 Europe/Berlin top 5', inChannel());
    expect(r).toMatchObject({ kind: 'text', visibility: 'public' });
    expect(text(r)).toMatch(/top 5 trending papers every day at 09:30 Europe\/Berlin \(id t[0-9a-f]{5}\)/);
    expect(text(r)).toMatch(/Next post: Fri 2025-11-28 09:30 Europe\/Berlin\./);
    expect(await (await app).schedules?.list('slack', 'C1')).toMatchObject([
      { hour: 9, minute: 30, zone: 'Europe/Berlin', top: 5, guildId: 'T1', createdBy: 'U1' },
    ]);
  });

  it('defaults to 09:00 in PAPERBOY_TIMEZONE, top 10, and posts today when 09:00 is still ahead', async () => {
    const { app } = core();
    const r = await (await app).dispatcher.runText('subscribe trending', inChannel());
    expect(text(r)).toMatch(/top 10 trending papers every day at 09:00 America\/New_York/);
    // 10:00 in New York: today's 09:00 has passed.
    expect(text(r)).toMatch(/Next post: Fri 2025-11-28 09:00 America\/New_York/);
  });

  it.each([
    ['9:30 utc', 9, 30, 'UTC'],
    ['9am europe/berlin', 9, 0, 'Europe/Berlin'],
    ['5:45pm ASIA/TOKYO top 3', 17, 45, 'Asia/Tokyo'],
    ['top5 21:05 UTC', 21, 5, 'UTC'],
    ['12am UTC', 0, 0, 'UTC'],
  ])('reads "%s"', async (words, hour, minute, zone) => {
    const { app } = core();
    await (await app).dispatcher.runText(`subscribe trending ${words}`, inChannel());
    expect((await (await app).schedules?.list('slack', 'C1'))?.[0]).toMatchObject({ hour, minute, zone });
  });

  it.each([
    ['25:00', /"25:00" is not a time I can read\.[\s\S]*09:30, 9:30, 9am/],
    ['9', /"9" is not a time/],
    ['9:30 Mars/Olympus', /"Mars\/Olympus" is not a time zone I know\.[\s\S]*Europe\/Berlin/],
    ['9:30 UTC top 0', /"0" is not a number of papers[\s\S]*top N with N from 1 to 25/],
    ['9:30 UTC top lots', /"lots" is not a number of papers/],
    ['9:30 UTC please', /did not understand "please"[\s\S]*Usage: subscribe trending \[daily \| weekly \[monday…sunday\] \| monthly\] \[HH:MM\]/],
  ])('refuses "%s" with the expected form', async (words, message) => {
    const { app } = core();
    const r = await (await app).dispatcher.runText(`subscribe trending ${words}`, inChannel());
    expect(r).toMatchObject({ kind: 'error', visibility: 'ephemeral' });
    expect(text(r)).toMatch(message);
    expect(await (await app).schedules?.list('slack', 'C1')).toEqual([]);
  });

  it('typed options (Discord) are read the same way', async () => {
    const { app } = core();
    const r = await (
      await app
    ).dispatcher.run({ command: 'subscribe', input: { what: 'trending', time: '7:15', zone: 'asia/kolkata', top: 3 } }, inChannel({ platform: 'discord' }));
    expect(text(r)).toMatch(/top 3 trending papers every day at 07:15 Asia\/(Kolkata|Calcutta)/);
  });

  it('in a DM, or from the CLI without a channel, explains it needs a channel', async () => {
    const { app } = core();
    const dm = await (await app).dispatcher.runText('subscribe trending', inChannel({ channel: 'D1', direct: true }));
    expect(text(dm)).toMatch(/belong to a channel/);
    const cli = await (await app).dispatcher.run({ command: 'subscribe', input: { what: 'trending' } }, { platform: 'cli', optionStyle: 'flag', ...OPERATOR });
    expect(text(cli)).toMatch(/belong to a channel[\s\S]*paperboy post trending/);
    // The console chat's session is a thread (for ask's follow-ups), not a channel anything is posted into.
    const console_ = await (
      await app
    ).dispatcher.runText('subscribe topic kv cache', { platform: 'console', channel: 'console', thread: 'session', ...OPERATOR });
    expect(text(console_)).toMatch(/belong to a channel/);
    expect(await (await app).schedules?.list('console', 'console')).toEqual([]);
  });

  it('refuses privately a caller who may not manage the channel, and stores nothing', async () => {
    const { app } = core();
    const r = await (await app).dispatcher.runText('subscribe trending', inChannel({ platform: 'discord', mayManage: async () => false }));
    expect(r).toMatchObject({ kind: 'error', visibility: 'ephemeral' });
    expect(text(r)).toMatch(/can't change this channel's subscriptions[\s\S]*Manage Channels/);
    expect(await (await app).schedules?.list('discord', 'C1')).toEqual([]);
  });

  it('refuses a caller that cannot say whether it may manage the channel (no mayManage), and stores nothing', async () => {
    const { app } = core();
    const { mayManage: _unknown, ...unsure } = inChannel();
    const r = await (await app).dispatcher.runText('subscribe trending', unsure);
    expect(r).toMatchObject({ kind: 'error', visibility: 'ephemeral' });
    expect(text(r)).toMatch(/can't change this channel's subscriptions[\s\S]*SLACK_MANAGERS/);
    expect(await (await app).schedules?.list('slack', 'C1')).toEqual([]);
  });

  it('a non-manager in a DM is told the setting belongs to a channel, not that they lack permission', async () => {
    const { app } = core();
    const r = await (
      await app
    ).dispatcher.runText('subscribe trending', inChannel({ platform: 'discord', channel: 'D1', direct: true, mayManage: async () => false }));
    expect(text(r)).toMatch(/belong to a channel[\s\S]*direct message/);
  });

  it('a non-manager may still read the channel’s subscriptions; only changes are checked', async () => {
    const { app } = core();
    await (await app).dispatcher.runText('subscribe trending 9:30 UTC', inChannel());
    let asked = 0;
    const r = await (await app).dispatcher.runText('subscriptions', inChannel({ mayManage: async () => ((asked += 1), false) }));
    expect(text(r)).toMatch(/daily at 09:30 UTC/);
    expect(asked).toBe(0);
  });

  it('refuses the same time twice in one channel', async () => {
    const { app } = core();
    await (await app).dispatcher.runText('subscribe trending 9:30 UTC', inChannel());
    const r = await (await app).dispatcher.runText('subscribe trending 09:30 utc top 3', inChannel());
    expect(text(r)).toMatch(/already gets trending at 09:30 UTC/);
  });
});

describe('subscribe trending weekly and monthly', () => {
  it('a weekly digest defaults to Monday 09:00; the confirmation names the cadence, day, time, zone, next post and the week it covers', async () => {
    const { app } = core();
    const r = await (await app).dispatcher.runText('subscribe trending weekly', inChannel());
    expect(text(r)).toMatch(/top 10 papers of the past week every Monday at 09:00 America\/New_York \(id t[0-9a-f]{5}\)/);
    expect(text(r)).toMatch(/Next post: Mon 2025-12-01 09:00 America\/New_York, with 2025-W48 \(Nov 24 – Nov 30\)\./);
    expect(await (await app).schedules?.list('slack', 'C1')).toMatchObject([{ cadence: 'weekly', weekday: 1, hour: 9, minute: 0, top: 10 }]);
  });

  it.each([
    [
      'weekly friday 17:00 Europe/Berlin top 5',
      /top 5 papers of the past week every Friday at 17:00 Europe\/Berlin/,
      /Fri 2025-11-28 17:00 Europe\/Berlin, with 2025-W47 \(Nov 17 – Nov 23\)/,
    ],
    ['sundays 8am utc', /past week every Sunday at 08:00 UTC/, /Sun 2025-11-30 08:00 UTC, with 2025-W47/],
    ['top 3 Thu weekly 16:30 UTC', /top 3 papers of the past week every Thursday at 16:30 UTC/, /Thu 2025-11-27 16:30 UTC, with 2025-W47/],
    [
      'monthly 08:30 UTC top 3',
      /top 3 papers of the past month on the 1st of every month at 08:30 UTC/,
      /Mon 2025-12-01 08:30 UTC, with November 2025 \(2025-11\)/,
    ],
  ])('reads "%s"', async (words, when, next) => {
    const { app } = core();
    const r = await (await app).dispatcher.runText(`subscribe trending ${words}`, inChannel());
    expect(text(r)).toMatch(when);
    expect(text(r)).toMatch(next);
  });

  it('typed options (Discord: a cadence choice and a weekday choice) are read the same way', async () => {
    const { app } = core();
    const r = await (
      await app
    ).dispatcher.run(
      { command: 'subscribe', input: { what: 'trending', cadence: 'weekly', day: 'sunday', time: '18:00', zone: 'UTC', top: 4 } },
      inChannel({ platform: 'discord' }),
    );
    expect(text(r)).toMatch(/top 4 papers of the past week every Sunday at 18:00 UTC/);
    const m = await (
      await app
    ).dispatcher.run({ command: 'subscribe', input: { what: 'trending', cadence: 'monthly', time: '7:00', zone: 'UTC' } }, inChannel({ platform: 'discord' }));
    expect(text(m)).toMatch(/past month on the 1st of every month at 07:00 UTC/);
  });

  it.each([
    ['weekly mondy 09:00 UTC', /"mondy" is not a day of the week I know\.[\s\S]*monday, tuesday, wednesday/],
    ['weekly monday 25:00 UTC', /"25:00" is not a time I can read/],
    ['weekly monday 9:00 Mars/Olympus', /"Mars\/Olympus" is not a time zone I know/],
    ['weekly top 30', /"30" is not a number of papers[\s\S]*top N with N from 1 to 25/],
    ['monthly top 0', /"0" is not a number of papers/],
    ['monthly friday 09:00', /A day of the week goes with a weekly digest; monthly posts come on the 1st of every month/],
    ['daily monday', /A day of the week goes with a weekly digest; daily posts come every day/],
    [
      'monthly 15th 09:00 UTC',
      /Monthly digests come on the 1st of every month; the day of the month cannot be chosen\.[\s\S]*subscribe trending monthly 09:00 UTC/,
    ],
    ['monthly 1st', /Monthly digests come on the 1st of every month; the day of the month cannot be chosen/],
    ['weekly 15th', /"15th" is not a day of the week I know/],
    ['weekly monday 9:00 10:00 UTC', /did not understand "10:00"/],
    ['weekly monday please', /did not understand "please"/],
  ])('refuses "%s" with a friendly message and stores nothing', async (words, message) => {
    const { app } = core();
    const r = await (await app).dispatcher.runText(`subscribe trending ${words}`, inChannel());
    expect(r).toMatchObject({ kind: 'error', visibility: 'ephemeral' });
    expect(text(r)).toMatch(message);
    expect(await (await app).schedules?.list('slack', 'C1')).toEqual([]);
  });

  it('a typed cadence that is none of the choices is refused kindly', async () => {
    const { app } = core();
    const r = await (await app).dispatcher.run({ command: 'subscribe', input: { what: 'trending', cadence: 'hourly' } }, inChannel({ platform: 'discord' }));
    expect(text(r)).toMatch(/"hourly" is not how often I can post: give daily, weekly or monthly/);
  });

  it('a daily post and weekly and monthly digests at the same time may share a channel; the same weekly one twice is refused', async () => {
    const { app } = core();
    for (const words of ['9:00 UTC', 'weekly 9:00 UTC', 'monthly 9:00 UTC', 'weekly friday 9:00 UTC']) {
      expect((await (await app).dispatcher.runText(`subscribe trending ${words}`, inChannel())).kind).toBe('text');
    }
    const again = await (await app).dispatcher.runText('subscribe trending weekly monday 09:00 utc', inChannel());
    expect(text(again)).toMatch(/already gets a weekly digest every Monday at 09:00 UTC/);
  });

  it('subscriptions shows each one’s cadence and next post; unsubscribe removes a digest', async () => {
    const { app } = core();
    await (await app).dispatcher.runText('subscribe trending weekly wednesday 10:00 Europe/Berlin top 5', inChannel());
    await (await app).dispatcher.runText('subscribe trending monthly 06:00 UTC', inChannel());
    const subs = (await (await app).schedules?.list('slack', 'C1')) ?? [];
    const weekly = subs.find((x) => x.cadence === 'weekly');
    const monthly = subs.find((x) => x.cadence === 'monthly');
    const list = text(await (await app).dispatcher.runText('subscriptions', inChannel()));
    expect(list).toContain(
      `${weekly?.id}: trending top 5 weekly digest every Wednesday at 10:00 Europe/Berlin; next post Wed 2025-12-03 10:00 Europe/Berlin, with 2025-W48 (Nov 24 – Nov 30).`,
    );
    expect(list).toContain(
      `${monthly?.id}: trending top 10 monthly digest on the 1st of every month at 06:00 UTC; next post Mon 2025-12-01 06:00 UTC, with November 2025 (2025-11).`,
    );
    const gone = text(await (await app).dispatcher.runText(`unsubscribe ${weekly?.id}`, inChannel()));
    expect(gone).toMatch(/no more weekly digests here \(every Wednesday at 10:00 Europe\/Berlin\)/);
    expect(await (await app).schedules?.list('slack', 'C1')).toHaveLength(1);
  });
});

describe('subscribe topic, subscriptions, unsubscribe', () => {
  it('subscribe topic adds a channel follow; subscriptions lists both kinds; unsubscribe removes each', async () => {
    const { app, follows } = core();
    await (await app).dispatcher.runText('subscribe trending 9:30 Europe/Berlin top 5', inChannel());
    const t = await (await app).dispatcher.runText('subscribe topic kv cache', inChannel());
    expect(text(t)).toMatch(/new papers on "kv cache" \(id f1\)/);
    expect(follows.follows).toMatchObject([{ platform: 'slack', owner: { kind: 'channel', channel: 'C1', guildId: 'T1' }, topic: 'kv cache' }]);

    const list = await (await app).dispatcher.runText('subscriptions', inChannel());
    const id = (await (await app).schedules?.list('slack', 'C1'))?.[0]?.id ?? '';
    expect(list).toMatchObject({ kind: 'text', visibility: 'ephemeral' });
    expect(text(list)).toContain(`${id}: trending top 5 daily at 09:30 Europe/Berlin; next post Fri 2025-11-28 09:30 Europe/Berlin.`);
    expect(text(list)).toContain('f1: new papers on "kv cache".');
    // Another channel sees none of it.
    expect(text(await (await app).dispatcher.runText('subscriptions', inChannel({ channel: 'C2' })))).toMatch(/No subscriptions here/);

    expect(text(await (await app).dispatcher.runText(`unsubscribe ${id}`, inChannel()))).toMatch(/no more trending posts here at 09:30 Europe\/Berlin/);
    expect(text(await (await app).dispatcher.runText('unsubscribe f1', inChannel()))).toMatch(/no more alerts of new papers on "kv cache" here/);
    expect(text(await (await app).dispatcher.runText('subscriptions', inChannel()))).toMatch(/No subscriptions here/);
  });

  it('unsubscribe refuses an id this channel does not have, and one from another channel', async () => {
    const { app } = core();
    await (await app).dispatcher.runText('subscribe trending 9:30 UTC', inChannel({ channel: 'C2' }));
    const other = (await (await app).schedules?.list('slack', 'C2'))?.[0]?.id ?? '';
    expect(text(await (await app).dispatcher.runText(`unsubscribe ${other}`, inChannel()))).toMatch(/no subscription with id/);
    expect(text(await (await app).dispatcher.runText('unsubscribe nope', inChannel()))).toMatch(/no subscription with id "nope"/);
    expect(await (await app).schedules?.list('slack', 'C2')).toHaveLength(1);
  });

  it('unsubscribe needs permission too', async () => {
    const { app } = core();
    await (await app).dispatcher.runText('subscribe trending 9:30 UTC', inChannel());
    const id = (await (await app).schedules?.list('slack', 'C1'))?.[0]?.id ?? '';
    const r = await (await app).dispatcher.runText(`unsubscribe ${id}`, inChannel({ mayManage: async () => false }));
    expect(text(r)).toMatch(/SLACK_MANAGERS/);
    expect(await (await app).schedules?.list('slack', 'C1')).toHaveLength(1);
  });

  it('subscriptions shows a channel the bot cannot post in, with how to invite it', async () => {
    const { app } = core();
    await (await app).dispatcher.runText('subscribe trending 9:30 UTC', inChannel());
    const id = (await (await app).schedules?.list('slack', 'C1'))?.[0]?.id ?? '';
    (await app).schedules?.claim(id, '2025-11-27', '2025-11-27', 'p', 60_000);
    (await app).schedules?.failed(id, '2025-11-27', 'p', 1, 'no-access', 'not_in_channel');
    const list = text(await (await app).dispatcher.runText('subscriptions', inChannel()));
    expect(list).toMatch(/The last post \(2025-11-27\) failed: the bot may not post in this channel\. Invite the bot with `\/invite @paperboy`/);
  });
});
