import { describe, expect, it } from 'vitest';
import { ZoneSignals } from './zone-signals.ts';

const MIN = 60_000;
const known = new Set(['main-drop', 'tap-drop', 'yellow', 'quiet']);
/** `main-drop` listens to itself and `tap-drop` for 5 min; `yellow` to `tap-drop` for 30 min: kept 60 min. */
const listeners = [
  { ruleId: 'main-drop', listen: { rules: ['main-drop', 'tap-drop'], withinMs: 5 * MIN } },
  { ruleId: 'yellow', listen: { rules: ['tap-drop'], withinMs: 30 * MIN } },
  { ruleId: 'quiet', listen: undefined },
];

const spell = (signals: readonly { ruleId: string; site: string; at: number }[]) => signals.map((s) => `${s.ruleId}@${s.site}:${s.at / MIN}`).sort();

describe('ZoneSignals', () => {
  it('keeps onsets of listened rules per zone, and nothing else', () => {
    const zones = new ZoneSignals(listeners, known);
    zones.record('main-drop', 'north', 'main-a', 1 * MIN);
    zones.record('tap-drop', 'north', 'tap-b', 2 * MIN);
    zones.record('tap-drop', 'south', 'tap-s', 2 * MIN);
    zones.record('quiet', 'north', 'main-a', 2 * MIN); // nobody listens to `quiet`
    expect(spell(zones.recent('north', ['main-drop', 'tap-drop']))).toEqual(['main-drop@main-a:1', 'tap-drop@tap-b:2']);
    expect(spell(zones.recent('north', ['tap-drop']))).toEqual(['tap-drop@tap-b:2']);
    expect(spell(zones.recent('south', ['main-drop', 'tap-drop']))).toEqual(['tap-drop@tap-s:2']);
    expect(zones.recent('east', ['tap-drop'])).toEqual([]);
    expect([zones.listensTo('tap-drop'), zones.listensTo('quiet'), zones.recorded, zones.size()]).toEqual([true, false, 3, 3]);
  });

  it('keeps twice the longest window behind the newest onset, and drops what arrives older', () => {
    const zones = new ZoneSignals(listeners, known);
    expect(zones.horizonMs).toBe(60 * MIN);
    zones.record('tap-drop', 'north', 'tap-a', 0);
    zones.record('tap-drop', 'north', 'tap-b', 50 * MIN);
    expect(zones.size()).toBe(2);
    zones.record('tap-drop', 'north', 'tap-c', 70 * MIN); // tap-a's onset is now 70 min behind: gone
    expect(spell(zones.recent('north', ['tap-drop']))).toEqual(['tap-drop@tap-b:50', 'tap-drop@tap-c:70']);
    zones.record('tap-drop', 'north', 'tap-d', 5 * MIN); // a late batch, older than the horizon
    expect([zones.size(), zones.dropped]).toEqual([2, 1]);
    zones.record('tap-drop', 'north', 'tap-d', 40 * MIN); // late, but inside it: kept
    expect(zones.size()).toBe(3);
  });

  it('keeps at most 8 onsets per site, ignores repeats', () => {
    const zones = new ZoneSignals(listeners, known);
    for (let minute = 0; minute < 20; minute++) zones.record('tap-drop', 'north', 'tap-a', minute * MIN);
    zones.record('tap-drop', 'north', 'tap-a', 19 * MIN);
    expect(spell(zones.recent('north', ['tap-drop']))).toEqual([12, 13, 14, 15, 16, 17, 18, 19].map((m) => `tap-drop@tap-a:${m}`));
    expect(zones.recorded).toBe(20);
  });

  it('refuses to listen to a rule that is not loaded', () => {
    expect(() => new ZoneSignals([{ ruleId: 'yellow', listen: { rules: ['tap-dorp'], withinMs: MIN } }], known)).toThrow('rule "yellow" listens to rule "tap-dorp", which is not loaded');
  });
});
