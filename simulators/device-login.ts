/**
 * How a simulated device logs in and where it publishes, by the wire contract (README.md, "Wire
 * contract in one glance"; broker/ checks it): client id = username = device id, the device's
 * own password, MQTT 3.1.1, a clean session (topics: network/topic.ts).
 * The simulator's devices, the load generator, the connections benchmark and the tests' fleet
 * all log in through it; each adds its own timeouts and retries.
 */
import type { IClientOptions } from 'mqtt';

export interface DeviceIdentity {
  readonly id: string;
  readonly password: string;
}

/** The login part of a device's client options. Pure. */
export function deviceLogin(device: DeviceIdentity): IClientOptions {
  return { clientId: device.id, username: device.id, password: device.password, protocolVersion: 4, clean: true };
}
