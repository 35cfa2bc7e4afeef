/**
 * The latency probe, parent side: forks rules-probe.ts (the probe devices, in a process of their
 * own so they publish on their schedule whatever the pipeline's event loop is doing), records
 * when each ticket opened (PipelineDeps.onTicketChange) and pairs the two.
 *
 * Both sides stamp with `wallClockMs()` (performance.timeOrigin + performance.now(): the system
 * clock at sub-millisecond resolution), so the publish in the probe process and the ticket in the
 * pipeline's process are on one time line.
 *
 * Messages (JSON over the IPC channel):
 *   probe → parent  {type: 'connected'}
 *   parent → probe  {type: 'go'}, {type: 'record', on}, {type: 'stop'}
 *   probe → parent  {type: 'sent', probes}, then exits
 */
import type { ChildProcess } from 'node:child_process';
import type { TicketChange } from '../rules/tickets/store.ts';
import type { BenchDevice } from './bench-catalog.ts';
import { exited, forkBenchChild } from './child-protocol.ts';

export const wallClockMs = () => performance.timeOrigin + performance.now();

export interface ProbeTarget {
  readonly label: string;
  readonly ruleId: string;
  /** The rule's `for`, ms. */
  readonly forMs: number;
  readonly subject: 'site' | 'device';
  readonly devices: readonly BenchDevice[];
}

export interface ProbeSettings {
  readonly url: string;
  readonly targets: readonly ProbeTarget[];
  /** Probes a second, over all targets. */
  readonly probeRate: number;
}

/** One probe as sent: its ticket's fingerprint@openedAt, and when the completing reading was published. */
export interface ProbeSent {
  readonly key: string;
  readonly label: string;
  readonly atMs: number;
  readonly inWindow: boolean;
}

export type ProbeParentMessage = { type: 'go' } | { type: 'record'; on: boolean } | { type: 'stop' };
export type ProbeChildMessage = { type: 'connected' } | { type: 'sent'; probes: ProbeSent[] } | { type: 'failed'; error: string };

export interface ProbeResult {
  readonly label: string;
  /** Probes sent inside the window. */
  readonly sent: number;
  /** Publish → ticket opened, ms, ascending. */
  readonly latenciesMs: readonly number[];
  /** Sent inside the window, no ticket seen by the end. */
  readonly lost: number;
}

/** The key a probe and its ticket share. */
export const probeKey = (fingerprint: string, openedAt: number) => `${fingerprint}@${openedAt}`;

function next<T extends ProbeChildMessage['type']>(child: ChildProcess, type: T, timeoutMs: number): Promise<Extract<ProbeChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`probe: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: ProbeChildMessage) => {
      if (message.type === 'failed') done(new Error(`probe: ${message.error}`));
      else if (message.type === type) done(undefined, message as Extract<ProbeChildMessage, { type: T }>);
    };
    const onExit = () => done(new Error(`probe exited before '${type}'`));
    function done(error: Error | undefined, message?: Extract<ProbeChildMessage, { type: T }>) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (message) resolve(message);
      else reject(error);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export class LatencyProbe {
  /** When each ticket opened, by probeKey. */
  private readonly opened = new Map<string, number>();

  private constructor(
    private readonly child: ChildProcess,
    /** Target labels, in the order of the settings (the report's order). */
    private readonly labels: readonly string[],
  ) {}

  /** Forks the probe process and waits until its devices are connected. */
  static async start(settings: ProbeSettings): Promise<LatencyProbe> {
    const child = forkBenchChild('rules-probe.ts', settings);
    try {
      await next(child, 'connected', 60_000);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return new LatencyProbe(child, settings.targets.map((t) => t.label));
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** PipelineDeps.onTicketChange. */
  onTicketChange(change: TicketChange): void {
    if (change.event.type === 'opened') this.opened.set(probeKey(change.ticket.fingerprint, change.ticket.openedAt), wallClockMs());
  }

  tell(message: ProbeParentMessage): void {
    if (this.child.connected) this.child.send(message);
  }

  /** Stops the probes, waits up to `settleMs` for the tickets of the window, pairs them. */
  async finish(settleMs: number): Promise<ProbeResult[]> {
    const sent = next(this.child, 'sent', 30_000);
    this.tell({ type: 'stop' });
    const probes = (await sent).probes.filter((p) => p.inWindow);
    await exited(this.child);
    const deadline = performance.now() + settleMs;
    while (probes.some((p) => !this.opened.has(p.key)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return this.labels.map((label) => {
      const mine = probes.filter((p) => p.label === label);
      const latenciesMs = mine.flatMap((p) => {
        const at = this.opened.get(p.key);
        return at === undefined ? [] : [at - p.atMs];
      });
      return { label, sent: mine.length, latenciesMs: latenciesMs.sort((a, b) => a - b), lost: mine.length - latenciesMs.length };
    });
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
