// Piscina's least-busy choice of worker without its one-abortable-task-per-worker rule, so commands with a deadline still share a worker.
import type { Piscina } from 'piscina';

/** Piscina's load-balancer type (its entry point does not export it by name). */
export type LoadBalancer = NonNullable<NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer']>;
type PoolWorker = Parameters<LoadBalancer>[1][number];

/**
 * The least busy worker holding fewer than `maximumUsage` tasks, or null (the task waits). NOTE:
 * piscina's own balancer runs a task that has an abort signal alone on a worker (aborting it ends that
 * worker), and reports such a worker's usage as Infinity; every command here has a deadline signal, so
 * that rule would cut each worker to one command at a time. Here a worker ended for one command's
 * deadline also loses the others it held; the pool answers them with the apology.
 */
export function sharedLeastBusy(maximumUsage: number): LoadBalancer {
  return (_task, workers) => {
    let best: PoolWorker | null = null;
    let bestUsage = maximumUsage;
    for (const w of workers) {
      if (w.terminating || w.destroyed) continue;
      // A worker running exactly one abortable task reports Infinity; it holds one.
      const usage = w.isRunningAbortableTask ? 1 : w.currentUsage;
      if (usage < bestUsage) {
        best = w;
        bestUsage = usage;
      }
    }
    return best;
  };
}
