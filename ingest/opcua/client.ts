/**
 * An OPC UA client session for one plant: security, the client's own PKI, user identity, and a
 * bounded first connect whose failure says why in words. Used by the source and by
 * `clearwater opcua browse`.
 *
 * Reconnection is node-opcua's (client_base_impl.ts, reconnection.ts): after a lost channel it
 * retries forever with backoff, then reactivates the session on the new channel, else creates a
 * new session and transfers the subscriptions, else recreates them and their monitored items;
 * the session emits `session_restored` when done. Its `connectionStrategy.maxRetry` bounds only
 * the first connect, and must be above 0: 0 turns reconnection off (`reconnectOnFailure`).
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy, UserTokenType, type ClientSession, type UserIdentityInfo } from 'node-opcua';
import type { PlantConfig } from './config.ts';

export type ClientSettings = Pick<PlantConfig, 'endpoint' | 'securityMode' | 'securityPolicy' | 'trustAnyServer' | 'username' | 'password' | 'firstConnectRetries' | 'reconnectMinMs' | 'reconnectMaxMs' | 'sessionTimeoutMs'> & {
  /** The client's PKI folder. */
  readonly pkiDir: string;
  readonly name: string;
};

/** The first connect or session failed: the reason, worded for the log and the exit message. */
export class OpcuaConnectError extends Error {
  constructor(readonly endpoint: string, message: string) {
    super(message);
  }
}

/** Why a first connect failed, in words a plant engineer can act on. Pure. */
export function connectProblem(settings: Pick<ClientSettings, 'endpoint' | 'securityMode' | 'securityPolicy' | 'firstConnectRetries' | 'pkiDir'>, error: Error): string {
  const message = error.message;
  const attempts = `after ${settings.firstConnectRetries + 1} attempts`;
  const at = `OPC UA server ${settings.endpoint}`;
  if (/ECONNREFUSED/.test(message)) return `${at} refused the connection ${attempts} (nothing listens there: check the host and port)`;
  if (/Fail to connect to server.*certificate/.test(message)) {
    return `${at} refused the connection ${attempts}: its endpoints and certificate could not be fetched (nothing listens there, or it offers no SecurityPolicy None channel for GetEndpoints: check the host, port and server settings)`;
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return `${at}: the host name does not resolve`;
  if (/BadSecurityChecksFailed|BadCertificate/.test(message)) {
    return `${at} refused the client certificate (${message.split('\n')[0]}): the server does not trust it. Copy ${join(settings.pkiDir, 'own/certs')}/*.pem into the server's trusted folder (or trust it in the server's PKI), then restart`;
  }
  if (/BadIdentityTokenRejected|BadUserAccessDenied|BadIdentityTokenInvalid/.test(message)) return `${at} refused the user name or password (${message.split('\n')[0]})`;
  if (/BadSecurityPolicyRejected|BadSecurityModeRejected|cannot find endpoint|No endpoint/i.test(message)) {
    return `${at} offers no endpoint with security ${settings.securityMode} / ${settings.securityPolicy} (${message.split('\n')[0]}): see \`clearwater opcua browse ${settings.endpoint} --security-mode None\``;
  }
  return `${at}: cannot connect ${attempts}: ${message.split('\n')[0]}`;
}

export function createClient(settings: ClientSettings): OPCUAClient {
  const clientCertificateManager = new OPCUACertificateManager({ rootFolder: settings.pkiDir, automaticallyAcceptUnknownCertificate: settings.trustAnyServer });
  return OPCUAClient.create({
    applicationName: 'Clearwater',
    applicationUri: `urn:${hostname()}:clearwater`,
    clientName: `clearwater-${settings.name}`,
    clientCertificateManager,
    securityMode: MessageSecurityMode[settings.securityMode],
    securityPolicy: SecurityPolicy[settings.securityPolicy],
    // The proxies and NAT in front of PLCs advertise other host names than the one dialled.
    endpointMustExist: false,
    keepSessionAlive: true,
    requestedSessionTimeout: settings.sessionTimeoutMs,
    connectionStrategy: { maxRetry: Math.max(1, settings.firstConnectRetries), initialDelay: settings.reconnectMinMs, maxDelay: settings.reconnectMaxMs },
  });
}

export function userIdentity(settings: Pick<ClientSettings, 'username' | 'password'>): UserIdentityInfo {
  return settings.username === undefined ? { type: UserTokenType.Anonymous } : { type: UserTokenType.UserName, userName: settings.username, password: settings.password ?? '' };
}

/** Connects (bounded retry) and opens a session; throws OpcuaConnectError with the reason. */
export async function openSession(client: OPCUAClient, settings: ClientSettings): Promise<ClientSession> {
  try {
    await client.connect(settings.endpoint);
  } catch (error) {
    await client.disconnect().catch(() => {});
    throw new OpcuaConnectError(settings.endpoint, connectProblem(settings, error as Error));
  }
  try {
    return await client.createSession(userIdentity(settings));
  } catch (error) {
    await client.disconnect().catch(() => {});
    throw new OpcuaConnectError(settings.endpoint, connectProblem(settings, error as Error));
  }
}
