/**
 * Finding the lines InfluxDB refuses for good in a batch it refused: write the halves, halve a
 * refused half again, down to single lines. The replayer (spool → InfluxDB) and
 * `clearwater deadletters resubmit` both use it.
 *
 * - Parts are written in order, left before right, so what is settled (written or refused) is
 *   always a prefix of the lines.
 * - A transient failure (InfluxDB down, 5xx, 401, 404; write-errors.ts) stops the halving at
 *   once: nothing is retried here, and the lines from the failed part on are returned unsettled
 *   for the caller to retry (the replayer with its backoff) or to give up (the CLI).
 * - Cost: a batch of n lines with r refused takes at most about 2·r·log2(n) + 1 requests.
 */
import { isPermanentWriteFailure, writeFailureOf, type WriteFailure } from './write-errors.ts';

export interface RefusedLine {
  readonly line: string;
  /** The failure of the request that held this line alone. */
  readonly failure: WriteFailure;
}

export interface BisectResult {
  /** Lines InfluxDB acknowledged. */
  readonly written: number;
  /** Lines refused for good, in the order of `lines`. */
  readonly refused: readonly RefusedLine[];
  /** Lines not settled because a write failed transiently: a suffix of `lines`; empty when all are settled. */
  readonly unsettled: readonly string[];
  /** The transient failure that stopped the halving. */
  readonly transient?: WriteFailure | undefined;
  /** Write requests made, and how many of them failed (for the caller's stats). */
  readonly requests: number;
  readonly failedRequests: number;
}

export interface BisectOptions {
  /** `lines` were already written as one request and refused for good with this: start by halving. */
  readonly refusedWith?: WriteFailure | undefined;
  /** Which failures are for good; default `isPermanentWriteFailure`. */
  readonly isPermanent?: ((failure: WriteFailure) => boolean) | undefined;
}

/** Writes `lines` with `write` (one request per call, rejects with the client's error), halving what is refused for good. */
export async function bisect(lines: readonly string[], write: (lines: readonly string[]) => Promise<void>, options: BisectOptions = {}): Promise<BisectResult> {
  const isPermanent = options.isPermanent ?? isPermanentWriteFailure;
  const refused: RefusedLine[] = [];
  let written = 0;
  let requests = 0;
  let failedRequests = 0;
  // Parts still to write, the next one last: popping takes them in the order of `lines`.
  const stack: (readonly string[])[] = [];
  const settleRefused = (part: readonly string[], failure: WriteFailure) => {
    if (part.length === 1) return void refused.push({ line: part[0]!, failure });
    const half = Math.ceil(part.length / 2);
    stack.push(part.slice(half), part.slice(0, half));
  };
  if (options.refusedWith && lines.length > 0) settleRefused(lines, options.refusedWith);
  else if (lines.length > 0) stack.push(lines);
  for (let part = stack.pop(); part; part = stack.pop()) {
    requests += 1;
    try {
      await write(part);
      written += part.length;
    } catch (error) {
      failedRequests += 1;
      const failure = writeFailureOf(error);
      if (!isPermanent(failure)) {
        const unsettled = [...part, ...stack.reverse().flat()];
        return { written, refused, unsettled, transient: failure, requests, failedRequests };
      }
      settleRefused(part, failure);
    }
  }
  return { written, refused, unsettled: [], requests, failedRequests };
}
