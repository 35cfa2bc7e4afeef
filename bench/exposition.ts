/** One unlabelled sample of a Prometheus text exposition (the pipeline's /metrics), NaN when absent. Pure. */
export function metricValue(exposition: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(exposition);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}
