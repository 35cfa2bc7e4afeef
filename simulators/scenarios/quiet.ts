/**
 * A stretch with nothing but normal demand: no incident, no fault. Its ground truth spans every
 * site, so every ticket opened in it is a false one (`clearwater score`).
 */
import { z } from 'zod';
import { DAY_MS } from '../models/context.ts';
import type { ScenarioKind } from './scenario.ts';
import { windowFields, windowOf } from './window.ts';

export const quietConfigSchema = z.strictObject({
  kind: z.literal('quiet'),
  ...windowFields(7 * DAY_MS),
});
export type QuietConfig = z.infer<typeof quietConfigSchema>;

export const quiet: ScenarioKind<QuietConfig> = {
  description: 'Nothing happens: a stretch of normal demand, against which every ticket is false',
  create(config, context) {
    const window = windowOf(config, context.simStartMs);
    return {
      groundTruth: {
        kind: 'quiet',
        name: 'quiet',
        startMs: window.startMs,
        endMs: window.endMs,
        affectedSites: [...context.catalog.sites.keys()],
        affectedDevices: [...context.catalog.devices.keys()],
        details: {},
      },
      effectAt: () => undefined,
    };
  },
};
