/**
 * `npm run bench:connections`: many devices, each its own MQTT connection and password, reporting
 * on an interval, against Clearwater as `clearwater start` composes it (bench/clearwater-pipeline.ts)
 * with the broker's default limits but for the socket cap. Measures, one after another:
 *
 * 1. cold start: every device connects at once to a fresh process (every login a scrypt): time
 *    until all are online and publishing (their first PUBACK), logins a second; then, after a
 *    hold, the pipeline's RSS and its growth per connection;
 * 2. outage storm: 90 % of the devices (`--storm-fraction`) lose their sockets at once and
 *    reconnect (warm credential cache), while the control group keeps its connections and
 *    keeps reporting: time until all are back, the control group's slowest PUBACK and what it
 *    has still unacknowledged;
 * 3. restart storm: the Clearwater process is stopped and started again on the same data folder
 *    and port (a cold cache again), all devices reconnect: time until all are back;
 * then the devices stop, wait for their unacknowledged publishes, and every device's acked count
 * is compared with what InfluxDB holds for it (acked vs landed).
 *
 * Devices connect from 127.0.0.2… (`--per-address` each, under the broker's default limit of 1000
 * sockets an address), split over `--load-procs` processes (bench/connection-devices.ts).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { cliOptions } from '../app/cli-options.ts';
import { freePort } from '../app/free-port.ts';
import { createDatabase, influxQL, startLocalInfluxd } from '../app/local-influxd.ts';
import { DEFAULT_SCRYPT } from '../network/password.ts';
import { writeBenchCatalog, type BenchDevice } from './bench-catalog.ts';
import { exited, forkBenchChild, nextMessage, send } from './child-protocol.ts';
import { askStats } from './run-phase.ts';
import { mergeCloseReason, type CloseReason } from './close-reasons.ts';
import type { DeviceSlot, DevicesSettings, DevicesStatus } from './connection-devices.ts';
import { fixed, table, thousands } from './format.ts';
import { memoryUsage } from './proc-stats.ts';
import { benchMain } from './entry.ts';

const optionsSchema = z.strictObject({
  devices: z.coerce.number().int().min(10).max(20_000).default(10_000).describe('Devices, each its own MQTT connection and password'),
  reportIntervalS: z.coerce.number().positive().max(3600).default(10).describe('Every device reports once a this many seconds (devices report every 60 s; shorter runs the same storms faster), s'),
  holdSeconds: z.coerce.number().min(0).max(3600).default(20).describe('Steady reporting after the cold start, before RSS is read, s'),
  stormFraction: z.coerce.number().min(0.1).max(0.99).default(0.9).describe('Share of the devices that lose their sockets in the outage storm; the rest is the control group'),
  scryptN: z.coerce.number().int().min(1024).max(1_048_576).default(DEFAULT_SCRYPT.N).describe('scrypt N of the generated device passwords (r = 8, p = 1); the catalog is cached per device count and N in /tmp'),
  loadProcs: z.coerce.number().int().min(1).max(16).default(4).describe('Processes the devices are split over'),
  perAddress: z.coerce.number().int().min(1).max(1000).default(500).describe('Devices per 127.0.0.x source address'),
  reconnectS: z.coerce.number().positive().max(60).default(2).describe('A device\'s retry interval after a refused or lost connection, s'),
  phaseTimeoutS: z.coerce.number().positive().max(3600).default(600).describe('Longest wait for all devices to be back in a phase, s'),
  storms: z.coerce.boolean().default(true).describe('Run the outage and the restart storm after the cold start; --no-storms measures only the cold start and the memory'),
  rulePacks: z
    .string()
    .optional()
    .transform((text) => text?.split(',').map((pack) => pack.trim()).filter(Boolean))
    .describe('Rule packs by name (rules/packs/<name>.yaml), comma-separated, instead of the app\'s default ones, e.g. without sensor-health to see a storm without its device-silent tickets'),
  profile: z.string().optional().describe('Run the first Clearwater process under node --cpu-prof, writing into this folder'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'silent']).default('error').describe('Log level of the Clearwater child (warn logs every device-silent ticket the storms open)'),
});
type Options = z.infer<typeof optionsSchema>;
const cli = cliOptions(optionsSchema, 'npm run bench:connections --');

const log = (message: string) => process.stderr.write(`[connections ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The generated catalog for this device count and N, reused from /tmp when there (hashing 10,000 at N = 16384 takes minutes). */
async function catalogFor(options: Options): Promise<{ path: string; devices: readonly BenchDevice[] }> {
  const dir = join(tmpdir(), `clearwater-bench-connections-${options.devices}-N${options.scryptN}-i${options.reportIntervalS}`);
  const credentials = join(dir, 'credentials.json');
  try {
    return { path: join(dir, 'catalog.yaml'), devices: JSON.parse(await readFile(credentials, 'utf8')) as BenchDevice[] };
  } catch {
    await mkdir(dir, { recursive: true });
    log(`hashing ${options.devices} passwords at scrypt N=${options.scryptN} into ${dir}…`);
    const catalog = await writeBenchCatalog(dir, options.devices, { scrypt: { N: options.scryptN, r: 8, p: 1 }, intervalS: Math.ceil(options.reportIntervalS) });
    await writeFile(credentials, JSON.stringify(catalog.devices));
    return catalog;
  }
}

