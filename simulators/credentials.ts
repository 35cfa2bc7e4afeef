/**
 * Demo credentials: the sample network's device passwords are derived from one demo secret, so
 * the simulator can log in as every device without a password file. A real catalog holds hashes
 * of passwords that only the devices know.
 */
import { createHmac } from 'node:crypto';

export const DEMO_SECRET = 'clearwater-demo';

export function derivedPassword(deviceId: string, secret: string = DEMO_SECRET): string {
  return createHmac('sha256', secret).update(deviceId).digest('base64url').slice(0, 24);
}
