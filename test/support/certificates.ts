/**
 * Throw-away X.509 material for TLS tests, made with the `openssl` command line at test time: a
 * CA, a server certificate it signed for 127.0.0.1 and localhost, a client certificate it signed,
 * and a second, unrelated CA that nobody should trust.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificates {
  readonly dir: string;
  /** PEM file paths, for the broker config. */
  readonly files: { caCert: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string };
  /** PEM contents, for the clients. */
  readonly ca: Buffer;
  readonly otherCa: Buffer;
  readonly clientCert: Buffer;
  readonly clientKey: Buffer;
  /** A client certificate signed by the unrelated CA. */
  readonly strangerCert: Buffer;
  readonly strangerKey: Buffer;
  remove(): Promise<void>;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function makeCa(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await run('openssl', ['req', '-x509', ...EC_KEY, '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=Clearwater test ${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { cert, key };
}

async function issue(dir: string, name: string, ca: { cert: string; key: string }, extensions: string): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`);
  const request = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const extfile = join(dir, `${name}.ext`);
  await writeFile(extfile, extensions);
  await run('openssl', ['req', ...EC_KEY, '-keyout', key, '-out', request, '-subj', `/CN=${name}`]);
  await run('openssl', ['x509', '-req', '-in', request, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', extfile]);
  return { cert, key };
}

export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'clearwater-tls-'));
  const ca = await makeCa(dir, 'ca');
  const other = await makeCa(dir, 'other-ca');
  const server = await issue(dir, 'server', ca, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  const client = await issue(dir, 'tongmen-tap-wq', ca, 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  const stranger = await issue(dir, 'stranger', other, 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  const read = (path: string) => readFile(path);
  return {
    dir,
    files: { caCert: ca.cert, serverCert: server.cert, serverKey: server.key, clientCert: client.cert, clientKey: client.key },
    ca: await read(ca.cert),
    otherCa: await read(other.cert),
    clientCert: await read(client.cert),
    clientKey: await read(client.key),
    strangerCert: await read(stranger.cert),
    strangerKey: await read(stranger.key),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
