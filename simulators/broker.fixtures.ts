/**
 * A bare Aedes broker over TCP on an ephemeral port of 127.0.0.1, for tests of devices against a
 * real broker (no authentication unless the test sets `broker.authenticate`; no Clearwater).
 */
import { Aedes, type AedesOptions } from 'aedes';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';

export interface TestBroker {
  readonly broker: Aedes;
  /** mqtt://127.0.0.1:<port> */
  readonly url: string;
  close(): Promise<void>;
}

export async function startTestBroker(options?: AedesOptions): Promise<TestBroker> {
  const broker = await Aedes.createBroker(options);
  const server = createServer(broker.handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    broker,
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
