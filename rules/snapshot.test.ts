import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thresholdSchema } from './kinds/threshold.ts';
import { decodeSnapshot, encodeSnapshot, loadSnapshot, ruleHash, saveSnapshot, usableStates, type EngineSnapshot } from './snapshot.ts';

const rule = thresholdSchema.parse({ id: 'tap-turbidity', title: 'T', titleZh: '标题', source: 'GB 5749-2022 Table 1', kind: 'threshold', metric: 'turbidity', direction: 'above', warning: 1, for: '2m' });
const pending = { phase: 'pending', lastTs: 1_000, since: 500 };
const snapshot: EngineSnapshot = {
  version: 1,
  savedAt: 2_000,
  fingerprints: [
    { fingerprint: 'tap-turbidity/tongmen-tap', ruleId: 'tap-turbidity', ruleHash: ruleHash(rule), firing: false, state: pending },
    { fingerprint: 'gone/tongmen-tap', ruleId: 'gone', ruleHash: 'x', firing: false, state: {} },
  ],
};

describe('engine snapshots', () => {
  it('round-trips what JSON cannot: Maps and -Infinity', () => {
    const state = { lastTs: Number.NEGATIVE_INFINITY, windows: new Map([['pressure', [1, 2]]]) };
    const decoded = decodeSnapshot(encodeSnapshot({ ...snapshot, fingerprints: [{ ...snapshot.fingerprints[0]!, state }] }));
    expect(decoded?.fingerprints[0]?.state).toEqual(state);
  });

  it('refuses bytes that are not a snapshot', () => {
    expect(decodeSnapshot(Buffer.from('not v8 at all'))).toBeUndefined();
    expect(decodeSnapshot(encodeSnapshot({ ...snapshot, version: 2 as 1 }))).toBeUndefined();
  });

  it('keeps states of unchanged rules, drops those of edited or removed rules', () => {
    expect(usableStates(snapshot, [rule])).toMatchObject({ dropped: 1, states: new Map([['tap-turbidity/tongmen-tap', expect.objectContaining({ state: pending })]]) });
    const edited = { ...rule, warning: 2 };
    expect(usableStates(snapshot, [edited]).states.size).toBe(0);
  });

  describe('on disk', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'clearwater-snapshot-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('saves and loads; tells a missing file from a corrupt one', async () => {
      const path = join(dir, 'rules-state.bin');
      expect(await loadSnapshot(path)).toEqual({ ok: false, reason: 'missing' });
      await saveSnapshot(path, snapshot);
      expect(await loadSnapshot(path)).toEqual({ ok: true, snapshot });
      await writeFile(path, 'garbage');
      expect(await loadSnapshot(path)).toEqual({ ok: false, reason: 'corrupt' });
    });
  });
});
