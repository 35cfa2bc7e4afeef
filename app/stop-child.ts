/**
 * Stops a child process the project started (influxd, and the benchmarks' and tests' Mosquitto
 * and Alertmanager): SIGTERM, then SIGKILL if it has not exited after `killAfterMs`; resolves once
 * it has exited. A child already gone is left alone.
 */
import type { ChildProcess } from 'node:child_process';

export async function stopChild(child: ChildProcess, killAfterMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}
