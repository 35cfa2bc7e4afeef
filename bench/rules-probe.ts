/**
 * The latency probe (child of bench/rules.ts, protocol in rules-probe-protocol.ts): mqtt.js
 * devices of the catalog (village tap stations, logged in with their credentials) that publish
 * readings crossing a rule at `probeRate` a second, round robin over targets and devices.
 *
 * A probe targets one threshold rule at one tap site:
 * - with `for: 0` (the bench pack's rule): one reading at 8 NTU opens the ticket;
 * - with `for` > 0 (tap-water's tap-turbidity): a first reading at 8 NTU stamped `for` + 1 s
 *   earlier in event time, then the one that completes the condition; the latency runs from that
 *   second publish.
 * Then a reading at 0.2 NTU resolves it. The ticket is known by fingerprint and opening time
 * (= the completing reading's event time). Each probe of a device is stamped 2 h of event time
 * after its previous one, starting 20 days back (ingest keeps 30 days), so every probe opens a
 * new ticket whatever the ticket policy does with conditions that come back within the hour
 * (reopen, flapping), and its one-reading peaks are never 3 within an hour, which sensor-health's
 * turbidity-bubble-spikes would take for a bubbling sensor and withhold its turbidity.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { telemetryTopic } from '../network/topic.ts';
import { fingerprintOf } from '../rules/tickets/ticket.ts';
import { deviceLogin } from '../simulators/device-login.ts';
import type { BenchDevice } from './bench-catalog.ts';
import { probeKey, wallClockMs, type ProbeChildMessage, type ProbeParentMessage, type ProbeSent, type ProbeSettings, type ProbeTarget } from './rules-probe-protocol.ts';

const CYCLE_MS = 2 * 3_600_000;
const FIRST_PROBE_AGE_MS = 20 * 86_400_000;
const CROSSING_NTU = 8;
const CLEAR_NTU = 0.2;

interface ProbeDevice {
  readonly target: ProbeTarget;
  readonly device: BenchDevice;
  readonly client: MqttClient;
  readonly topic: string;
  cycle: number;
}

const settings = JSON.parse(process.argv[2] ?? '{}') as ProbeSettings;
const startTs = Date.now() - FIRST_PROBE_AGE_MS;
const sent: ProbeSent[] = [];
let recording = false;
let next = 0;

const tell = (message: ProbeChildMessage, then?: () => void) => (process.send ? process.send(message, undefined, {}, () => then?.()) : then?.());

function connect(target: ProbeTarget, device: BenchDevice): Promise<ProbeDevice> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(settings.url, { ...deviceLogin(device), reconnectPeriod: 0, connectTimeout: 30_000 });
    client.once('connect', () => resolve({ target, device, client, topic: telemetryTopic(device.site, device.id), cycle: 0 }));
    client.once('error', (error) => reject(new Error(`probe ${device.id}: ${error.message}`)));
  });
}

/** Sends the next probe: its readings, and the record of when the completing one left. */
function fire(devices: readonly ProbeDevice[]): void {
  const probe = devices[next++ % devices.length];
  if (!probe) return;
  const { target, device, client, topic } = probe;
  const opensAt = startTs + probe.cycle++ * CYCLE_MS + (target.forMs > 0 ? target.forMs + 1000 : 0);
  const publish = (ts: number, turbidity: number) => client.publish(topic, `{"ts":${ts},"readings":{"turbidity":${turbidity}}}`, { qos: 1 });
  if (target.forMs > 0) publish(opensAt - target.forMs - 1000, CROSSING_NTU);
  const fingerprint = fingerprintOf(target.ruleId, device.site, target.subject === 'device' ? device.id : undefined);
  sent.push({ key: probeKey(fingerprint, opensAt), label: target.label, atMs: wallClockMs(), inWindow: recording });
  publish(opensAt, CROSSING_NTU);
  publish(opensAt + 1000, CLEAR_NTU);
}

async function main(): Promise<void> {
  // Take turns: device 0 of every target, then device 1 …
  const pairs = settings.targets.flatMap((target) => target.devices.map((device, i) => ({ target, device, i }))).sort((a, b) => a.i - b.i);
  const devices = await Promise.all(pairs.map(({ target, device }) => connect(target, device)));
  let timer: NodeJS.Timeout | undefined;
  process.on('message', (message: ProbeParentMessage) => {
    if (message.type === 'go') timer = setInterval(() => fire(devices), 1000 / settings.probeRate);
    else if (message.type === 'record') recording = message.on;
    else if (message.type === 'stop') {
      clearInterval(timer);
      void Promise.all(devices.map((d) => d.client.endAsync().catch(() => undefined))).then(() => tell({ type: 'sent', probes: sent }, () => process.exit(0)));
    }
  });
  tell({ type: 'connected' });
}

main().catch((error: unknown) => tell({ type: 'failed', error: error instanceof Error ? error.message : String(error) }, () => process.exit(1)));
