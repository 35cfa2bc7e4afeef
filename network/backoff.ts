/** Retry backoff: the formula (`backoff-delay.ts`) and its configuration schema. */
import { z } from 'zod';

export { backoffDelay, retryDelay, type BackoffPolicy } from './backoff-delay.ts';

export const backoffSchema = z.object({
  minMs: z.number().int().positive().describe('Delay after the first failure, ms; doubles per further failure'),
  maxMs: z.number().int().positive().describe('Longest delay, ms'),
  jitter: z.number().min(0).max(1).describe('Share of a delay drawn at random: the delay lies in [d × (1 − jitter), d]'),
});
