/**
 * The adapter around the pure token bucket: one bucket per device (shared by all its
 * connections), and the timers that hold publishes until their token is due.
 */
import { admit, fullBucket, type Admission, type Bucket, type RateLimit } from './token-bucket.ts';

type Release = (error?: Error) => void;

export class PublishRateLimiter {
  /** Keyed by catalog device id, so bounded by the catalog. */
  private readonly buckets = new Map<string, Bucket>();
  private readonly held = new Map<NodeJS.Timeout, Release>();

  constructor(private readonly limit: RateLimit, private readonly now: () => number) {}

  /**
   * Asks for a token for one publish of `deviceId`. `release` runs at once when one is there,
   * after the wait when the publish is delayed, and never when it is refused.
   */
  admit(deviceId: string, release: Release): Admission {
    const nowMs = this.now();
    const step = admit(this.buckets.get(deviceId) ?? fullBucket(this.limit, nowMs), this.limit, nowMs);
    this.buckets.set(deviceId, step.bucket);
    const { admission } = step;
    if (admission.kind === 'now') release();
    else if (admission.kind === 'delayed') {
      const timer = setTimeout(() => {
        this.held.delete(timer);
        release();
      }, admission.waitMs);
      this.held.set(timer, release);
    }
    return admission;
  }

  /** Publishes held now. */
  get holding(): number {
    return this.held.size;
  }

  /** On stop: lets every held publish go with an error (no PUBACK; the devices send them again). */
  releaseAll(error: Error): void {
    for (const [timer, release] of this.held) {
      clearTimeout(timer);
      release(error);
    }
    this.held.clear();
  }
}
