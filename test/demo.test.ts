/**
 * `npm start` (`clearwater demo`) as a newcomer runs it: a real process on embedded defaults, the
 * plants over OPC UA, the Grafana wall written, and the yellow-water incident at Tongmen told to
 * the village administrator; Ctrl-C ends it cleanly with the tickets listed. The test waits for
 * the lines, not for a time.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/clearwater.js', import.meta.url));
let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'clearwater-demo-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

it('runs the pipeline with the plants, writes the wall, tells Tongmen\'s administrator of the yellow water, and stops on Ctrl-C', async () => {
  // The demo's data folder and wall land in a folder of the test's; HTTP on a free port.
  const demo = spawn(process.execPath, [bin, 'demo'], { cwd: folder, env: { ...process.env, CLEARWATER_DATA_DIR: join(folder, 'data'), CLEARWATER_HTTP_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const seen = (pattern: RegExp) => pattern.test(output);
  const wanted = [/treatment plants over OPC UA: north-plant opc\.tcp:/, /Grafana wall: 5 dashboards in/, /dispatcher console: http:\/\/127\.0\.0\.1:\d+\//, /notified 桐门村 Tongmen 村级管理员 village administrator \(log\): 【(严重|警告)】桐门村 Tongmen .*黄水/];
  const exited = new Promise<number | null>((resolve) => demo.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const look = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (wanted.every(seen)) resolve();
    };
    demo.stdout.on('data', look);
    demo.stderr.on('data', look);
    void exited.then((code) => reject(new Error(`the demo ended (${code}) before it showed everything:\n${output.slice(-3000)}`)));
  });
  demo.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(output).toMatch(/ticket #\d+ \w+ \w+: tap-yellow-water at tongmen/);
  expect((await readdir(join(folder, 'dist', 'grafana', 'dashboards'))).sort()).toEqual(['overview.json', 'pipeline-health.json', 'plant.json', 'village.json', 'zones.json']);
}, 180_000);
