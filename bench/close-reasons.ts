/**
 * The reconnect-storm bench's tally of why control-group connections closed (connection-devices.ts
 * counts them in each device process, connections.ts merges the processes'). Pure.
 */
/** Closes of one kind in the control group: how many, and when the first and last came, s after the mark. */
export interface CloseReason {
  readonly count: number;
  readonly firstS: number;
  readonly lastS: number;
}

/** Two tallies of the same close reason as one (either may be absent). Pure. */
export function mergeCloseReason(seen: CloseReason | undefined, next: CloseReason): CloseReason {
  return seen ? { count: seen.count + next.count, firstS: Math.min(seen.firstS, next.firstS), lastS: Math.max(seen.lastS, next.lastS) } : next;
}
