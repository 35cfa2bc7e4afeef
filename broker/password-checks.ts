/**
 * A bounded queue in front of scrypt. Node runs scrypt on libuv's threadpool (4 threads by
 * default, shared with file system calls and DNS lookups), and each check at N = 16384, r = 8
 * holds 128·N·r = 16 MiB while it runs. Without a bound, a reconnect storm of 10,000 devices
 * would start 10,000 checks at once: 160 GiB asked of the pool, every login waiting behind all
 * the others, and the devices timing out and retrying into the same queue.
 *
 * So at most `maxConcurrent` checks run (more than the cores does not finish sooner) and at most
 * `maxQueued` wait; a login past that is refused at once, before any hashing, with the queue's
 * size in the reason, and the broker answers it CONNACK 3 "server unavailable" (MQTT 3.1.1
 * table 3.1): the device retries after its back-off, by which time the cache (credential-cache.ts)
 * or a shorter queue lets it in. A waiting check whose connection went away is dropped unrun.
 */
import { z } from 'zod';

export const passwordChecksSchema = z
  .object({
    maxConcurrent: z
      .number()
      .int()
      .positive()
      .default(2)
      .describe('Password checks (scrypt) running at once; 2 on the 2-core reference machine: more than the cores only makes each slower, and leaves libuv\'s other 2 threads to file and DNS work'),
    maxQueued: z
      .number()
      .int()
      .nonnegative()
      .default(500)
      .describe('Password checks waiting for a slot; one more login is refused with CONNACK 3 (the device retries). 500 at ~35 ms a check on 2 cores is ~18 s of waiting, inside a client\'s usual 30 s connect timeout'),
  })
  .describe('Bound on password checks (scrypt) running and waiting, so a reconnect storm cannot queue without limit');
export type PasswordChecksConfig = z.infer<typeof passwordChecksSchema>;

export type CheckOutcome<T> = { ran: true; value: T } | { ran: false; reason: 'queue_full'; queued: number; running: number } | { ran: false; reason: 'abandoned' };

interface Waiting {
  start(): void;
}

export class PasswordCheckQueue {
  private running = 0;
  private readonly waiting: Waiting[] = [];

  /** `onLoad` hears the running and waiting counts whenever they change (the broker's gauges). */
  constructor(private readonly config: PasswordChecksConfig, private readonly onLoad: (load: { running: number; queued: number }) => void = () => {}) {}

  /**
   * Runs `check` when a slot is free; refuses at once when `maxQueued` already wait.
   * `abandoned()` is asked when the check's turn comes: true skips it (its client left).
   */
  run<T>(check: () => Promise<T>, abandoned: () => boolean = () => false): Promise<CheckOutcome<T>> {
    if (this.running >= this.config.maxConcurrent && this.waiting.length >= this.config.maxQueued) {
      return Promise.resolve({ ran: false, reason: 'queue_full', queued: this.waiting.length, running: this.running });
    }
    return new Promise((resolve, reject) => {
      const start = () => {
        if (abandoned()) {
          resolve({ ran: false, reason: 'abandoned' });
          this.next();
          return;
        }
        this.running += 1;
        this.onLoad(this.load());
        check().then(
          (value) => resolve({ ran: true, value }),
          (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
        ).finally(() => {
          this.running -= 1;
          this.next();
          this.onLoad(this.load());
        });
      };
      if (this.running < this.config.maxConcurrent) start();
      else {
        this.waiting.push({ start });
        this.onLoad(this.load());
      }
    });
  }

  /** Checks running and waiting now. */
  load(): { running: number; queued: number } {
    return { running: this.running, queued: this.waiting.length };
  }

  private next(): void {
    if (this.running >= this.config.maxConcurrent) return;
    this.waiting.shift()?.start();
  }
}
