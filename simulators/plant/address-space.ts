/**
 * The plant's address space: one object per process stage under Objects/<plant id>, every analog
 * an AnalogItem (OPC 10000-8 §5.3.2) with its EURange and EUInformation, every pump a
 * TwoStateDiscrete, a Backwash method on each filter. NodeIds are strings in the plant's own
 * namespace: `ns=1;s=<plant>.Filter2.EffluentTurbidity`.
 *
 * Values are pushed (`setValueFromSource`) with the simulated time as the source timestamp, one
 * push per model step, so a subscriber sees the simulation's clock.
 */
import { DataType, makeEUInformation, StatusCodes, type EUInformation, type Namespace, type StatusCode, type UAObject, type UAVariable } from 'node-opcua';
import { FILTERS, HIGH_LIFT_PUMPS, type PlantSample } from './model.ts';

/**
 * Units that have a UN/CEFACT Recommendation 20 common code carry it as their unitId; NTU and pH
 * have none, so their unitId is -1, "not available" (OPC 10000-8 §5.6.3, EUInformation).
 */
function unit(code: string | undefined, symbol: string, name: string): EUInformation {
  const information = makeEUInformation(code ?? '', symbol, name);
  if (code === undefined) information.unitId = -1;
  return information;
}

export const units = {
  ntu: unit(undefined, 'NTU', 'nephelometric turbidity unit (US EPA Method 180.1)'),
  mgL: unit('M1', 'mg/L', 'milligram per litre'),
  metre: unit('MTR', 'm', 'metre'),
  m3h: unit('MQH', 'm³/h', 'cubic metre per hour'),
  kPa: unit('KPA', 'kPa', 'kilopascal'),
  pH: unit(undefined, 'pH', 'pH'),
} as const;

/** One analog tag: where it sits, its unit and range, and how to read it from a sample. */
export interface AnalogTag {
  /** `Filter2.EffluentTurbidity`: the stage object and the variable. */
  readonly path: string;
  readonly unit: EUInformation;
  readonly range: { readonly low: number; readonly high: number };
  readonly description: string;
  readonly read: (sample: PlantSample) => number;
}

export interface DiscreteTag {
  readonly path: string;
  readonly description: string;
  readonly read: (sample: PlantSample) => boolean;
}

export const analogTags: readonly AnalogTag[] = [
  { path: 'RawWater.Turbidity', unit: units.ntu, range: { low: 0, high: 1000 }, description: 'Raw-water turbidity at the plant inlet', read: (s) => s.rawTurbidity },
  { path: 'Settled.Turbidity', unit: units.ntu, range: { low: 0, high: 100 }, description: 'Settled-water turbidity after sedimentation', read: (s) => s.settledTurbidity },
  ...FILTERS.flatMap((f): AnalogTag[] => [
    { path: `Filter${f}.EffluentTurbidity`, unit: units.ntu, range: { low: 0, high: 10 }, description: `Filter ${f} effluent turbidity`, read: (s) => s.filters[f - 1]!.effluentTurbidity },
    { path: `Filter${f}.HeadLoss`, unit: units.metre, range: { low: 0, high: 3 }, description: `Filter ${f} head loss across the bed`, read: (s) => s.filters[f - 1]!.headLoss },
  ]),
  { path: 'Dosing.CoagulantDose', unit: units.mgL, range: { low: 0, high: 80 }, description: 'Coagulant dosing rate', read: (s) => s.coagulantDose },
  { path: 'Dosing.ChlorineDose', unit: units.mgL, range: { low: 0, high: 5 }, description: 'Chlorine dosing rate', read: (s) => s.chlorineDose },
  { path: 'ClearWell.FreeChlorine', unit: units.mgL, range: { low: 0, high: 5 }, description: 'Free chlorine leaving the clear well (after contact)', read: (s) => s.clearWellFreeChlorine },
  { path: 'ClearWell.Level', unit: units.metre, range: { low: 0, high: 5 }, description: 'Clear-well level', read: (s) => s.clearWellLevel },
  { path: 'Outlet.Turbidity', unit: units.ntu, range: { low: 0, high: 10 }, description: 'Treated-water turbidity at the plant outlet', read: (s) => s.outletTurbidity },
  { path: 'Outlet.Flow', unit: units.m3h, range: { low: 0, high: 2000 }, description: 'Outlet flow', read: (s) => s.outletFlow },
  { path: 'Outlet.Pressure', unit: units.kPa, range: { low: 0, high: 1000 }, description: 'Outlet pressure (gauge)', read: (s) => s.outletPressure },
  { path: 'Outlet.pH', unit: units.pH, range: { low: 0, high: 14 }, description: 'Outlet pH', read: (s) => s.outletPh },
];