function openFileLimit(): number {
  const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return Number(line?.[1] ?? Number.NaN);
}

interface Pipeline {
  readonly child: ChildProcess;
  readonly pid: number;
  readyAt: number;
}

async function startClearwater(settings: object, nodeFlags: readonly string[] = []): Promise<Pipeline> {
  const child = forkBenchChild('clearwater-pipeline.ts', settings, { nodeFlags: ['--expose-gc', ...nodeFlags] });
  await nextMessage(child, 'ready', 120_000);
  return { child, pid: child.pid ?? 0, readyAt: Date.now() };
}

/** RSS after a full garbage collection in the child, MiB (heap that is garbage is not memory a connection needs). */
async function collectedRss(pipeline: Pipeline): Promise<number> {
  send(pipeline.child, { type: 'gc' });
  await nextMessage(pipeline.child, 'collected', 60_000);
  await sleep(500);
  return memoryUsage(pipeline.pid)?.rssMiB ?? Number.NaN;
}

async function stopClearwater(pipeline: Pipeline): Promise<void> {
  send(pipeline.child, { type: 'stop' });
  await nextMessage(pipeline.child, 'stopped', 120_000);
  await exited(pipeline.child);
}

/** One load process's share of the devices. */
class Share {
  readonly child: ChildProcess;
  private readonly waiting = new Map<string, ((message: never) => void)[]>();

