import { describe, expect, it } from 'vitest';
import { sampleCatalog } from '../../simulators/fixtures.ts';
import { plantMappings } from './demo-plants.ts';

describe("the demo plants' mappings", () => {
  it('put each filter on its own turbidimeter, the dose on the dose controller, the outlet on its analysers', async () => {
    const mappings = plantMappings(await sampleCatalog(), 'north-plant');
    const by = Object.fromEntries(mappings.map((m) => [m.nodeId, `${m.device} ${m.metric}`]));
    expect(by).toEqual({
      'ns=1;s=north-plant.Outlet.Turbidity': 'north-plant-turb turbidity',
      'ns=1;s=north-plant.ClearWell.FreeChlorine': 'north-plant-cl free_chlorine',
      'ns=1;s=north-plant.Outlet.pH': 'north-plant-ph ph',
      'ns=1;s=north-plant.Outlet.Flow': 'north-plant-fm flow',
      'ns=1;s=north-plant.Outlet.Pressure': 'north-plant-fm pressure',
      'ns=1;s=north-plant.Filter1.EffluentTurbidity': 'north-plant-filter1 filter_turbidity',
      'ns=1;s=north-plant.Filter2.EffluentTurbidity': 'north-plant-filter2 filter_turbidity',
      'ns=1;s=north-plant.Filter3.EffluentTurbidity': 'north-plant-filter3 filter_turbidity',
      'ns=1;s=north-plant.Filter4.EffluentTurbidity': 'north-plant-filter4 filter_turbidity',
      'ns=1;s=north-plant.Dosing.ChlorineDose': 'north-plant-dose chlorine_dose',
    });
  });
});
