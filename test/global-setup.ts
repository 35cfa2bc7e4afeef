/**
 * One private influxd (Debian's influxdb 1.6.7, installed when missing) for the whole test run,
 * unless INFLUX_URL points at one already. Tests read its URL with `inject('influxUrl')` and use
 * a database of their own.
 */
import type { TestProject } from 'vitest/node';
import { startLocalInfluxd } from '../app/local-influxd.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    influxUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.INFLUX_URL;
  if (given) {
    project.provide('influxUrl', given);
    return async () => {};
  }
  const influxd = await startLocalInfluxd();
  project.provide('influxUrl', influxd.url);
  return () => influxd.stop();
}
