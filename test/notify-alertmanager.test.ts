/**
 * A utility that routes alerts through its own Prometheus Alertmanager: a whole Clearwater
 * pushes each ticket there (Debian's prometheus-alertmanager, a real process), keeps it alive
 * while the ticket is open (Alertmanager ends an alert without endsAt after its resolve_timeout
 * unless it is pushed again), and ends it when the ticket resolves.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startAlertmanager, type Alertmanager } from './support/alertmanager.ts';
import { connectDevice, eventually, startTestPipeline, type TestPipeline } from './support/pipeline.ts';
import { tapTurbidityPack } from '../rules/pack.fixtures.ts';

const PACK = tapTurbidityPack({ critical: null });

let folder: string;
let alertmanager: Alertmanager;
let pipeline: TestPipeline;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'clearwater-am-'));
  await writeFile(join(folder, 'pack.yaml'), PACK);
  alertmanager = await startAlertmanager();
  pipeline = await startTestPipeline(inject('influxUrl'), 'notify_alertmanager', {
    rulePacks: [join(folder, 'pack.yaml')],
    notify: {
      policy: { routes: [{ match: {}, channels: ['alertmanager'] }] },
      channels: { alertmanager: { url: alertmanager.url, linkBase: 'http://127.0.0.1:8080', resendEveryMs: 300 }, log: { enabled: false } },
      sender: { pollMs: 50 },
    },
  });
});

afterAll(async () => {
  await pipeline?.close();
  await alertmanager?.stop();
  await rm(folder, { recursive: true, force: true });
});

async function publish(turbidity: number): Promise<void> {
  const device = await connectDevice(pipeline.mqttUrl, 'tongmen-tap-wq');
  await device.publishAsync('water/tongmen-tap/tongmen-tap-wq/telemetry', JSON.stringify({ ts: Date.now() - 500, readings: { turbidity } }), { qos: 1 });
  await device.endAsync();
}

it('lists the ticket as an alert, keeps pushing it while open, and ends it on resolve', async () => {
  await publish(2.6);
  const [alert] = await eventually(async () => {
    const alerts = await alertmanager.alerts();
    return alerts.length > 0 ? alerts : undefined;
  }, 10_000, 'the alert in Alertmanager');
  expect(alert!.labels).toMatchObject({ alertname: 'tap-turbidity', site: 'tongmen-tap', village: 'tongmen', township: 'tongmen', severity: 'warning' });
  expect(alert!.annotations.description ?? alert!.annotations.summary).toMatch(/GB 5749-2022|2\.6/);
  // Open tickets are pushed again (resendEveryMs) so that Alertmanager does not end them.
  await eventually(async () => ((await alertmanager.received('firing')) >= 3 ? true : undefined), 10_000, 'the open ticket pushed again');

  await publish(0.3);
  await eventually(async () => ((await alertmanager.received('resolved')) >= 1 ? true : undefined), 10_000, 'the resolved alert');
  await eventually(async () => ((await alertmanager.alerts()).length === 0 ? true : undefined), 10_000, 'the alert ended');
});
