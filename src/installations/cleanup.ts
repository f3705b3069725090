// The periodic cleanup of removed installations: 30 days after a workspace uninstalled, its subscriptions and follows are deleted.
import { realTimers, type Timers } from '../ingest/live.js';
import type { Logger } from '../logger.js';
import type { ChatAdapter, Clock } from '../ports.js';
import type { BackgroundJob } from '../serve.js';
import type { InstallationStore } from './store.js';

/** How long what a removed workspace set up is kept for a reinstall. NOTE: milliseconds (30 days). */
export const KEEP_AFTER_REMOVAL_MS = 30 * 24 * 60 * 60 * 1000;

/** How often the cleanup runs. NOTE: milliseconds (hourly). */
export const CLEANUP_EVERY_MS = 60 * 60 * 1000;

/** The stores a workspace's leftovers live in, by the prefix its ids are qualified with (`T123:`). */
export interface WorkspaceLeftovers {
  removeWithPrefix(platform: string, prefix: string): Promise<number>;
}

export interface InstallationCleanupOptions {
  installations: InstallationStore;
  schedules: WorkspaceLeftovers | null;
  follows: WorkspaceLeftovers | null;
  clock: Clock;
  logger: Logger;
  timers?: Timers;
  everyMs?: number;
}

/**
 * Deletes the subscriptions and follows of workspaces removed more than {@link KEEP_AFTER_REMOVAL_MS}
 * ago (a reinstall before then cancels it, see InstallationStore.save), at start and then hourly. Every
 * replica may run it: each deletion is one statement, and a second run finds nothing left.
 */
export class InstallationCleanup implements BackgroundJob {
  readonly name = 'installation-cleanup';
  private readonly timers: Timers;
  private handle: unknown;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: InstallationCleanupOptions) {
    this.timers = opts.timers ?? realTimers;
  }

  start(_adapters: readonly ChatAdapter[]): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.clear(this.handle);
    await this.running;
  }

  /** One pass: every workspace past its grace period loses what it left; returns how many workspaces were cleaned. */
  async runOnce(): Promise<number> {
    const { installations, schedules, follows, clock, logger } = this.opts;
    const due = await installations.removedBefore(new Date(clock.now().getTime() - KEEP_AFTER_REMOVAL_MS));
    for (const w of due) {
      const prefix = `${w.key}:`;
      const subscriptions = (await schedules?.removeWithPrefix(w.platform, prefix)) ?? 0;
      const followed = (await follows?.removeWithPrefix(w.platform, prefix)) ?? 0;
      await installations.forgetRemoval(w.platform, w.key);
      logger.info({ platform: w.platform, team: w.key, subscriptions, follows: followed }, 'deleted what a workspace removed 30 days ago left');
    }
    return due.length;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.handle = this.timers.set(() => {
      this.running = this.runOnce()
        .then(
          () => undefined,
          (e: unknown) => this.opts.logger.warn({ err: e }, 'the cleanup of removed installations failed; trying again in an hour'),
        )
        .finally(() => this.schedule(this.opts.everyMs ?? CLEANUP_EVERY_MS));
    }, ms);
  }
}
