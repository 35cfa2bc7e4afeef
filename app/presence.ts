/**
 * What the process knows of each device now: its status (retained `online`/`offline` and last
 * wills) and the event time of its latest durable reading. In memory; after a restart it fills
 * again as devices report.
 */
import type { DeviceStatus } from '../network/message.ts';

export interface DevicePresence {
  readonly status: DeviceStatus | undefined;
  /** When its status last changed, epoch ms. */
  readonly statusAt: number | undefined;
  /** Event time of its latest durable reading, epoch ms. */
  readonly lastReadingAt: number | undefined;
}

export class Presence {
  private readonly statuses = new Map<string, { status: DeviceStatus; at: number }>();
  private readonly readings = new Map<string, number>();

  update(deviceId: string, status: DeviceStatus, at: number): boolean {
    const changed = this.statuses.get(deviceId)?.status !== status;
    this.statuses.set(deviceId, { status, at });
    return changed;
  }

  /** A durable reading of the device, at event time `at`. */
  read(deviceId: string, at: number): void {
    if (at > (this.readings.get(deviceId) ?? Number.NEGATIVE_INFINITY)) this.readings.set(deviceId, at);
  }

  status(deviceId: string): DeviceStatus | undefined {
    return this.statuses.get(deviceId)?.status;
  }

  of(deviceId: string): DevicePresence {
    const status = this.statuses.get(deviceId);
    return { status: status?.status, statusAt: status?.at, lastReadingAt: this.readings.get(deviceId) };
  }

  online(): number {
    let count = 0;
    for (const { status } of this.statuses.values()) if (status === 'online') count += 1;
    return count;
  }
}
