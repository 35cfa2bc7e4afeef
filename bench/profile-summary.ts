/**
 * Reads a V8 .cpuprofile (from `npm run bench -- --profile clearwater`, i.e. node --cpu-prof on
 * the pipeline child) and prints where the CPU time went:
 *   - self time by package or project file (node_modules/<pkg>, ingest/decode.ts, node:internal…)
 *   - the functions with the most self time
 *   - the functions with the most total time (self + callees; a recursive function counts once
 *     per sample)
 *   - every sample attributed to one pipeline stage: the innermost frame on its stack that
 *     matches a stage of `stages` below (so the socket write under a PUBACK counts as a socket
 *     write, the zod call under decodeTelemetry as decode)
 * Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=25]
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const root = fileURLToPath(new URL('..', import.meta.url));

/** Where a frame's code lives: a package, a project file, Node's internals or a V8 pseudo-frame. */
export function ownerOf(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, '');
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1]) return modules[1];
  if (url.startsWith('node:')) return url.startsWith('node:internal') ? 'node:internal' : url;
  return url.startsWith(root) ? url.slice(root.length) : url;
}

const label = (frame: CallFrame) => `${frame.functionName || '(anonymous)'}  ${ownerOf(frame)}:${frame.lineNumber + 1}`;

/** Pipeline stages, matched on a frame's owner (ownerOf) and function name. */
export const stages: readonly { stage: string; owner: RegExp; fn: RegExp }[] = [
  { stage: 'idle', owner: /^\(idle\)$/, fn: /^/ },
  { stage: 'garbage collection', owner: /^\(garbage collector\)$/, fn: /^/ },
  { stage: 'start-up (module loading, tsx)', owner: /^(tsx|node:internal)$/, fn: /^(Module\._load|compileSourceTextModule|waitForWorker|makeSyncRequest|load|resolve)$/ },
  { stage: 'Clearwater: decode (ingest/decode.ts)', owner: /^ingest\/decode\.ts$/, fn: /^decodeTelemetry$/ },
  { stage: 'Clearwater: line protocol', owner: /^network\/line-protocol\.ts$/, fn: /^telemetryLine$/ },
  { stage: 'Clearwater: rules engine', owner: /^rules\//, fn: /^evaluate$/ },
  { stage: 'spool (durable hand-off)', owner: /^ingest\/(spool|durable-sink)\.ts$/, fn: /./ },
  { stage: 'replayer and InfluxDB writer', owner: /^ingest\/(replayer|influx-writer)\.ts$/, fn: /./ },
  { stage: 'Clearwater: ingest, the rest', owner: /^ingest\/ingest\.ts$/, fn: /^accept$/ },
  { stage: 'Clearwater: broker hook, the rest', owner: /^broker\//, fn: /^/ },
  { stage: 'naive: message handler (JSON.parse, Point)', owner: /^bench\/naive-pipeline\.ts$/, fn: /^/ },
  { stage: 'InfluxDB client: HTTP requests', owner: /^(@influxdata\/influxdb-client|node:_http_client|node:_http_outgoing|node:_http_common|node:_http_agent)$/, fn: /^/ },
  { stage: 'socket writes (writev syscalls)', owner: /^\(native\)$/, fn: /^(writev|writeBuffer|writeUtf8String|writeLatin1String)$/ },
  { stage: 'mqtt.js client (naive subscriber)', owner: /^mqtt$/, fn: /^/ },
  { stage: 'aedes broker (dispatch, persistence, mqemitter, qlobber)', owner: /^(aedes|aedes-persistence|aedes-packet|mqemitter|qlobber|fastparallel|fastfall|fastseries|reusify)$/, fn: /^/ },
  { stage: 'MQTT packet parse / generate', owner: /^(mqtt-packet|bl|readable-stream)$/, fn: /^/ },
];

export interface ProfileSummary {
  totalMs: number;
  byOwner: [string, number][];
  bySelf: [string, number][];
  byTotal: [string, number][];
  byStage: [string, number][];
  /** Self time by function of the samples no stage claimed. */
  otherSelf: [string, number][];
}

const OTHER = 'other (Node streams, timers, events, …)';

function stageOf(frames: readonly CallFrame[]): string {
  // frames[0] is the leaf: the innermost matching frame decides.
  for (const frame of frames) {
    const owner = ownerOf(frame);
    const found = stages.find((s) => s.owner.test(owner) && s.fn.test(frame.functionName));
    if (found) return found.stage;
  }
  return OTHER;
}

/** Self and total time per owner and per function, ms. Pure. */
export function summarize(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const owner = new Map<string, number>();
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const stage = new Map<string, number>();
  const otherSelf = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    // timeDeltas[i] is the time before sample i; attribute the next delta to it (as DevTools does).
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node) return;
    totalMs += ms;
    add(owner, ownerOf(node.callFrame), ms);
    add(self, label(node.callFrame), ms);
    const seen = new Set<string>();
    const frames: CallFrame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame) break;
      frames.push(frame);
      const key = label(frame);
      if (!seen.has(key)) add(total, key, ms);
      seen.add(key);
    }
    const found = stageOf(frames);
    add(stage, found, ms);
    if (found === OTHER) add(otherSelf, label(node.callFrame), ms);
  });
  const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]);
  return { totalMs, byOwner: sorted(owner), bySelf: sorted(self), byTotal: sorted(total), byStage: sorted(stage), otherSelf: sorted(otherSelf) };
}

function print(title: string, rows: [string, number][], totalMs: number, top: number): void {
  console.log(`\n${title}`);
  for (const [key, ms] of rows.slice(0, top)) console.log(`${ms.toFixed(0).padStart(8)} ms ${((ms / totalMs) * 100).toFixed(1).padStart(5)} %  ${key}`);
}

async function main(): Promise<void> {
  const [file, topText] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
  const top = Number(topText ?? 25);
  const summary = summarize(JSON.parse(await readFile(file, 'utf8')) as CpuProfile);
  console.log(`${file}: ${(summary.totalMs / 1000).toFixed(1)} s sampled`);
  const busyMs = summary.totalMs - (summary.byStage.find(([s]) => s === 'idle')?.[1] ?? 0);
  console.log(`${(busyMs / 1000).toFixed(1)} s busy (not idle); stage percentages are of busy time`);
  print('time by pipeline stage', summary.byStage.filter(([s]) => s !== 'idle'), busyMs, top);
  print(`of which "${OTHER}", by function`, summary.otherSelf, busyMs, 10);
  print('self time by package / file', summary.byOwner, summary.totalMs, top);
  print('self time by function', summary.bySelf, summary.totalMs, top);
  print('total time by function (self + callees)', summary.byTotal.filter(([key]) => !key.startsWith('(root)')), summary.totalMs, top * 2);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
