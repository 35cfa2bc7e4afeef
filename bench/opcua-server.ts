/**
 * The OPC UA server of `npm run bench:opcua`, in a process of its own so its CPU is not the
 * client's: ITEMS AnalogItems (NTU, EURange 0-10) under Objects/bench, each given a new value
 * every second with the wall-clock source timestamp. Prints `ready <endpoint>` once listening.
 *   node --import tsx bench/opcua-server.ts ITEMS PKI_DIR
 */
import { join } from 'node:path';
import { DataType, OPCUACertificateManager, OPCUAServer, StatusCodes, type UAVariable } from 'node-opcua';
import { units } from '../simulators/plant/address-space.ts';

const items = Number(process.argv[2] ?? 2000);
const pkiDir = process.argv[3] ?? 'bench/tmp/opcua-pki';
const certificateManager = new OPCUACertificateManager({ rootFolder: join(pkiDir, 'server'), automaticallyAcceptUnknownCertificate: true });
await certificateManager.initialize();
const server = new OPCUAServer({
  port: 0,
  hostname: '127.0.0.1',
  serverCertificateManager: certificateManager,
  serverCapabilities: { operationLimits: { maxMonitoredItemsPerCall: 1000 }, maxMonitoredItems: 1_000_000, maxMonitoredItemsPerSubscription: 1_000_000 },
  // The server's own namespace (ns=1) is its applicationUri: registering that URI gives ns=1, as the plant does.
  serverInfo: { applicationUri: 'urn:clearwater:bench' },
  disableDiscovery: true,
  isAuditing: false,
});
await server.initialize();
const namespace = server.engine.addressSpace!.registerNamespace('urn:clearwater:bench');
const folder = namespace.addObject({ organizedBy: server.engine.addressSpace!.rootFolder.objects, browseName: 'bench', nodeId: 's=bench' });
const variables: UAVariable[] = [];
for (let i = 0; i < items; i++) {
  variables.push(namespace.addAnalogDataItem({ componentOf: folder, browseName: `T${i}`, nodeId: `s=bench.T${i}`, dataType: 'Double', engineeringUnitsRange: { low: 0, high: 10 }, engineeringUnits: units.ntu, minimumSamplingInterval: 100, value: { dataType: DataType.Double, value: 0.1 } }));
}
let tick = 0;
const update = () => {
  tick += 1;
  const at = new Date();
  variables.forEach((v, i) => v.setValueFromSource({ dataType: DataType.Double, value: 0.1 + ((tick + i) % 50) / 1000 }, StatusCodes.Good, at));
};
update();
await server.start();
setInterval(update, 1000);
process.stdout.write(`ready ${server.getEndpointUrl()}\n`);
process.on('SIGTERM', () => void server.shutdown(0).then(() => process.exit(0)));
