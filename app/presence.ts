/** Which devices are online, from their retained status messages and last wills. */
import type { DeviceStatus } from '../network/message.ts';

export class Presence {
  private readonly statuses = new Map<string, { status: DeviceStatus; at: number }>();

  update(deviceId: string, status: DeviceStatus, at: number): boolean {
    const changed = this.statuses.get(deviceId)?.status !== status;
    this.statuses.set(deviceId, { status, at });
    return changed;
  }

  status(deviceId: string): DeviceStatus | undefined {
    return this.statuses.get(deviceId)?.status;
  }

  online(): number {
    let count = 0;
    for (const { status } of this.statuses.values()) if (status === 'online') count += 1;
    return count;
  }
}
