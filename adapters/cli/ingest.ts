// `paperboy ingest`: page dumps from a folder, or Hugging Face daily lists by --date/--since with progress and a summary.
import path from 'node:path';
import cliProgress from 'cli-progress';
import { dayDeps, ingestFrom } from '../../src/app.js';
import { OperatorError, UserError } from '../../src/errors.js';
import { ingestDates, ingestDays, type DayOutcome } from '../../src/ingest/day.js';
import { seedSource } from '../../src/papers/seeds.js';
import { dateInZone } from '../../src/ports.js';
import type { ParsedArgs } from './args.js';
import type { Ctx } from './context.js';

/** Runs `paperboy ingest` (its flags are in subcommands.ts, so they are known without loading this file). */
export async function ingestCommand(args: ParsedArgs, ctx: Ctx): Promise<number> {
  const { date, since, until } = args.input;
  const fromApi = date !== undefined || since !== undefined || until !== undefined;
  if (args.switches.has('refresh') && !fromApi) throw new UserError('--refresh goes with --date or --since (it fetches Hugging Face daily lists again).');
  if (fromApi) {
    if (args.input.seeds !== undefined) throw new UserError('Give --seeds DIR for page dumps, or --date/--since for Hugging Face daily lists, not both.');
    return ingestApi({ date, since, until }, args.switches.has('refresh'), ctx);
  }
  const given = args.input.seeds;
  const dir = path.resolve(given ?? ctx.config.seedsDir);
  // A folder with no page dump in it is an OperatorError from the source, naming where it was given.
  const { stats, counts, warnings } = await ingestFrom(ctx.app, seedSource(dir, given === undefined ? 'PAPERBOY_SEEDS_DIR' : '--seeds'), ctx.logger);
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const extras = [
    (counts.rejected ?? 0) > 0 ? `${plural(counts.rejected ?? 0, 'entry', 'entries')} skipped (values paperboy cannot store)` : '',
    (counts.skippedFiles ?? 0) > 0 ? `${plural(counts.skippedFiles ?? 0, 'file')} skipped (not a Daily Papers page)` : '',
    warnings > 0 ? `${plural(warnings, 'warning')} (see log)` : '',
  ].filter(Boolean);
  ctx.io.stdout.write(
    `Ingested ${counts.files} files from ${dir}: ${counts.entries} entries, ${counts.papers} papers (${stats.inserted} new, ${stats.updated} updated, ${stats.unchanged} unchanged)${extras.map((x) => `, ${x}`).join('')}.\n`,
  );
  return 0;
}

/**
 * `ingest --date/--since`: each day in one transaction, a progress bar on a terminal and one line
 * per day otherwise, a summary at the end; exit 1 when a day failed (re-running fetches only those).
 */
async function ingestApi(
  flags: { date?: string | undefined; since?: string | undefined; until?: string | undefined },
  refresh: boolean,
  ctx: Ctx,
): Promise<number> {
  const { io, config } = ctx;
  const today = dateInZone(ctx.clock.now(), config.timeZone);
  const days = ingestDates(flags, today);
  if (!days.ok) throw UserError.from(days.error);
  const deps = dayDeps(ctx.app, config, ctx.logger, ctx.clock, ctx.deps.sleep);
  if (!deps) throw new OperatorError('This paper store keeps no daily lists, so Hugging Face lists cannot be ingested into it.');
  const bar =
    io.stderr.isTTY === true && days.value.length > 1
      ? new cliProgress.SingleBar(
          { stream: io.stderr, format: 'ingest [{bar}] {value}/{total} days | {day}', hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.legacy,
        )
      : null;
  bar?.start(days.value.length, 0, { day: days.value[0] ?? '' });
  let outcomes: DayOutcome[];
  try {
    outcomes = await ingestDays(deps, days.value, {
      refresh,
      onDay: (o, done) => {
        if (bar) bar.update(done, { day: o.date });
        else io.stdout.write(`${dayLine(o)}\n`);
      },
    });
  } finally {
    bar?.stop();
  }
  const ingested = outcomes.flatMap((o) => (o.status === 'ingested' ? [o.result] : []));
  const failed = outcomes.filter((o) => o.status === 'failed');
  const skipped = outcomes.filter((o) => o.status === 'skipped').length;
  const sum = (f: (r: (typeof ingested)[number]) => number) => ingested.reduce((n, r) => n + f(r), 0);
  const parts = [
    `${sum((r) => r.counts.papers ?? 0)} papers (${sum((r) => r.stats.inserted)} new, ${sum((r) => r.stats.updated)} updated, ${sum((r) => r.stats.unchanged)} unchanged)`,
    sum((r) => r.counts.skipped ?? 0) > 0 ? `${sum((r) => r.counts.skipped ?? 0)} items skipped (see log)` : '',
    skipped > 0 ? `${skipped} ${skipped === 1 ? 'day' : 'days'} already complete (skipped; --refresh fetches again)` : '',
    failed.length > 0 ? `${failed.length} failed (${failed.map((f) => f.date).join(', ')})` : '',
  ].filter(Boolean);
  io.stdout.write(
    `Ingested ${ingested.length} of ${outcomes.length} ${outcomes.length === 1 ? 'day' : 'days'} from ${config.hf.apiUrl}: ${parts.join(', ')}.\n`,
  );
  if (failed.length === 0) return 0;
  io.stderr.write(
    `${failed.length} ${failed.length === 1 ? 'day was' : 'days were'} not ingested: ${failed[0]?.status === 'failed' ? failed[0].error : ''}\nRun the same command again to retry them; completed days are skipped.\n`,
  );
  return 1;
}

/** One line per day when stdout is not a progress bar. */
function dayLine(o: DayOutcome): string {
  if (o.status === 'skipped') return `${o.date}: already complete, skipped`;
  if (o.status === 'failed') return `${o.date}: failed: ${o.error}`;
  const { stats, counts } = o.result;
  const extra = (counts.skipped ?? 0) > 0 ? `, ${counts.skipped} items skipped` : '';
  return `${o.date}: ${counts.papers ?? 0} papers (${stats.inserted} new, ${stats.updated} updated, ${stats.unchanged} unchanged${extra})`;
}
