/**
 * Exponential backoff with jitter, the one retry-delay formula of the project (InfluxDB write
 * retries, reconnects to an external broker, notification retries, the console's reconnects): the delay doubles per
 * failure from `minMs` up to `maxMs`, and a share `jitter` of it is drawn at random so that many
 * clients failing together do not retry in step ("full jitter" and its variants: M. Brooker,
 * "Exponential Backoff And Jitter", AWS Architecture Blog, 2015).
 *
 * Pure and without imports, so the browser console's reconnects use it too (`backoff.ts` adds
 * the configuration schema).
 */
export interface BackoffPolicy {
  /** Delay after the first failure, ms. */
  readonly minMs: number;
  /** Longest delay, ms. */
  readonly maxMs: number;
  /** 0..1: the delay is drawn from [d × (1 − jitter), d]. */
  readonly jitter: number;
}

/**
 * The wait after failure number `attempt` (1 for the first) of the same operation. `random` is
 * in [0, 1) (inject it; tests pass fixed values). Pure.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  const exponent = Math.min(Math.max(0, attempt - 1), 40);
  const ceiling = Math.min(policy.maxMs, policy.minMs * 2 ** exponent);
  return Math.round(ceiling * (1 - policy.jitter * random));
}

/** A `Retry-After` from the server wins over the backoff, but never past `maxMs`. Pure. */
export function retryDelay(attempt: number, policy: BackoffPolicy, random: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs > 0) return Math.min(retryAfterMs, policy.maxMs);
  return backoffDelay(attempt, policy, random);
}
