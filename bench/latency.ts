/**
 * Latency samples, kept whole (a million doubles is 8 MB) and sorted once at the end, so the
 * percentiles are exact rather than bucketed.
 */
export class LatencyRecorder {
  private samples = new Float64Array(1 << 16);
  private length = 0;

  record(ms: number): void {
    if (this.length === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.length++] = ms;
  }

  get count(): number {
    return this.length;
  }

  /** p50, p99 and max in ms (NaN when nothing was recorded). */
  summary(): { p50: number; p99: number; max: number; count: number } {
    const sorted = this.samples.subarray(0, this.length).sort();
    const at = (q: number) => (sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN));
    return { p50: at(0.5), p99: at(0.99), max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] ?? Number.NaN), count: sorted.length };
  }
}
