/**
 * EPANET 2.2 toolkit property codes (epanet2_enums.h: EN_NodeProperty, EN_LinkProperty,
 * EN_CountType). epanet-js exports them as enums, but its type declarations re-export them
 * without file extensions, which TypeScript's NodeNext resolution cannot follow in an ESM
 * package; the codes are fixed by the toolkit API, so they are restated here.
 */
export const NodeProperty = { Elevation: 0, BaseDemand: 1, Emitter: 3, Head: 10, Pressure: 11 } as const;
export const LinkProperty = { MinorLoss: 3, InitStatus: 4, Flow: 8 } as const;
export const CountType = { NodeCount: 0, LinkCount: 2 } as const;
