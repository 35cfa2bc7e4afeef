import { describe, expect, it } from 'vitest';
import { PasswordCheckQueue, passwordChecksSchema } from './password-checks.ts';

/** A check that finishes when the test says so. */
function gated() {
  let open!: (ok: boolean) => void;
  const done = new Promise<boolean>((resolve) => (open = resolve));
  return { check: () => done, open: (ok = true) => open(ok) };
}

describe('PasswordCheckQueue', () => {
  it('runs maxConcurrent at once, queues maxQueued, and refuses the next with the counts', async () => {
    const queue = new PasswordCheckQueue(passwordChecksSchema.parse({ maxConcurrent: 2, maxQueued: 1 }));
    const checks = [gated(), gated(), gated()];
    const started: number[] = [];
    const runs = checks.map((g, i) => queue.run(() => (started.push(i), g.check())));
    expect(started).toEqual([0, 1]);
    expect(queue.load()).toEqual({ running: 2, queued: 1 });
    await expect(queue.run(async () => true)).resolves.toEqual({ ran: false, reason: 'queue_full', queued: 1, running: 2 });
    checks[0]?.open();
    await expect(runs[0]).resolves.toEqual({ ran: true, value: true });
    expect(started).toEqual([0, 1, 2]);
    checks[1]?.open(false);
    checks[2]?.open();
    await expect(Promise.all(runs.slice(1))).resolves.toEqual([
      { ran: true, value: false },
      { ran: true, value: true },
    ]);
    expect(queue.load()).toEqual({ running: 0, queued: 0 });
  });

  it('skips a waiting check whose client left, and runs the next', async () => {
    const queue = new PasswordCheckQueue(passwordChecksSchema.parse({ maxConcurrent: 1, maxQueued: 5 }));
    const first = gated();
    const ran: string[] = [];
    const a = queue.run(() => (ran.push('a'), first.check()));
    const b = queue.run(async () => (ran.push('b'), true), () => true);
    const c = queue.run(async () => (ran.push('c'), true));
    first.open();
    await expect(Promise.all([a, b, c])).resolves.toEqual([
      { ran: true, value: true },
      { ran: false, reason: 'abandoned' },
      { ran: true, value: true },
    ]);
    expect(ran).toEqual(['a', 'c']);
  });

  it('reports its load to the listener', async () => {
    const loads: string[] = [];
    const queue = new PasswordCheckQueue(passwordChecksSchema.parse({ maxConcurrent: 1, maxQueued: 5 }), ({ running, queued }) => loads.push(`${running}/${queued}`));
    const first = gated();
    const a = queue.run(first.check);
    const b = queue.run(async () => true);
    first.open();
    await Promise.all([a, b]);
    expect(loads.at(-1)).toBe('0/0');
    expect(loads).toContain('1/1');
  });
});
