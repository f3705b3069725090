// Notices the wall clock stepping (NTP, a resumed VM, `date -s`) by comparing it with a job's own timers, which run on the monotonic clock: the scheduler and alert delivery wait a step out.

/** A timer that fires this much later or earlier by the wall clock than it was set for is a step, not a busy machine (milliseconds). */
export const STEP_TOLERANCE_MS = 2 * 60_000;

/**
 * After a step, how long the wall clock must run in step with the timers before scheduled posts trust it
 * again (milliseconds). As ntpd waits out a step (its `stepout`, 5 to 15 minutes), a step undone within
 * this time posts nothing for the day it stepped into.
 */
export const SETTLE_MS = 15 * 60_000;

/** What the scheduler knows of its wall clock: whether it stepped lately, and by how much. */
export class ClockSteps {
  /** Steady time since the last step, by the timers (milliseconds); no step seen yet counts as settled. */
  private steadyMs = Number.POSITIVE_INFINITY;

  /**
   * One timer fired: it was set when the wall clock read `setAtMs`, to wait `delayMs`; the wall clock
   * now reads `nowMs`. Gives the step in milliseconds (positive: the clock jumped ahead), or null.
   */
  observe(setAtMs: number, delayMs: number, nowMs: number): number | null {
    const step = nowMs - (setAtMs + delayMs);
    if (Math.abs(step) > STEP_TOLERANCE_MS) {
      this.steadyMs = 0;
      return step;
    }
    this.steadyMs += delayMs;
    return null;
  }

  /** Whether the wall clock has run steadily for {@link SETTLE_MS} since its last step (or never stepped). */
  get settled(): boolean {
    return this.steadyMs >= SETTLE_MS;
  }
}
