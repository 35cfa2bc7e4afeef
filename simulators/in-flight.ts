/**
 * A device's in-flight window: the QoS 1 publishes it has handed to its MQTT connection and not
 * yet seen settled. A publish settles when its PUBACK arrives (acknowledged: the broker owns the
 * message [MQTT-4.3.2-1]) or when the client gives up on it with an error (refused: a rejected
 * or dropped connection, `end(true)`). The window does not stop anyone publishing: a device asks
 * `hasRoom` first and waits (`nextSettlement`) when it is full, which is how the broker's
 * back-pressure reaches it.
 *
 * One window per connection; the same window may outlive a connection (`publish` takes the client)
 * so a device that reconnects keeps its counts. `abandon` hands back what a dead link took down
 * with it: those publishes leave the window and are counted neither way when they settle later.
 *
 * Used by the simulator's devices (simulated-device.ts), the load generator
 * (bench/load-generator.ts), the connections benchmark's devices (bench/connection-devices.ts,
 * unbounded: they report at their interval whatever is outstanding) and the tests' device fleet
 * (test/support/device-fleet.ts).
 */
import type { MqttClient } from 'mqtt';

/** Totals since the window was made. */
export interface InFlightCounts {
  /** Publishes handed to a client. */
  sent: number;
  /** Publishes the broker acknowledged (PUBACK). */
  acknowledged: number;
  /** Publishes that settled with an error instead. */
  refused: number;
}

/** What the window needs of a client: mqtt.js's `publish` with a completion callback. */
export type Publisher = Pick<MqttClient, 'publish'>;

/** Called once a publish settles: no error for a PUBACK. */
export type Settled = (error: Error | undefined) => void;

export class InFlightWindow<Carried = undefined> {
  readonly counts: InFlightCounts = { sent: 0, acknowledged: 0, refused: 0 };
  /** Outstanding publishes by a number of their own, with what each carries. */
  private readonly outstanding = new Map<number, Carried>();
  private nextId = 0;
  private waiters: (() => void)[] = [];

  /** @param limit publishes outstanding at most before `hasRoom` is false (≥ 1). */
  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`in-flight limit must be at least 1, not ${limit}`);
  }

  /** Publishes awaiting their PUBACK. */
  get size(): number {
    return this.outstanding.size;
  }

  get hasRoom(): boolean {
    return this.outstanding.size < this.limit;
  }

  /**
   * Hands one QoS 1 publish to `client`; `carried` (e.g. the samples in it) is what `abandon`
   * gives back. `settled` is called when it settles, abandoned or not.
   */
  publish(client: Publisher, topic: string, payload: string | Buffer, carried: Carried, settled?: Settled): void {
    const id = this.nextId++;
    this.outstanding.set(id, carried);
    this.counts.sent++;
    client.publish(topic, payload, { qos: 1 }, (error) => {
      if (this.outstanding.delete(id)) {
        if (error) this.counts.refused++;
        else this.counts.acknowledged++;
      }
      settled?.(error ?? undefined);
      this.wake();
    });
  }

  /** Empties the window and returns what its publishes carried, oldest first. */
  abandon(): Carried[] {
    const carried = [...this.outstanding.values()];
    this.outstanding.clear();
    this.wake();
    return carried;
  }

  /** Resolves when the next publish settles (or the window is abandoned). */
  nextSettlement(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves true once the window is empty, false if `timeoutMs` passes first. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.outstanding.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.nextSettlement(), new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
    return true;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
