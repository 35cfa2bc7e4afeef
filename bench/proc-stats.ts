/**
 * CPU time and memory of a process, read from Linux's /proc (proc(5)):
 *   /proc/<pid>/stat    fields 14 and 15: utime, stime in clock ticks (user + system CPU time)
 *   /proc/<pid>/status  VmHWM (peak resident set size) and VmRSS, in kB
 * A benchmark samples the CPU time at the start and the end of its window; the difference over
 * the wall time is the process's CPU share (100 % = one core busy the whole time).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** sysconf(_SC_CLK_TCK); 100 on every Linux this runs on, asked once anyway. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    const answer = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim());
    ticksPerSecond = Number.isFinite(answer) && answer > 0 ? answer : 100;
  }
  return ticksPerSecond;
}

/** User + system CPU time of a process so far, seconds; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) is fields[11] and stime (15) is fields[12].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / clockTicksPerSecond();
}

export interface MemoryUsage {
  /** Peak resident set size ("high water mark"), MiB. */
  peakRssMiB: number;
  /** Resident set size now, MiB. */
  rssMiB: number;
}

/** VmHWM and VmRSS of a process; undefined once it is gone. */
export function memoryUsage(pid: number): MemoryUsage | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kB = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { peakRssMiB: kB('VmHWM') / 1024, rssMiB: kB('VmRSS') / 1024 };
}

/** A CPU-time sample of several processes at one wall-clock instant. */
export interface CpuSample {
  /** performance.now() when taken, ms. */
  readonly atMs: number;
  readonly seconds: ReadonlyMap<number, number | undefined>;
  /** machineBusySeconds() at the same instant. */
  readonly machineSeconds: number;
}

export function sampleCpu(pids: readonly number[]): CpuSample {
  return { atMs: performance.now(), seconds: new Map(pids.map((pid) => [pid, cpuSeconds(pid)])), machineSeconds: machineBusySeconds() };
}

/** Busy share of the whole machine between two samples, percent of one core. */
export function machinePercent(from: CpuSample, to: CpuSample): number {
  const wallSeconds = (to.atMs - from.atMs) / 1000;
  return wallSeconds > 0 ? ((to.machineSeconds - from.machineSeconds) / wallSeconds) * 100 : Number.NaN;
}

/** CPU share of `pid` between two samples, percent of one core; NaN when it was not running. */
export function cpuPercent(from: CpuSample, to: CpuSample, pid: number): number {
  const start = from.seconds.get(pid);
  const end = to.seconds.get(pid);
  const wallSeconds = (to.atMs - from.atMs) / 1000;
  if (start === undefined || end === undefined || wallSeconds <= 0) return Number.NaN;
  return ((end - start) / wallSeconds) * 100;
}

/** Parent pid and command name of a process, from /proc/<pid>/stat; undefined once it is gone. */
function parentAndName(pid: number): { ppid: number; name: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
    const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
    return { ppid, name };
  } catch {
    return undefined;
  }
}

/**
 * The process named `name` among `pid` and its descendants, e.g. influxd under the guardian
 * shell app/local-influxd.ts runs it in; `pid` itself when none is found.
 */
export function findProcess(pid: number, name: string): number {
  if (parentAndName(pid)?.name === name) return pid;
  const tree = new Set([pid]);
  const all = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number).sort((a, b) => a - b);
  // Children have larger pids than their parents except after pid wrap-around; two passes cover that.
  for (let pass = 0; pass < 2; pass++) {
    for (const candidate of all) {
      const info = parentAndName(candidate);
      if (!info || !tree.has(info.ppid)) continue;
      if (info.name === name) return candidate;
      tree.add(candidate);
    }
  }
  return pid;
}

/**
 * CPU time the whole machine spent busy so far (all cores; user, nice, system, irq, softirq from
 * the first line of /proc/stat), seconds. Busy time beyond the measured processes' is someone
 * else's: a figure taken while other work ran on the machine is worth less.
 */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq) / clockTicksPerSecond();
}
