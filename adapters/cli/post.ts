// `paperboy post trending`: one trending list posted to one channel through the scheduler's ledger (for cron).
import { oauthStoresFor, pagerCursorsFor } from '../../src/app.js';
import { OperatorError, UserError } from '../../src/errors.js';
import { dateInZone, type ChatAdapter } from '../../src/ports.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { DEFAULT_TOP, MAX_TOP, parseTop } from '../../src/scheduler/spec.js';
import { parsePeriod } from '../../src/trending/period.js';
import type { ParsedArgs } from './args.js';
import { firstLine, notConfigured, type Ctx } from './context.js';

/**
 * `post trending --platform slack --channel C…`: connects that one adapter for posting only, posts the
 * list through the scheduler's ledger (slot: the list date under `cron:<platform>:<channel>`), and
 * disconnects. A second identical run finds the slot posted, says so and exits 0.
 */
/** Runs `paperboy post` (its flags are in subcommands.ts, so they are known without loading this file). */
export async function postCommand(args: ParsedArgs, ctx: Ctx): Promise<number> {
  const { config, io, logger, app } = ctx;
  const what = (args.input.what ?? '').trim().toLowerCase();
  if (what !== 'trending')
    throw new UserError(`paperboy post can post trending lists${what ? `, not "${what.slice(0, 30)}"` : ''}.`, [
      'Usage: paperboy post trending --platform slack|discord --channel ID [--date YYYY-MM-DD] [--top N]',
    ]);
  const platform = (args.input.platform ?? '').trim().toLowerCase();
  if (platform !== 'slack' && platform !== 'discord') throw new UserError('Give --platform slack or --platform discord.');
  const channel = (args.input.channel ?? '').trim();
  // NOTE: Slack OAuth mode names the workspace too: T0123ABCD:C0456EFGH.
  if (!/^(?:[A-Z0-9]{1,40}:)?[A-Za-z0-9]{1,40}$/.test(channel))
    throw new UserError(
      'Give the channel id with --channel, e.g. --channel C0123ABCD (Slack; TEAM:CHANNEL when installed by OAuth) or --channel 1100000000000000001 (Discord).',
    );
  const top = args.input.top === undefined ? { ok: true as const, value: DEFAULT_TOP } : parseTop(args.input.top);
  if (!top.ok) throw new UserError(`--top must be a whole number from 1 to ${MAX_TOP}.`);
  let date: string | undefined;
  if (args.input.date !== undefined) {
    const p = parsePeriod(args.input.date, dateInZone(ctx.clock.now(), config.timeZone));
    if (!p.ok || p.value.kind !== 'day') throw new UserError('--date must be a day, YYYY-MM-DD (e.g. 2025-11-27).');
    date = p.value.label;
  }
  if (!app.schedules)
    throw new OperatorError(`The paper database in ${config.dataDir} is read-only, so the post ledger cannot be written; nothing was posted.`, [
      'Make PAPERBOY_DATA_DIR writable.',
    ]);
  const guild = args.input.guild?.trim();
  const target = { channel, ...(guild ? { guildId: guild } : {}) };

  let adapter: ChatAdapter;
  if (platform === 'slack') {
    if (!config.slack) return notConfigured(io, 'Posting to Slack needs SLACK_BOT_TOKEN (and SLACK_APP_TOKEN or SLACK_SIGNING_SECRET); see README.md.');
    const { createSlackAdapter } = await import('../slack/index.js');
    adapter = createSlackAdapter({
      config: config.slack,
      dispatcher: app.dispatcher,
      logger,
      postOnly: true,
      cursors: pagerCursorsFor(app),
      ...(await oauthStoresFor(config.slack, app, logger)),
    });
  } else {
    if (!config.discord) return notConfigured(io, 'Posting to Discord needs DISCORD_TOKEN and DISCORD_APP_ID; see README.md.');
    const { createDiscordAdapter } = await import('../discord/index.js');
    adapter = createDiscordAdapter({ config: config.discord, dispatcher: app.dispatcher, logger, postOnly: true, cursors: pagerCursorsFor(app) });
  }
  const scheduler = new Scheduler({
    store: app.schedules,
    library: app.library,
    clock: ctx.clock,
    timeZone: config.timeZone,
    logger,
    ...(config.leaseSeconds !== undefined ? { leaseMs: config.leaseSeconds * 1000 } : {}),
  });
  try {
    await adapter.start();
  } catch (e) {
    throw new OperatorError(`Could not connect to ${platform === 'slack' ? 'Slack' : 'Discord'}: ${firstLine(e)}`, [
      `Check the ${platform.toUpperCase()}_* variables (see README.md); nothing was posted.`,
    ]);
  }
  try {
    const where = `${platform} channel ${channel}`;
    const r = await scheduler.postOnce(adapter, target, top.value, date);
    switch (r.kind) {
      case 'posted':
        io.stdout.write(`Posted the ${r.listDate ?? ''} trending list (top ${top.value}) to ${where}.\n`);
        return 0;
      case 'already':
        io.stdout.write(`The ${r.row.slot} trending list was already posted to ${where} (${r.row.updatedAt}); nothing was posted.\n`);
        return 0;
      case 'busy':
        io.stdout.write(`Another run is posting the list to ${where} right now; nothing was posted.\n`);
        return 0;
      case 'no-list':
        io.stderr.write(r.date ? `No papers are stored for ${r.date}; nothing was posted.\n` : 'No papers are stored yet; nothing was posted.\n');
        return 1;
      case 'interrupted':
        io.stderr.write(`Stopped before the post to ${where} went out; nothing was posted.\n`);
        return 1;
      case 'failed': {
        const hint =
          r.failure === 'no-access'
            ? platform === 'slack'
              ? 'Invite the bot with /invite @paperboy in that channel.'
              : "Give the bot View Channel and Send Messages in that channel's permissions."
            : r.failure === 'not-found'
              ? 'Check the channel id.'
              : 'It is recorded as not done; the next run tries again.';
        io.stderr.write(`Could not post to ${where}: ${r.detail}\n${hint}\n`);
        return 1;
      }
    }
  } finally {
    await adapter.stop();
  }
}
