/**
 * Configuration of `clearwater simulate`: parsed once, at create time, by this schema (which is
 * also its documentation). Which devices run is checked against the catalog by `selectDevices`.
 */
import { z } from 'zod';
import type { Catalog, Device } from '../network/catalog.ts';
import { simClockConfigSchema } from './clock.ts';
import { scenarioConfigSchema } from './scenarios/registry.ts';
import { hydraulicsConfigSchema } from './hydraulic/config.ts';

export const simulatorConfigSchema = z.strictObject({
  brokerUrl: z
    .string()
    .regex(/^(mqtts?|tcp|ssl|wss?):\/\/[^/]+/, 'an MQTT URL such as mqtt://127.0.0.1:1883')
    .default('mqtt://127.0.0.1:1883')
    .describe('Broker every simulated device connects to (mqtt://, mqtts://, ws://, wss://)'),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(1)
    .describe('Seed of every random draw: the same seed, catalog and start reproduce the same readings'),
  ...simClockConfigSchema.shape,
  scenarios: z.array(scenarioConfigSchema).default([]).describe('Incidents to play, e.g. [{kind: yellow-water, village: tongmen}]'),
  hydraulics: hydraulicsConfigSchema
    .optional()
    .describe('Solve the county as an EPANET network: pressure, flow and level devices read its solution (absent = the signal models of models/hydraulics.ts)'),
  devices: z
    .array(z.string().min(1))
    .default([])
    .describe('Run only these: device ids, site ids or village ids (a village brings all its sites); empty = every catalog device'),
  maxInFlightPerDevice: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(10)
    .describe('Unacknowledged QoS 1 publishes a device may have; beyond it the device waits (back-pressure) instead of queueing'),
  connectTimeoutMs: z.number().int().positive().default(10_000).describe('start() fails when a device has not connected within this, ms'),
  reconnectPeriodMs: z.number().int().min(100).default(1000).describe('Wait between reconnection attempts after a lost connection, ms'),
  stopTimeoutMs: z.number().int().min(0).default(5000).describe('How long stop() waits for outstanding acknowledgements before closing anyway, ms'),
});
export type SimulatorConfig = z.infer<typeof simulatorConfigSchema>;
export type SimulatorConfigInput = z.input<typeof simulatorConfigSchema>;

export type DeviceSelection = { ok: true; devices: Device[] } | { ok: false; unknown: string[] };

/** The catalog devices a filter selects, in catalog order. Pure. */
export function selectDevices(catalog: Catalog, filter: readonly string[]): DeviceSelection {
  const all = [...catalog.devices.values()];
  if (filter.length === 0) return { ok: true, devices: all };
  const wanted = new Set(filter);
  const matches = (d: Device) => wanted.has(d.id) || wanted.has(d.site.id) || (d.site.village !== undefined && wanted.has(d.site.village));
  const unknown = filter.filter((f) => !catalog.devices.has(f) && !catalog.sites.has(f) && !catalog.village(f));
  if (unknown.length > 0) return { ok: false, unknown };
  return { ok: true, devices: all.filter(matches) };
}