  constructor(settings: DevicesSettings) {
    this.child = fork(fileURLToPath(new URL('connection-devices.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: { type: string }) => this.waiting.get(message.type)?.shift()?.(message as never));
    this.child.once('exit', (code, signal) => {
      if (code !== 0) {
        console.error(`a device process exited (${signal ?? code})`);
        process.exit(1);
      }
    });
    this.child.send({ type: 'start', settings });
  }

  next<T>(type: string): Promise<T> {
    return new Promise((resolve) => this.waiting.set(type, [...(this.waiting.get(type) ?? []), resolve as (message: never) => void]));
  }

  tell(type: 'mark' | 'drop' | 'stop'): void {
    if (this.child.connected) this.child.send({ type });
  }

  async status(): Promise<DevicesStatus> {
    const answer = this.next<{ status: DevicesStatus }>('status');
    this.child.send({ type: 'status' });
    return (await answer).status;
  }
}

const statusOf = async (shares: readonly Share[]) => Promise.all(shares.map((s) => s.status()));
/** The control group's disconnects by their last error, over every device process. */
function closeReasons(statuses: readonly DevicesStatus[]): string {
  const merged: Record<string, CloseReason> = {};
  for (const s of statuses) {
    for (const [reason, r] of Object.entries(s.controlCloseReasons)) merged[reason] = mergeCloseReason(merged[reason], r);
  }
  const when = (r: CloseReason) => (r.firstS === r.lastS ? `${r.firstS} s` : `${r.firstS}-${r.lastS} s`);
  return Object.entries(merged).map(([reason, r]) => `${r.count} × ${reason}, ${when(r)} after the mark`).join('; ') || 'none';
}

const sum = (statuses: readonly DevicesStatus[], key: 'backSinceMark' | 'stormBack' | 'stormDevices' | 'connected' | 'controlUnacked' | 'controlDisconnects' | 'sent' | 'acked' | 'unacked') =>
  statuses.reduce((n, s) => n + s[key], 0);
const refusals = (statuses: readonly DevicesStatus[]) => {
  const all: Record<string, number> = {};
  for (const s of statuses) for (const [k, v] of Object.entries(s.refused)) all[k] = (all[k] ?? 0) + v;
  return Object.entries(all).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
};

/** Polls until `done(statuses)` or the timeout; returns the last statuses and whether it finished. */
async function until(shares: readonly Share[], timeoutMs: number, done: (s: DevicesStatus[]) => boolean, label: string): Promise<{ statuses: DevicesStatus[]; finished: boolean }> {
  const deadline = Date.now() + timeoutMs;
  let lastLog = 0;
  for (;;) {
    const statuses = await statusOf(shares);
    if (done(statuses)) return { statuses, finished: true };
    if (Date.now() > deadline) return { statuses, finished: false };
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      log(`${label}: ${sum(statuses, 'backSinceMark')} back, ${sum(statuses, 'connected')} connected; refused ${refusals(statuses)}`);
    }
    await sleep(500);
  }
}

const lastBack = (statuses: readonly DevicesStatus[]) => Math.max(...statuses.map((s) => s.lastBackAt));

async function main(options: z.infer<typeof optionsSchema>): Promise<number> {
  const n = options.devices;
  const fds = openFileLimit();
  if (fds < n + 500) throw new Error(`ulimit -n is ${fds}: the pipeline needs a socket per device and more (${n + 500}); raise it`);
  const catalog = await catalogFor(options);
  const influx = await startLocalInfluxd();
  const database = `bench_connections_${Date.now()}`;
  await createDatabase(influx.url, database);
  const dataDir = await mkdtemp(join(tmpdir(), 'clearwater-bench-connections-data-'));
  const port = await freePort();
  // Default limits but the socket cap: n devices plus room for sockets that are still closing
  // while their device reconnects (maxConnections counts sockets, logged in or not).
  const settings = {
    influxUrl: influx.url, database, catalogPath: catalog.path, logLevel: options.logLevel, readingsPerLine: 1, dataDir,
    broker: { port, maxConnections: Math.ceil(n * 1.2) + 100 },
    ...(options.rulePacks ? { rulePacks: options.rulePacks.map((pack) => fileURLToPath(new URL(`../rules/packs/${pack}.yaml`, import.meta.url))) } : {}),
  };
  const shares: Share[] = [];
  let pipeline: Pipeline | undefined;
  try {
    pipeline = await startClearwater(settings, options.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profile}`]);
    await sleep(5000); // start-up work (catalog, rules state) settles
    const baseRss = await collectedRss(pipeline);
    log(`Clearwater pid ${pipeline.pid} on port ${port}, ${fixed(baseRss)} MiB RSS before any device; ${n} devices from ${Math.ceil(n / options.perAddress)} addresses in ${options.loadProcs} processes`);

    // 1. Cold start: every login is a scrypt.
    const slots: DeviceSlot[] = catalog.devices.map((d, i) => ({ ...d, localAddress: `127.0.0.${2 + Math.floor(i / options.perAddress)}`, control: i % Math.round(1 / (1 - options.stormFraction)) === 0 }));
    for (let p = 0; p < options.loadProcs; p++) {
      const devices = slots.filter((_, i) => i % options.loadProcs === p);
      shares.push(new Share({ port, devices, reportIntervalMs: options.reportIntervalS * 1000, reconnectMs: options.reconnectS * 1000, drainMs: 30_000 }));
    }
    // From the moment the last load process created its clients (tsx start-up is not the broker's time).
    const coldAt = Math.max(...(await Promise.all(shares.map((s) => s.next<{ at: number }>('started')))).map((m) => m.at));
    const cold = await until(shares, options.phaseTimeoutS * 1000, (s) => sum(s, 'backSinceMark') >= n, 'cold start');
    const coldS = (lastBack(cold.statuses) - coldAt) / 1000;
    log(`cold start: ${sum(cold.statuses, 'backSinceMark')}/${n} online and publishing after ${fixed(coldS, 1)} s; refused ${refusals(cold.statuses)}`);
    await sleep(options.holdSeconds * 1000);
    const held = memoryUsage(pipeline.pid);
    const heldRss = await collectedRss(pipeline);
    const perConnectionKiB = ((heldRss - baseRss) * 1024) / n;
    log(`held ${options.holdSeconds} s: ${fixed(held?.rssMiB ?? Number.NaN)} MiB RSS, ${fixed(heldRss)} after a GC (peak ${fixed(held?.peakRssMiB ?? Number.NaN)}), ${fixed(perConnectionKiB, 1)} KiB a connection`);

    const storms = options.storms ? await runStorms(shares, pipeline, settings, options) : undefined;
    if (storms) pipeline = storms.pipeline;

    // Stop the devices, wait for what they have unacknowledged, then compare with InfluxDB.
    const done = shares.map((s) => s.next<{ status: DevicesStatus; ackedByDevice: Record<string, number> }>('done'));
    for (const s of shares) s.tell('stop');
    const finals = await Promise.all(done);
    const acked: Record<string, number> = Object.assign({}, ...finals.map((f) => f.ackedByDevice));
    const totalAcked = Object.values(acked).reduce((a, b) => a + b, 0);
    await stopClearwater(pipeline); // drains the spool into InfluxDB before it resolves
    pipeline = undefined;
    const landedByDevice = await landedFor(influx.url, database, totalAcked);
    const lost = Object.entries(acked).reduce((n, [id, count]) => n + Math.max(0, count - (landedByDevice.get(id) ?? 0)), 0);
    const controlIds = slots.filter((s) => s.control).map((s) => s.id);
    const controlLost = controlIds.reduce((n, id) => n + Math.max(0, (acked[id] ?? 0) - (landedByDevice.get(id) ?? 0)), 0);
    const landed = [...landedByDevice.values()].reduce((a, b) => a + b, 0);
    const unackedAtEnd = finals.reduce((n, f) => n + f.status.unacked, 0);

    const machine = `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`;
    console.log(`\nClearwater connections — ${machine}; ${n} devices, each its own connection and password (scrypt N=${options.scryptN}, r=8, p=1), one reading every ${options.reportIntervalS} s at QoS 1\n`);
    console.log(
      table(
        ['figure', 'value'],
        [
          ['RSS before any device, after a GC, MiB', fixed(baseRss)],
          [`RSS with ${n} devices connected: as found, after a GC (peak so far), MiB`, `${fixed(held?.rssMiB ?? Number.NaN)}, ${fixed(heldRss)} (${fixed(held?.peakRssMiB ?? Number.NaN)})`],
          ['memory per connection, KiB (RSS delta after GCs ÷ devices)', fixed(perConnectionKiB, 1)],
          ['cold start: all online and publishing, s', fixed(coldS, 1)],
          ['cold start: logins/s (scrypt each)', fixed(n / coldS)],
          ...(storms?.rows ?? []),
          [`control group (${controlIds.length}): acknowledged readings lost`, thousands(controlLost)],
          ['acked (PUBACKs) / landed (InfluxDB points) / lost', `${thousands(totalAcked)} / ${thousands(landed)} / ${thousands(lost)}`],
          ['unacknowledged when the devices stopped', thousands(unackedAtEnd)],
        ],
      ),
    );
    console.log(JSON.stringify({ options, baseRss, heldRss, perConnectionKiB, coldS, ...storms?.figures, controlLost, totalAcked, landed, lost, unackedAtEnd }));
    return lost === 0 ? 0 : 1;
  } finally {
    for (const s of shares) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    if (pipeline) pipeline.child.kill('SIGKILL');
    await influx.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** 2. the outage storm, 3. the restart storm; returns the new Clearwater process and the rows of the report. */
async function runStorms(shares: readonly Share[], first: Pipeline, settings: object, options: Options): Promise<{ pipeline: Pipeline; rows: string[][]; figures: Record<string, number> }> {
  const n = options.devices;
  let pipeline = first;
  // 2. Outage storm: the storm group drops at once, the control group keeps reporting.
  for (const s of shares) s.tell('mark');
  await sleep(200);
  const stormAt = Date.now();
  for (const s of shares) s.tell('drop');
  const storm = await until(shares, options.phaseTimeoutS * 1000, (s) => sum(s, 'stormBack') >= sum(s, 'stormDevices'), 'outage storm');
  const stormS = (lastBack(storm.statuses) - stormAt) / 1000;
  await sleep(options.reportIntervalS * 1000); // the control group's publishes of the storm get their PUBACKs or show as unacknowledged
  const afterStorm = await statusOf(shares);
  const closedByBroker = (await askStats(pipeline.child)).stats.brokerClosed;
  log(`the broker closed logged-in clients so far: ${closedByBroker ? `${closedByBroker.keepaliveTimeouts} keep-alive timeouts, ${closedByBroker.takenOver} taken over by a newer connection, errors ${JSON.stringify(closedByBroker.clientErrors)}` : 'unknown'}`);
  const controlMaxAckMs = Math.max(...afterStorm.map((s) => s.controlMaxAckMs));
  log(`outage storm: ${sum(storm.statuses, 'stormBack')}/${sum(storm.statuses, 'stormDevices')} back after ${fixed(stormS, 1)} s; control group: slowest PUBACK ${controlMaxAckMs} ms, ${sum(afterStorm, 'controlUnacked')} unacked, ${sum(afterStorm, 'controlDisconnects')} disconnects (${closeReasons(afterStorm)}); refused ${refusals(storm.statuses)}`);
  const stormPeakRss = memoryUsage(pipeline.pid)?.peakRssMiB ?? Number.NaN;

  // 3. Restart storm: stop Clearwater, start it again on the same data folder and port.
  const stoppingAt = Date.now();
  await stopClearwater(pipeline);
  const downAt = Date.now();
  for (const s of shares) s.tell('mark');
  pipeline = await startClearwater(settings);
  const restart = await until(shares, options.phaseTimeoutS * 1000, (s) => sum(s, 'backSinceMark') >= n, 'restart storm');
  const restartS = (lastBack(restart.statuses) - pipeline.readyAt) / 1000;
  const stopS = (downAt - stoppingAt) / 1000;
  const relistenS = (pipeline.readyAt - downAt) / 1000;
  log(`restart: stopped in ${fixed(stopS, 1)} s, listening ${fixed(relistenS, 1)} s later, all ${sum(restart.statuses, 'backSinceMark')}/${n} back ${fixed(restartS, 1)} s after that; refused ${refusals(restart.statuses)}`);
  const restartRss = memoryUsage(pipeline.pid);

  return {
    pipeline,
    figures: { stormS, controlMaxAckMs, restartS },
    rows: [
      [`outage storm: ${sum(storm.statuses, 'stormDevices')} dropped at once, all back, s`, storm.finished ? fixed(stormS, 1) : `not all (${sum(storm.statuses, 'stormBack')})`],
      [`outage storm: logins/s (credential cache; all back − the devices' ${options.reconnectS} s retry delay)`, fixed(sum(storm.statuses, 'stormDevices') / Math.max(0.001, stormS - options.reconnectS))],
      ['outage storm: control group slowest PUBACK, ms', String(controlMaxAckMs)],
      ['outage storm: control group disconnects / unacked', `${sum(afterStorm, 'controlDisconnects')} / ${sum(afterStorm, 'controlUnacked')}`],
      ['peak RSS through the outage storm, MiB', fixed(stormPeakRss)],
      ['restart: stopping took, then listening again after, s', `${fixed(stopS, 1)}, ${fixed(relistenS, 1)}`],
      ['restart storm: all online and publishing after listening, s', restart.finished ? fixed(restartS, 1) : `not all (${sum(restart.statuses, 'backSinceMark')})`],
      ['RSS after the restart storm, MiB (peak)', `${fixed(restartRss?.rssMiB ?? Number.NaN)} (${fixed(restartRss?.peakRssMiB ?? Number.NaN)})`],
    ],
  };
}

/** Points per device in InfluxDB, once the count stops growing towards `expected` (the replayer may still be writing). */
async function landedFor(url: string, database: string, expected: number): Promise<Map<string, number>> {
  let last = -1;
  for (let stalled = 0; stalled < 10; ) {
    const body = await influxQL(url, 'SELECT count("turbidity") FROM "telemetry" GROUP BY "device"', database);
    const byDevice = new Map<string, number>();
    for (const series of body.results?.[0]?.series ?? []) {
      const id = (series as { tags?: Record<string, string> }).tags?.device;
      const count = Number(series.values?.[0]?.[1] ?? 0);
      if (id) byDevice.set(id, count);
    }
    const total = [...byDevice.values()].reduce((a, b) => a + b, 0);
    if (total >= expected) return byDevice;
    stalled = total === last ? stalled + 1 : 0;
    last = total;
    await sleep(1000);
    if (stalled === 9) return byDevice;
  }
  return new Map();
}

benchMain(cli, main);
