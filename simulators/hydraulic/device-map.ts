/**
 * Where each catalog device reads the hydraulic solution (pure): pressure at a node, flow on a
 * link, level in a tank. Names follow `network-inp.ts`: a site's node is its id, the pipe feeding
 * it `pipe-<site>`, a booster's suction tank `<booster>-tank`, its pump `pump-<booster>`, the
 * plant's high-lift pump `pump-<plant>`.
 */
import type { Device } from '../../network/catalog.ts';
import { deviceRole } from '../site-profile.ts';

export interface DeviceHydraulics {
  /** Node whose pressure (or tank level) the device reads. */
  readonly nodeId: string;
  /** Link whose flow the device reads, when it measures flow. */
  readonly linkId?: string;
}

const HYDRAULIC_METRICS = ['pressure', 'flow', 'level'] as const;

export const readsHydraulics = (device: Device) => HYDRAULIC_METRICS.some((m) => device.metrics.has(m));

export function deviceHydraulics(device: Device): DeviceHydraulics | undefined {
  if (!readsHydraulics(device)) return undefined;
  const site = device.site;
  switch (site.kind) {
    case 'plant':
      return { nodeId: site.id, linkId: `pump-${site.id}` };
    case 'reservoir':
      return { nodeId: site.id };
    case 'booster':
      if (device.metrics.has('level') || deviceRole(device) === 'suction') return { nodeId: `${site.id}-tank` };
      return { nodeId: site.id, linkId: `pump-${site.id}` };
    case 'main':
    case 'tap':
      return { nodeId: site.id, linkId: `pipe-${site.id}` };
    default:
      return undefined;
  }
}

/**
 * Model node whose water a chlorine device samples (the water quality run): a plant's outlet, a
 * main, a tap or a booster's discharge. A reservoir keeps the signal model of `models/quality.ts`:
 * in the quality run its clear well is the fixed source upstream of the dosing point.
 */
export function deviceQualityNode(device: Device): string | undefined {
  if (!device.metrics.has('free_chlorine') && !device.metrics.has('total_chlorine')) return undefined;
  const site = device.site;
  return site.kind === 'plant' || site.kind === 'main' || site.kind === 'tap' || site.kind === 'booster' ? site.id : undefined;
}
