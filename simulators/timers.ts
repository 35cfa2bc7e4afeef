/**
 * Timers for simulated schedules. Node clamps a delay above 2^31−1 ms (about 24.8 days) to
 * 1 ms with a warning, so a long wait is re-armed in steps.
 */

const MAX_DELAY_MS = 2 ** 31 - 1;

export interface Timer {
  cancel(): void;
}

/** Calls `fire` when the wall clock `now()` reaches `atRealMs` (never early by Node's timers). */
export function setTimerAt(atRealMs: number, now: () => number, fire: () => void): Timer {
  let handle: NodeJS.Timeout | undefined;
  const arm = () => {
    const delay = atRealMs - now();
    if (delay <= 0) {
      handle = setTimeout(fire, 0);
      return;
    }
    handle = setTimeout(delay > MAX_DELAY_MS ? arm : fire, Math.min(Math.ceil(delay), MAX_DELAY_MS));
  };
  arm();
  return { cancel: () => clearTimeout(handle) };
}

/** Resolves true when `promise` settles within `ms`, false otherwise; never rejects. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let handle: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (handle = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(handle);
  }
}
