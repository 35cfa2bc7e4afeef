/**
 * The anomaly rule the kind's tests share (anomaly.test.ts, anomaly-noise.test.ts), small for
 * timelines: baseline of 5 readings, judged from the 5th on; the discriminator
 * fires on 2 outliers in a window of 3 (P(X ≤ 1 | 3, 0.1) = 0.972 ≥ 0.95); 2 inliers clear.
 */
export const anomalyBase = {
  id: 'outlet-anomaly',
  title: 'Outlet water changed',
  titleZh: '出厂水水质突变',
  source: 'CANARY user manual',
  kind: 'anomaly',
  indicators: [
    { metric: 'ph', minSpread: 0.01 },
    { metric: 'orp', minSpread: 1 },
  ],
  history: 5,
  minHistory: 5,
  outlierThreshold: 4,
  bedWindow: 3,
  outlierProbability: 0.1,
  eventProbability: 0.95,
  clearAfter: 2,
  eventTimeout: '10m',
  maxGap: '5m',
};

