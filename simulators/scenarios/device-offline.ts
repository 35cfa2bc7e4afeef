/**
 * Devices losing their link: one device (`device-offline`, a modem failing) or every device of a
 * township (`link-loss`, its cellular cell or power gone). The broker's last will says `offline`
 * for each; devices that buffer (`buffers`, as data loggers do) keep sampling and upload what they
 * kept as one `samples` batch when the link returns; the others lose those samples.
 */
import { z } from 'zod';
import { ID_PATTERN } from '../../network/topic.ts';
import { HOUR_MS, MINUTE_MS } from '../models/context.ts';
import type { DeviceDisturbance, Scenario, ScenarioContext, ScenarioKind } from './scenario.ts';
import { windowFields, windowOf } from './window.ts';

const buffers = (fallback: boolean) => z.boolean().default(fallback).describe('Devices keep their samples while offline and upload them as one batch when back');

export const deviceOfflineConfigSchema = z.strictObject({
  kind: z.literal('device-offline'),
  device: z.string().regex(ID_PATTERN).describe('Device (catalog id) that goes offline'),
  buffers: buffers(true),
  ...windowFields(HOUR_MS),
});
export type DeviceOfflineConfig = z.infer<typeof deviceOfflineConfigSchema>;

export const linkLossConfigSchema = z.strictObject({
  kind: z.literal('link-loss'),
  township: z.string().regex(ID_PATTERN).describe('Township (catalog id) whose devices all lose their link'),
  buffers: buffers(false),
  ...windowFields(30 * MINUTE_MS),
});
export type LinkLossConfig = z.infer<typeof linkLossConfigSchema>;

function offline(kind: string, name: string, deviceIds: readonly string[], config: { startsAfter: number; durationMs: number; buffers: boolean }, context: ScenarioContext, place: { village?: string; township: string }): Scenario {
  const window = windowOf(config, context.simStartMs);
  const members = new Set(deviceIds);
  const disturbance: DeviceDisturbance = { linkDown: { buffers: config.buffers } };
  const sites = [...new Set(deviceIds.map((id) => context.catalog.device(id)!.site.id))];
  return {
    groundTruth: { kind, name, ...place, startMs: window.startMs, endMs: window.endMs, affectedSites: sites, affectedDevices: [...deviceIds], details: { buffers: config.buffers, devices: deviceIds.length } },
    effectAt: () => undefined,
    deviceAt: (deviceId, tMs) => (members.has(deviceId) && window.contains(tMs) ? disturbance : undefined),
  };
}

export const deviceOffline: ScenarioKind<DeviceOfflineConfig> = {
  description: 'One device loses its link for a while, then uploads what it buffered',
  create(config, context) {
    const device = context.catalog.device(config.device);
    if (!device) throw new Error(`device-offline: unknown device "${config.device}"`);
    const place = { ...(device.site.village !== undefined && { village: device.site.village }), township: device.site.township };
    return offline('device-offline', `device-offline@${device.id}`, [device.id], config, context, place);
  },
};

export const linkLoss: ScenarioKind<LinkLossConfig> = {
  description: 'Every device of a township loses its link at once (a cellular cell or the power gone)',
  create(config, context) {
    if (!context.catalog.township(config.township)) throw new Error(`link-loss: unknown township "${config.township}"`);
    const ids = [...context.catalog.devices.values()].filter((d) => d.site.township === config.township).map((d) => d.id);
    if (ids.length === 0) throw new Error(`link-loss: township "${config.township}" has no devices`);
    return offline('link-loss', `link-loss@${config.township}`, ids, config, context, { township: config.township });
  },
};
