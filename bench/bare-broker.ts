/**
 * The MQTT floor (`--only …,broker`): a bare Aedes broker that accepts every publish in
 * `authorizePublish`, the hook Clearwater hands messages to the ingest from, and does nothing
 * else: no authentication, no subscribers, no InfluxDB. Its CPU per message is what the broker
 * alone costs on this machine; a pipeline's figure above it is the pipeline's own work.
 *
 * Runs as a child of bench/throughput.ts (protocol: child-protocol.ts); `messages` counts the
 * publishes seen, nothing is written anywhere.
 */
import { Aedes } from 'aedes';
import { createServer } from 'node:net';
import { failChild, onParentMessage, tell, type PipelineStats } from './child-protocol.ts';

async function main(): Promise<void> {
  let messages = 0;
  const aedes = await Aedes.createBroker({
    authorizePublish: (_client, _packet, done) => {
      messages++;
      done(null);
    },
  });
  const server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const stats = (): PipelineStats => ({ linesWritten: 0, writeErrors: 0, messages, readings: 0, rejected: 0 });
  onParentMessage((message) => {
    if (message.type === 'stats') tell({ type: 'stats', stats: stats() });
    else if (message.type === 'stop') {
      aedes.close(() => server.close(() => tell({ type: 'stopped', stats: stats() }, () => process.exit(0))));
    }
  });
  tell({ type: 'ready', mqttPort: typeof address === 'object' && address ? address.port : 0 });
}

main().catch(failChild);
