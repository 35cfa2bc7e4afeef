/**
 * One instrument failing (models/faults.ts: flatline, bubbles, drift, fouling, saturation, junk),
 * or its clock running off (`clock-skew`: `size` ms added to its timestamps), for a window. The
 * water is untouched: a ticket on the device's process rules is a false alarm.
 */
import { z } from 'zod';
import { metricNameSchema, type MetricName } from '../../network/metrics.ts';
import { ID_PATTERN } from '../../network/topic.ts';
import { HOUR_MS } from '../models/context.ts';
import { sensorFaultKinds, type SensorFault } from '../models/faults.ts';
import type { Scenario, ScenarioContext, ScenarioKind } from './scenario.ts';
import { windowFields, windowOf } from './window.ts';

export const sensorFaultConfigSchema = z.strictObject({
  kind: z.literal('sensor-fault'),
  device: z.string().regex(ID_PATTERN).describe('Device (catalog id) whose instrument fails'),
  fault: z.enum([...sensorFaultKinds, 'clock-skew']).describe('flatline, bubbles, drift, fouling, saturation, junk (NaN readings), or clock-skew'),
  metric: metricNameSchema.optional().describe('The metric that fails; default: the first of turbidity, free_chlorine, ph the device has, else its first metric'),
  size: z.number().optional().describe('bubbles: spike height NTU (2); drift: units a day; fouling: share lost a day (0.2); saturation: the range top (registry maximum); clock-skew: ms added to timestamps'),
  chance: z.number().min(0).max(1).optional().describe('bubbles: share of samples with a spike (0.1)'),
  ...windowFields(12 * HOUR_MS),
});
export type SensorFaultConfig = z.infer<typeof sensorFaultConfigSchema>;

const PREFERRED: readonly MetricName[] = ['turbidity', 'free_chlorine', 'ph'];

export const sensorFault: ScenarioKind<SensorFaultConfig> = {
  description: 'An instrument fails for a while: stuck, bubbling, drifting, fouled, saturated, sending junk, or its clock off',
  create(config, context: ScenarioContext): Scenario {
    const device = context.catalog.device(config.device);
    if (!device) throw new Error(`sensor-fault: unknown device "${config.device}"`);
    const metric = config.metric ?? PREFERRED.find((m) => device.metrics.has(m)) ?? [...device.metrics][0]!;
    if (!device.metrics.has(metric)) throw new Error(`sensor-fault: device "${device.id}" does not measure ${metric}`);
    const window = windowOf(config, context.simStartMs);
    const fault: SensorFault | undefined = config.fault === 'clock-skew' ? undefined : { fault: config.fault, metric, sinceMs: window.startMs, size: config.size, chance: config.chance };
    const disturbance = fault ? { fault } : { skewMs: config.size ?? 10 * 60_000 };
    return {
      groundTruth: {
        kind: 'sensor-fault',
        name: `${config.fault}@${device.id}`,
        ...(device.site.village !== undefined && { village: device.site.village }),
        township: device.site.township,
        startMs: window.startMs,
        endMs: window.endMs,
        affectedSites: [device.site.id],
        affectedDevices: [device.id],
        details: { fault: config.fault, metric, ...(config.size !== undefined && { size: config.size }) },
      },
      effectAt: () => undefined,
      deviceAt: (deviceId, tMs) => (deviceId === device.id && window.contains(tMs) ? disturbance : undefined),
    };
  },
};
