import { describe, expect, it } from 'vitest';
import type { TruthRecord } from '../../network/truth.ts';
import { mostInWindow, scoreTruth, type ScoredTicket } from './truth-score.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 1, 0, 0);

const incident = (over: Partial<TruthRecord> & Pick<TruthRecord, 'kind'>): TruthRecord => ({
  name: `${over.kind}@x`,
  startMs: T0,
  endMs: T0 + 60 * MIN,
  affectedSites: ['tongmen-tap'],
  affectedDevices: ['tongmen-tap-wq'],
  details: {},
  ...over,
});

let nextId = 1;
const ticket = (ruleId: string, minutes: number, over: Partial<ScoredTicket> = {}): ScoredTicket => ({
  id: nextId++,
  ruleId,
  site: 'tongmen-tap',
  device: 'tongmen-tap-wq',
  openedAt: T0 + minutes * MIN,
  ...over,
});

describe('scoreTruth', () => {
  it('detects an incident by the first ticket of a rule that detects its kind, with its delay', () => {
    const s = scoreTruth([incident({ kind: 'yellow-water' })], [ticket('tap-pressure-drop', 1), ticket('tap-yellow-water', 7), ticket('tap-turbidity', 9)]);
    expect(s.incidents).toEqual([{ name: 'yellow-water@x', kind: 'yellow-water', detected: true, delayMin: 7, ticketId: expect.any(Number) }]);
    expect(s.kinds).toEqual([{ kind: 'yellow-water', incidents: 1, detected: 1, recall: 1, medianDelayMin: 7, maxDelayMin: 7 }]);
    expect(s).toMatchObject({ tickets: 3, consequences: 1, falseTickets: 0 });
  });

  it('misses an incident whose only tickets come from rules that do not detect it, and counts those as false', () => {
    const s = scoreTruth([incident({ kind: 'device-offline' })], [ticket('tap-turbidity', 5)]);
    expect(s.kinds[0]).toMatchObject({ detected: 0, recall: 0, medianDelayMin: null });
    expect(s.falseByRule).toEqual({ 'tap-turbidity': 1 });
  });

  it('takes tickets only inside the window and at the incident\'s sites or devices', () => {
    const record = incident({ kind: 'link-loss', township: 'tongmen-town', affectedSites: ['tongmen-tap', 'tongmen-end-tap'], affectedDevices: ['tongmen-tap-wq', 'tongmen-end-tap-wq'] });
    const s = scoreTruth(
      [record],
      [
        ticket('devices-silent-together', -1), // before it started
        ticket('devices-silent-together', 95), // after the end and the 30 min grace
        ticket('devices-silent-together', 3, { site: 'dongqiao-tap', device: 'dongqiao-tap-wq' }), // elsewhere
        ticket('devices-silent-together', 4, { site: 'tongmen-end-tap', device: 'tongmen-end-tap-wq' }), // filed at a member
      ],
    );
    expect(s.incidents[0]).toMatchObject({ detected: true, delayMin: 4 });
    expect(s.falseTickets).toBe(3);
  });

  it('does not let an incident\'s township own a ticket at another of its sites', () => {
    const fault = incident({ kind: 'sensor-fault', township: 'tongmen-town', affectedSites: ['tongmen-tap'], affectedDevices: ['tongmen-tap-wq'] });
    const s = scoreTruth([fault], [ticket('turbidity-flatline', 20), ticket('tap-turbidity', 30, { site: 'tongmen-end-tap', device: 'tongmen-end-tap-wq' })]);
    expect(s.incidents[0]).toMatchObject({ detected: true, delayMin: 20 });
    expect(s.falseByRule).toEqual({ 'tap-turbidity': 1 });
  });

  it('counts every ticket of a quiet stretch as false, and gives no recall for it', () => {
    const s = scoreTruth([incident({ kind: 'quiet', endMs: T0 + 7 * 24 * 60 * MIN })], [ticket('tap-turbidity', 100), ticket('device-silent', 200)]);
    expect(s.kinds[0]).toMatchObject({ kind: 'quiet', incidents: 1, detected: 0, recall: null });
    expect(s.falseByRule).toEqual({ 'tap-turbidity': 1, 'device-silent': 1 });
  });

  it('lets any rule detect a kind it has no expectation for', () => {
    const s = scoreTruth([incident({ kind: 'something-new' })], [ticket('tap-turbidity', 2)]);
    expect(s.incidents[0]).toMatchObject({ detected: true, delayMin: 2 });
  });

  it('takes the median and worst delay over the incidents of a kind', () => {
    const records = [0, 1, 2].map((i) => incident({ kind: 'burst', name: `burst-${i}`, startMs: T0 + i * 1000 * MIN, endMs: T0 + (i * 1000 + 60) * MIN }));
    const s = scoreTruth(records, [ticket('main-pressure-drop', 2), ticket('main-pressure-drop', 1000 + 4), ticket('main-pressure-drop', 2000 + 9)]);
    expect(s.kinds[0]).toMatchObject({ incidents: 3, detected: 3, medianDelayMin: 4, maxDelayMin: 9 });
  });
});

describe('mostInWindow', () => {
  it('finds the densest 10 minutes', () => {
    expect(mostInWindow([], 10 * MIN)).toBe(0);
    expect(mostInWindow([0, 1, 2, 3].map((m) => T0 + m * MIN), 10 * MIN)).toBe(4);
    expect(mostInWindow([0, 9, 10, 19, 20].map((m) => T0 + m * MIN), 10 * MIN)).toBe(2);
  });
});
