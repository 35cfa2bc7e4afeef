/**
 * Waiting on events instead of polling: the one mechanism of the project's loops (the replayer
 * on new lines, a full spool on room, the change stream and the notification sender on a
 * commit, all of them on stop). A `Signal` wakes whoever waits now; a `Latch` stays fired;
 * `waitFor` waits a time or less, and never leaves a timer behind.
 */

/** A one-shot wake-up shared by waiters: `next()` resolves at the following `fire()`. */
export class Signal {
  private waiting: { promise: Promise<void>; resolve: () => void } | undefined;

  /** Resolves at the next `fire()`. */
  next(): Promise<void> {
    if (this.waiting === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.waiting = { promise, resolve };
    }
    return this.waiting.promise;
  }

  /** Wakes everyone waiting now. */
  fire(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve();
  }
}

/** A signal that stays fired: `fired` resolves once `fire()` was called, for every waiter after that too. */
export class Latch {
  private resolve!: () => void;
  readonly fired = new Promise<void>((done) => (this.resolve = done));

  fire(): void {
    this.resolve();
  }
}

/** Waits `ms`, or less when one of `wakers` resolves first; the timer never outlives the wait. */
export async function waitFor(ms: number, wakers: readonly Promise<unknown>[], delay: Delay = abortableDelay): Promise<void> {
  const abort = new AbortController();
  try {
    await Promise.race([delay(ms, abort.signal).catch(() => undefined), ...wakers]);
  } finally {
    abort.abort();
  }
}

/** A delay that ends early, quietly, when `signal` aborts (injected in tests to control time). */
export type Delay = (ms: number, signal: AbortSignal) => Promise<void>;

export const abortableDelay: Delay = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
