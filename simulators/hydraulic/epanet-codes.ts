/**
 * EPANET 2.2 toolkit property codes (epanet2_enums.h: EN_NodeProperty, EN_LinkProperty,
 * EN_CountType, EN_TimeParameter, EN_QualityType, EN_SourceType, EN_InitHydOption). epanet-js
 * exports them as enums, but its type declarations re-export them without file extensions,
 * which TypeScript's NodeNext resolution cannot follow in an ESM package; the codes are fixed
 * by the toolkit API, so they are restated here.
 */
export const NodeProperty = {
  Elevation: 0, BaseDemand: 1, Emitter: 3, InitQual: 4, SourceQual: 5, SourceType: 7, Head: 10, Pressure: 11, Quality: 12, TankKBulk: 23,
} as const;
/** `Status` is the status in force during a run; `InitStatus` only the one a run starts from. */
export const LinkProperty = { MinorLoss: 3, InitStatus: 4, KBulk: 6, KWall: 7, Flow: 8, Velocity: 9, Status: 11, Setting: 12 } as const;
export const CountType = { NodeCount: 0, LinkCount: 2 } as const;
/** EN_TimeParameter: seconds. */
export const TimeParameter = { Duration: 0, HydStep: 1, QualStep: 2, PatternStep: 3, ReportStep: 5 } as const;
/** EN_QualityType, EN_SourceType, EN_InitHydOption. */
export const QualityType = { Chem: 1, Age: 2 } as const;
export const SourceType = { SetPoint: 2 } as const;
export const InitHydOption = { NoSave: 0 } as const;
