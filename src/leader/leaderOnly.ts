// A background job that runs only while this replica leads: started when it becomes the leader, stopped when it stops being one.
import type { Logger } from '../logger.js';
import type { ChatAdapter } from '../ports.js';
import type { BackgroundJob } from '../serve.js';

/** What a LeaderOnly job needs of leadership (src/leader/leadership.ts). */
export interface Leading {
  isLeader(): boolean;
  onChange(fn: (leading: boolean) => void): () => void;
}

/**
 * Wraps a job that must run on one replica at a time (the live ingest). Each term of leadership gets a
 * fresh job from `make` (a stopped live-ingest thread is not started again); losing the role stops it,
 * so its fetch in progress is aborted. Starts and stops run one after another, never overlapping.
 */
export class LeaderOnly<J extends BackgroundJob> implements BackgroundJob {
  private job: J | null = null;
  private adapters: readonly ChatAdapter[] = [];
  private chain: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | null = null;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly leading: Leading,
    private readonly make: () => J | null,
    private readonly logger: Logger,
  ) {}

  start(adapters: readonly ChatAdapter[]): void {
    this.adapters = adapters;
    this.stopped = false;
    this.unsubscribe = this.leading.onChange((l) => this.follow(l));
    if (this.leading.isLeader()) this.follow(true);
  }

  /** The job of the current term, or null while this replica follows. */
  current(): J | null {
    return this.job;
  }

  /** Resolves once the last start or stop asked for has been done (tests wait on it). */
  async settled(): Promise<void> {
    await this.chain;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.follow(false);
    await this.chain;
  }

  private follow(leading: boolean): void {
    this.chain = this.chain
      .then(async () => {
        if (leading && !this.job && !this.stopped) {
          this.job = this.make();
          this.job?.start(this.adapters);
        } else if (!leading && this.job) {
          const job = this.job;
          this.job = null;
          await job.stop();
        }
      })
      .catch((err: unknown) => this.logger.error({ err, job: this.name }, 'could not start or stop a leader-only job'));
  }
}
