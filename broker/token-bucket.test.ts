import { describe, expect, it } from 'vitest';
import { admit, fullBucket, rateLimitSchema, type Admission, type Bucket, type RateLimit } from './token-bucket.ts';

const limit: RateLimit = { messagesPerSecond: 10, burst: 3, maxDelayMs: 500 };

/** Runs publishes arriving at the given times through one bucket; returns what each got. */
function timeline(arrivalsMs: number[], rule: RateLimit = limit): string[] {
  let bucket: Bucket = fullBucket(rule, arrivalsMs[0] ?? 0);
  return arrivalsMs.map((at) => {
    const step = admit(bucket, rule, at);
    bucket = step.bucket;
    return describeAdmission(step.admission);
  });
}

const describeAdmission = (a: Admission) => (a.kind === 'now' ? 'now' : `${a.kind} ${a.waitMs}`);

describe('token bucket', () => {
  it.each([
    ['a burst within the bucket goes through', [0, 0, 0], ['now', 'now', 'now']],
    ['past the burst, publishes wait one interval each', [0, 0, 0, 0, 0], ['now', 'now', 'now', 'delayed 100', 'delayed 200']],
    [
      'beyond maxDelayMs a publish is refused',
      [0, 0, 0, 0, 0, 0, 0, 0, 0],
      ['now', 'now', 'now', 'delayed 100', 'delayed 200', 'delayed 300', 'delayed 400', 'delayed 500', 'refused 600'],
    ],
    ['a refused publish takes no token', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], ['now', 'now', 'now', 'delayed 100', 'delayed 200', 'delayed 300', 'delayed 400', 'delayed 500', 'refused 600', 'refused 600']],
    ['tokens come back at the sustained rate', [0, 0, 0, 100, 200, 300], ['now', 'now', 'now', 'now', 'now', 'now']],
    ['the sustained rate is the ceiling', [0, 0, 0, 50, 100], ['now', 'now', 'now', 'delayed 50', 'delayed 100']],
    ['a quiet spell refills the bucket, but never past burst', [0, 0, 0, 60_000, 60_000, 60_000, 60_000], ['now', 'now', 'now', 'now', 'now', 'now', 'delayed 100']],
    ['a device reporting every minute never waits', [0, 60_000, 120_000, 180_000], ['now', 'now', 'now', 'now']],
  ])('%s', (_name, arrivals, expected) => {
    expect(timeline(arrivals)).toEqual(expected);
  });

  it('with maxDelayMs 0 never holds a publish', () => {
    expect(timeline([0, 0, 0, 0], { ...limit, maxDelayMs: 0 })).toEqual(['now', 'now', 'now', 'refused 100']);
  });

  it('tolerates a clock that steps back', () => {
    expect(timeline([1000, 1000, 1000, 900])).toEqual(['now', 'now', 'now', 'delayed 100']);
  });

  it('has generous defaults', () => {
    expect(rateLimitSchema.parse({})).toEqual({ messagesPerSecond: 50, burst: 200, maxDelayMs: 5000 });
  });
});
