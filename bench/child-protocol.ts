/**
 * How the benchmark's processes talk: the parent forks each pipeline under test and each load
 * process as a Node child running TypeScript through tsx, passes its settings as one JSON
 * argument, and exchanges the small messages below over the IPC channel.
 *
 * Pipeline children (naive-pipeline.ts, clearwater-pipeline.ts):
 *   child → parent  {type: 'ready', mqttPort}
 *   parent → child  {type: 'stats'}  → child answers {type: 'stats', stats}
 *   parent → child  {type: 'stop'}   → child drains its sink, answers {type: 'stopped', stats}, exits
 *   parent → child  {type: 'gc'}     → child collects garbage (when run with --expose-gc), answers {type: 'collected'}
 * Load children (load-generator.ts, raw-influx-writer.ts):
 *   child → parent  {type: 'connected'}
 *   parent → child  {type: 'go'}, then {type: 'mark', mark: 'start' | 'end'} around the window
 *   parent → child  {type: 'progress'} → child answers {type: 'progress', progress} (load-generator.ts)
 *   parent → child  {type: 'stop'}   → child waits for what is outstanding, answers {type: 'done', result}
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Counters a pipeline child reports. */
export interface PipelineStats {
  /** Readings InfluxDB acknowledged (HTTP 204) through the pipeline's sink (a line may hold several). */
  linesWritten: number;
  writeErrors: number;
  /** Messages the pipeline's ingest saw. */
  messages: number;
  /** Readings turned into lines (accepted). */
  readings: number;
  /** Messages or readings refused (bad JSON, validation). */
  rejected: number;
  /** Lines waiting in the durable spool (Clearwater's `clearwater_spool_lines`); absent for the others. */
  spoolLines?: number;
  /** External-broker mode: PUBACKs the ingest sent the broker (`clearwater_mqtt_source_messages_acked_total`): messages durable in the spool. */
  sourceAcked?: number;
  /** The embedded broker: logged-in clients it closed, by why (keep-alive, a newer connection of the device, a connection error). */
  brokerClosed?: { keepaliveTimeouts: number; takenOver: number; clientErrors: Record<string, number> };
}

/** A load generator's running totals since `go`, for the overload run's time series. */
export interface LoadProgress {
  /** Messages the devices' schedules called for so far (closed-loop mode: = sent). */
  offered: number;
  /** Messages published (handed to the socket). */
  sent: number;
  /** PUBACKs received. */
  acked: number;
  errors: number;
}

/** What a load child measured between its two marks, and in the whole run. */
export interface LoadResult {
  /** Messages (or, for the raw writer, points) the peer acknowledged inside the window. */
  windowAcked: number;
  /** Window length as the child saw it between the marks, ms. */
  windowMs: number;
  /** Everything acknowledged from `go` to the end of the drain. */
  totalAcked: number;
  totalSent: number;
  /** What the schedules called for from `go` to `stop` (closed loop and raw writer: = totalSent). */
  totalOffered: number;
  errors: number;
  /** Workload B messages whose samples ran past the present (load-generator.ts); absent from the raw writer. */
  pastPresent?: number;
  /** Publish → PUBACK (raw writer: request → response) latencies inside the window, ms. */
  latency: { p50: number; p99: number; max: number; count: number };
}

export type ParentMessage = { type: 'gc' } | { type: 'stats' } | { type: 'stop' } | { type: 'go' } | { type: 'mark'; mark: 'start' | 'end' } | { type: 'progress' };

export type ChildMessage =
  | { type: 'ready'; mqttPort: number }
  | { type: 'stats'; stats: PipelineStats }
  | { type: 'stopped'; stats: PipelineStats }
  | { type: 'connected' }
  /** After a full garbage collection (the child runs with --expose-gc), for a steadier RSS. */
  | { type: 'collected' }
  | { type: 'progress'; progress: LoadProgress }
  | { type: 'done'; result: LoadResult }
  | { type: 'failed'; error: string };

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export interface ForkOptions {
  /** Extra node flags for the child, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/p']. */
  nodeFlags?: readonly string[];
}

/** Forks `bench/<file>` under tsx with its settings as argv[2]. */
export function forkBenchChild(file: string, settings: unknown, options: ForkOptions = {}): ChildProcess {
  return fork(here(file), [JSON.stringify(settings)], {
    execArgv: ['--import', 'tsx', ...(options.nodeFlags ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'json',
  });
}

function isChildMessage(value: unknown): value is ChildMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** The next message of `type` from `child`; rejects when the child exits, fails or times out. */
export function nextMessage<T extends ChildMessage['type']>(child: ChildProcess, type: T, timeoutMs = 60_000): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no '${type}' from child ${child.pid} within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: unknown) => {
      if (!isChildMessage(message)) return;
      if (message.type === 'failed') finish(new Error(`child ${child.pid}: ${message.error}`));
      else if (message.type === type) finish(undefined, message as Extract<ChildMessage, { type: T }>);
    };
    const onExit = (code: number | null, signal: string | null) => finish(new Error(`child ${child.pid} exited (${signal ?? code}) before '${type}'`));
    function finish(error: Error | undefined, message?: Extract<ChildMessage, { type: T }>) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else if (message) resolve(message);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export function send(child: ChildProcess, message: ParentMessage): void {
  if (child.connected) child.send(message);
}

/** Resolves when the child has exited; kills it (SIGKILL, by its pid) after `timeoutMs`. */
export function exited(child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

// ---- child side ----

/** The settings the parent passed as argv[2]. */
export function childSettings<T>(): T {
  const raw = process.argv[2];
  if (!raw) throw new Error('expected the settings as one JSON argument');
  return JSON.parse(raw) as T;
}

/** Sends a message to the parent; `then` runs once it is handed to the channel (e.g. to exit). */
export function tell(message: ChildMessage, then?: () => void): void {
  if (process.send) process.send(message, undefined, {}, () => then?.());
  else then?.();
}

/** Calls `handle` for every parent message; unknown shapes are ignored. */
export function onParentMessage(handle: (message: ParentMessage) => void): void {
  process.on('message', (message: unknown) => {
    if (typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string') handle(message as ParentMessage);
  });
}

/** Reports a failure to the parent, then exits non-zero. */
export function failChild(error: unknown): void {
  tell({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () => process.exit(1));
}
