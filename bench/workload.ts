/**
 * What the benchmark's devices send (bench/README.md, "Workloads"). Pure.
 *
 * - **A**: one reading a message, `{"ts", "seq", "readings": {"turbidity"}}`, stamped with the
 *   wall clock: a sensor reporting live.
 * - **B**: a logger's upload, `{"samples": [15 × {"ts", "readings": {turbidity, free_chlorine,
 *   ph}}]}`, one-minute samples: what a battery logger sends every quarter of an hour over a
 *   cellular link. Its clock starts `B_HISTORY_MS` back (inside the ingest's 30-day horizon) and
 *   moves 15 minutes a message, so every sample is a point of its own.
 *
 * Values stay under every rule's threshold, so no ticket is opened.
 */
export const workloadNames = ['a', 'b'] as const;
export type WorkloadName = (typeof workloadNames)[number];

export interface Workload {
  readonly name: WorkloadName;
  readonly samplesPerMessage: number;
  readonly metrics: readonly string[];
}

export const workloads: Readonly<Record<WorkloadName, Workload>> = {
  a: { name: 'a', samplesPerMessage: 1, metrics: ['turbidity'] },
  b: { name: 'b', samplesPerMessage: 15, metrics: ['turbidity', 'free_chlorine', 'ph'] },
};

export const readingsPerMessage = (w: Workload): number => w.samplesPerMessage * w.metrics.length;

const MINUTE_MS = 60_000;
/** Where a B logger's clock starts: 29 days back, a day inside the retention horizon. */
export const B_HISTORY_MS = 29 * 86_400_000;

/** A reading's value: quiet water, varying with the sequence number. */
function value(metric: string, n: number): number {
  const wobble = (n % 20) / 100;
  if (metric === 'free_chlorine') return 0.3 + wobble;
  if (metric === 'ph') return 7.2 + wobble;
  return 0.1 + wobble;
}

/**
 * The payload of a device's `seq`-th message. `lastTs` is the device's last timestamp (A keeps its
 * timestamps strictly rising); `startTs` is the B logger's clock at seq 0. Returns the payload and
 * the message's last timestamp.
 */
export function message(w: Workload, seq: number, now: number, lastTs: number, startTs: number): { payload: string; lastTs: number } {
  if (w.name === 'a') {
    const ts = Math.max(now, lastTs + 1);
    return { payload: `{"ts":${ts},"seq":${seq},"readings":{"turbidity":${value('turbidity', seq)}}}`, lastTs: ts };
  }
  const samples: string[] = [];
  let ts = lastTs;
  for (let i = 0; i < w.samplesPerMessage; i++) {
    const n = seq * w.samplesPerMessage + i;
    ts = startTs + n * MINUTE_MS;
    samples.push(`{"ts":${ts},"readings":{${w.metrics.map((m) => `"${m}":${value(m, n)}`).join(',')}}}`);
  }
  return { payload: `{"samples":[${samples.join(',')}]}`, lastTs: ts };
}

/** The fields of one raw line: the workload's metrics of one sample. */
export function rawFields(w: Workload, n: number): string {
  return w.metrics.map((m) => `${m}=${value(m, n)}`).join(',');
}
