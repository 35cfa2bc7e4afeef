/** The broker's configuration (`broker:` in clearwater.yaml), parsed once at start-up. */
import { z } from 'zod';
import { limitsShape } from './limits.ts';
import { tlsListenerSchema, wsListenerSchema } from './listeners.ts';
import { credentialCacheSchema } from './credential-cache.ts';
import { loginThrottleSchema } from './login-throttle.ts';
import { passwordChecksSchema } from './password-checks.ts';
import { packetLimitsShape } from './packet-size-guard.ts';
import { rateLimitSchema } from './token-bucket.ts';

export const brokerSchema = z
  .object({
    host: z.string().default('127.0.0.1').describe('Address the MQTT listeners bind; 0.0.0.0 for devices on the network'),
    port: z.number().int().min(0).max(65_535).default(1883).describe('MQTT TCP port; 0 picks a free one'),
    tls: tlsListenerSchema.optional(),
    ws: wsListenerSchema.optional(),
    observers: z
      .array(
        z.object({
          username: z.string().min(1).describe('User name the observer logs in with; a catalog device of the same id is checked first'),
          passwordHash: z.string().regex(/^scrypt\$/).describe('scrypt hash of its password (`clearwater catalog hash-password`)'),
        }),
      )
      .default([])
      .describe('Read-only accounts (dashboards, an external ingest): may subscribe anywhere, publish nothing'),
    connectTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe(
        'Time a socket has to finish its TLS handshake, and then to send a whole CONNECT, ms. 10 s: the CONNECT is the first thing a client sends, and 10 s leave a cellular link room for TCP retransmissions (RFC 6298: after 1 s, then 2 s, 4 s), while a socket that never logs in frees its slot three times sooner than the 30 s before. Raise it for links slower than that (NB-IoT at the edge of coverage)',
      ),
    ...limitsShape,
    ...packetLimitsShape,
    rateLimit: rateLimitSchema.prefault({}).describe('Per-device publish rate limit (token bucket): excess publishes are held back, then refused'),
    loginThrottle: loginThrottleSchema.prefault({}).describe('After repeated failed logins, refuse further attempts without checking the password'),
    credentialCache: credentialCacheSchema.prefault({}),
    passwordChecks: passwordChecksSchema.prefault({}),
  })
  .refine((broker) => broker.maxConnectPacketBytes <= broker.maxPacketBytes, { message: 'maxConnectPacketBytes is larger than maxPacketBytes', path: ['maxConnectPacketBytes'] });
export type BrokerConfig = z.infer<typeof brokerSchema>;