export const discreteTags: readonly DiscreteTag[] = [
  { path: 'Dosing.ChlorinePumpRunning', description: 'Chlorine dosing pump running', read: (s) => s.chlorinePumpRunning },
  { path: 'Dosing.CoagulantPumpRunning', description: 'Coagulant dosing pump running', read: (s) => s.coagulantPumpRunning },
  ...HIGH_LIFT_PUMPS.map((p): DiscreteTag => ({ path: `HighLiftPump${p}.Running`, description: `High-lift pump ${p} running`, read: (s) => s.highLiftPumpsRunning[p - 1]! })),
];

export interface PlantNodes {
  /** Every variable by tag path. */
  readonly variables: ReadonlyMap<string, UAVariable>;
  /** Pushes one sample, stamped `sourceMs`; tags held at a status keep it (fault injection). */
  push(sample: PlantSample, sourceMs: number, held: ReadonlyMap<string, StatusCode>): void;
}

/** Builds the plant under Objects/<plantId>; `skip` leaves tags out (a PLC program without them). */
export function buildPlantNodes(namespace: Namespace, plantId: string, options: { minimumSamplingIntervalMs: number; skip: ReadonlySet<string>; onBackwash(filter: number): void }): PlantNodes {
  const addressSpace = namespace.addressSpace;
  const plant = namespace.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: plantId, nodeId: `s=${plantId}` });
  const stages = new Map<string, UAObject>();
  const stage = (name: string) => {
    let object = stages.get(name);
    if (!object) {
      object = namespace.addObject({ componentOf: plant, browseName: name, nodeId: `s=${plantId}.${name}` });
      stages.set(name, object);
    }
    return object;
  };
  const variables = new Map<string, UAVariable>();
  for (const tag of analogTags) {
    if (options.skip.has(tag.path)) continue;
    const [stageName, name] = tag.path.split('.') as [string, string];
    variables.set(tag.path, namespace.addAnalogDataItem({
      componentOf: stage(stageName),
      browseName: name,
      nodeId: `s=${plantId}.${tag.path}`,
      description: tag.description,
      dataType: 'Double',
      engineeringUnitsRange: tag.range,
      engineeringUnits: tag.unit,
      // Explicit: without it node-opcua revises a getter-backed variable to 1,000 ms.
      minimumSamplingInterval: options.minimumSamplingIntervalMs,
      value: { dataType: DataType.Double, value: 0 },
    }));
  }
  for (const tag of discreteTags) {
    if (options.skip.has(tag.path)) continue;
    const [stageName, name] = tag.path.split('.') as [string, string];
    variables.set(tag.path, namespace.addTwoStateDiscrete({
      componentOf: stage(stageName),
      browseName: name,
      nodeId: `s=${plantId}.${tag.path}`,
      description: tag.description,
      trueState: 'Running',
      falseState: 'Stopped',
      minimumSamplingInterval: options.minimumSamplingIntervalMs,
      value: false,
    }));
  }
  for (const filter of FILTERS) {
    const method = namespace.addMethod(stage(`Filter${filter}`), { browseName: 'Backwash', nodeId: `s=${plantId}.Filter${filter}.Backwash`, description: `Backwash filter ${filter} now` });
    // node-opcua tells a promise-returning method from a callback one by its arity: two arguments.
    method.bindMethod(async (_inputArguments: unknown, _context: unknown) => {
      options.onBackwash(filter);
      return { statusCode: StatusCodes.Good };
    });
  }
  const analogs = analogTags.filter((t) => variables.has(t.path));
  const discretes = discreteTags.filter((t) => variables.has(t.path));
  return {
    variables,
    push(sample, sourceMs, held) {
      const sourceTimestamp = new Date(sourceMs);
      for (const tag of analogs) {
        const status = held.get(tag.path) ?? StatusCodes.Good;
        variables.get(tag.path)!.setValueFromSource({ dataType: DataType.Double, value: tag.read(sample) }, status, sourceTimestamp);
      }
      for (const tag of discretes) {
        const status = held.get(tag.path) ?? StatusCodes.Good;
        variables.get(tag.path)!.setValueFromSource({ dataType: DataType.Boolean, value: tag.read(sample) }, status, sourceTimestamp);
      }
    },
  };
}
