/**
 * A rehearsal: the whole pipeline and the simulated network on one simulated clock, played from
 * the past to the end of the scenarios, and the tickets scored against their ground truth.
 *
 * The pipeline runs on event time (`PipelineDeps.now` is an `EventClock` over the readings it
 * takes), so everything timed by the clock and not by a reading (a device's silence, the broker's
 * last will, escalation) happens in the same simulated time as the readings and the truth,
 * however far behind the accelerated network the pipeline runs. The clock stops at the
 * scenarios' end plus `graceMs`: the devices stop there, and nobody is silent after it.
 */
import type { TelemetryPoint } from '../ingest/decode.ts';
import type { TruthRecord } from '../network/truth.ts';
import { scoreTruth, defaultTruthScoreOptions, type TruthScore } from '../rules/evaluate/truth-score.ts';
import type { Ticket } from '../rules/tickets/ticket.ts';
import { runStartMs } from '../simulators/clock.ts';
import { simulatorConfigSchema, type SimulatorConfigInput } from '../simulators/config.ts';
import { createNetworkSimulator, type SimulatorStats } from '../simulators/network-simulator.ts';
import type { Config } from './config.ts';
import { EventClock } from './event-clock.ts';
import type { Logger } from './log.ts';
import { startPipeline } from './pipeline.ts';

export interface RehearsalOptions {
  /** How long after the last scenario's end the run goes on, simulated ms (tickets that come late still count). */
  readonly graceMs: number;
  readonly log: Logger;
  /** Wall clock, epoch ms. */
  readonly now?: () => number;
}

export interface Rehearsal {
  readonly truth: readonly TruthRecord[];
  readonly tickets: readonly Ticket[];
  readonly score: TruthScore;
  /** Simulated span played, epoch ms. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly devices: SimulatorStats['total'];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `simulation` is a simulator configuration without its broker (the pipeline's own is used). */
export async function rehearse(config: Config, simulation: Omit<SimulatorConfigInput, 'brokerUrl'>, options: RehearsalOptions): Promise<Rehearsal> {
  const realNow = options.now ?? Date.now;
  const parsed = simulatorConfigSchema.parse({ ...simulation, brokerUrl: 'mqtt://127.0.0.1' });
  if (parsed.scenarios.length === 0 && (parsed.hydraulics?.events.length ?? 0) === 0) throw new Error('a rehearsal needs at least one scenario or hydraulic event');
  // The simulated start, fixed now: until the devices report, the pipeline's time stands there.
  const startMs = runStartMs(parsed, realNow());
  const events = new EventClock(startMs);
  let endMs = Infinity;
  const now = () => Math.min(events.now(), endMs);
  const onPoints = (points: readonly TelemetryPoint[]) => points.forEach((p) => events.heard(p.device.id, p.ts, p.device.intervalMs));
  // Time runs `speed` times faster than live, so the rules' clock must tick as much more often:
  // a device's silence or a group forming happens between two ticks otherwise.
  const rulesTickMs = Math.max(50, Math.round(config.rulesTickMs / parsed.speed));
  const pipeline = await startPipeline({ ...config, rulesTickMs }, { log: options.log, now, onPoints });
  try {
    const simulator = createNetworkSimulator({ ...simulation, startMs, brokerUrl: `mqtt://127.0.0.1:${pipeline.mqttPort}` }, { catalog: pipeline.catalog, logger: options.log, now: realNow });
    await simulator.start();
    const clock = simulator.clock()!;
    const truth = simulator.groundTruth();
    endMs = Math.max(...truth.map((t) => t.endMs)) + options.graceMs;
    // Simulated time never runs ahead of the wall clock: an end after now would be waited for in real time.
    if (endMs > realNow()) {
      await simulator.stop({ announceOffline: false });
      throw new Error(`the scenarios end at ${new Date(endMs).toISOString()} (with the grace), after the wall clock: start further back (backfillMs)`);
    }
    while (clock.now() < endMs) await sleep(Math.min(250, Math.max(5, clock.realTimeAt(endMs) - realNow())));
    await simulator.stop({ announceOffline: false });
    // Until the pipeline's event time has caught up with the last readings.
    await settled(() => String(events.now()));
    const devices = simulator.stats().total;
    // Every acknowledged reading has been handed to the rules: wait for their ticket writes.
    await settled(() => {
      // Ticks go on (and judge group rules): the readings and the ticket writes settle.
      const { readings, opened, reopened, updated, escalated, deescalated, resolved, errors } = pipeline.rules.engine.stats();
      return JSON.stringify([readings, opened, reopened, updated, escalated, deescalated, resolved, errors]);
    });
    const tickets = await pipeline.tickets("all");
    return { truth, tickets, score: scoreTruth(truth, tickets, defaultTruthScoreOptions), fromMs: startMs, toMs: endMs, devices };
  } finally {
    await pipeline.stop();
  }
}

/** Resolves once `state()` reads the same twice, 200 ms apart. */
async function settled(state: () => string): Promise<void> {
  let last = state();
  for (;;) {
    await sleep(200);
    const next = state();
    if (next === last) return;
    last = next;
  }
}
