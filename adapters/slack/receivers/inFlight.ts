// Listener work in flight: tracked so shutdown and tests can wait until every reply has been sent.
import type { App, ReceiverEvent } from '@slack/bolt';

/** Tracks listener work so shutdown and tests can wait until every reply has been sent. */
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();

  track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    const done = () => this.pending.delete(p);
    p.then(done, done);
    return p;
  }

  /** Resolves once nothing is in flight (work started meanwhile is waited for too). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

/** Hands a receiver a view of the app whose `processEvent` is tracked. */
export function trackedApp(app: App, inFlight: InFlight): App {
  return new Proxy(app, {
    get(target, prop, receiver) {
      if (prop === 'processEvent') return (event: ReceiverEvent) => inFlight.track(target.processEvent(event));
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}
