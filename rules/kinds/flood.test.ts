import { describe, expect, it } from 'vitest';
import type { Decision, GroupView } from './kind.ts';
import { flood, floodSchema, floodSummary, floodTick, initialFloodState, type FloodRule, type FloodState } from './flood.ts';

const base = { title: 'Devices silent together', titleZh: '多台设备同时离线', source: 'test fixture: operational choices', kind: 'flood', holds: ['device-silent'] } as const;
/** As the shipped pack: 10 devices and half the scope within 10 minutes; resolved when most are back. */
const together = floodSchema.parse({ ...base, id: 'together' });
const MIN = 60_000;

/** `silent[i]`: minute device d<i> went silent, or null when it talks. */
function township(silent: readonly (number | null)[]): GroupView {
  return {
    scope: 'township',
    name: '桐门镇 Tongmen township',
    devices: silent.map((minute, i) => ({ device: `d${String(i).padStart(2, '0')}`, silentSince: minute === null ? undefined : minute * MIN })),
  };
}

const talking = (n: number) => Array.from({ length: n }, () => null);
const silentAt = (minute: number, n: number) => Array.from({ length: n }, () => minute);

function spell(decision: Decision, value: number | undefined): string {
  if (decision.type === 'none') return '-';
  const at = value === undefined ? '' : `@${value}`;
  return decision.type === 'resolve' ? `resolve${at}` : `${decision.type}:${decision.severity}${at}`;
}

/** Runs ticks (minute, view) through the rule and spells each decision ("fire:warning@28" = 28 members silent). */
function run(rule: FloodRule, ticks: readonly (readonly [minute: number, view: GroupView])[], state: FloodState = initialFloodState): string[] {
  return ticks.map(([minute, view]) => {
    const evaluation = floodTick(rule, state, view, minute * MIN);
    state = evaluation.state;
    return spell(evaluation.decision, evaluation.value);
  });
}

describe('flood', () => {
  it.each([
    ['a whole township silent at once: one group', [[4, township(silentAt(3, 30))]], ['fire:warning@30']],
    ['28 of 30 silent: a group of 28', [[4, township([...silentAt(3, 28), null, null])]], ['fire:warning@28']],
    ['9 silent: fewer than minMembers, no group', [[4, township([...silentAt(3, 9), ...talking(1)])]], ['-']],
    ['12 of 30 silent: less than half the township, no group', [[4, township([...silentAt(3, 12), ...talking(18)])]], ['-']],
    ['devices silent since before the window do not count: 9 recent ones are no group', [[30, township([...silentAt(1, 15), ...silentAt(25, 9), ...talking(6)])]], ['-']],
    ['10 recent silences in a township of 20 are a group, whatever was silent before', [[30, township([...silentAt(1, 10), ...silentAt(25, 10)])]], ['fire:warning@10']],
    [
      'a group forming over two ticks as limits pass',
      [[3.5, township([...silentAt(3, 8), ...talking(12)])], [4, township([...silentAt(3, 8), ...silentAt(3.8, 12)])]],
      ['-', 'fire:warning@20'],
    ],
    [
      'later silences join; the value follows the silent members',
      [[4, township([...silentAt(3, 20), ...talking(10)])], [5, township([...silentAt(3, 20), ...silentAt(4.5, 5), ...talking(5)])], [6, township([...silentAt(3, 20), ...silentAt(4.5, 5), ...talking(5)])]],
      ['fire:warning@20', 'update:warning@25', '-'],
    ],
    [
      'most members back: resolved, the value is who stays silent',
      [[4, township(silentAt(3, 30))], [20, township([...talking(10), ...silentAt(3, 20)])], [31, township([3, ...talking(29)])]],
      ['fire:warning@30', 'update:warning@20', 'resolve@1'],
    ],
    [
      'exactly half back is not most: still open',
      [[4, township(silentAt(3, 20))], [20, township([...talking(10), ...silentAt(3, 10)])]],
      ['fire:warning@20', 'update:warning@10'],
    ],
  ] as const)('%s', (_name, ticks, expected) => {
    expect(run(together, ticks)).toEqual(expected);
  });

  it('keeps its members while open and holds nobody when quiet', () => {
    const opened = floodTick(together, initialFloodState, township([...silentAt(3, 28), null, null]), 4 * MIN);
    expect(flood.group?.members(opened.state)).toHaveLength(28);
    expect(opened.state.members[0]).toBe('d00');
    const resolved = floodTick(together, opened.state, township(talking(30)), 40 * MIN);
    expect(resolved.decision.type).toBe('resolve');
    expect(flood.group?.members(resolved.state)).toEqual([]);
    expect(resolved.note).toBe('28 of 28 devices back');
  });

  it('names the likely common cause and the members in the opening note', () => {
    const view = { ...township([...silentAt(2, 28), null, null]), timeZone: 'Asia/Shanghai' };
    const members = view.devices.slice(0, 28).map((d) => d.device);
    // 02:02 UTC is 10:02 in Beijing.
    expect(floodSummary(view, members, Date.UTC(2026, 10, 28, 2, 2))).toBe(
      `28 of 30 devices in 桐门镇 Tongmen township silent since 10:02: likely a power cut or the township's cellular link (可能停电或乡镇移动网络中断). Members: ${members.join(', ')}`,
    );
    const network: GroupView = { scope: 'network', name: 'the whole network (全网)', devices: view.devices };
    expect(floodSummary(network, members, Date.UTC(2026, 10, 28, 2, 2))).toContain('likely the broker or ingest, or the county uplink');
    const many = Array.from({ length: 60 }, (_, i) => `d${i}`);
    expect(floodSummary({ ...network, devices: many.map((device) => ({ device, silentSince: 0 })) }, many, 0)).toMatch(/d49 and 10 more$/);
  });

  it('members still silent when it resolves stay held for `linger`, then each is on its own', () => {
    const opened = floodTick(together, initialFloodState, township(silentAt(3, 30)), 4 * MIN).state;
    const resolved = floodTick(together, opened, township([3, 3, ...talking(28)]), 31 * MIN);
    expect(resolved.note).toBe('28 of 30 devices back; still silent, each to its own ticket unless back within 5m: d00, d01');
    expect(flood.group?.members(resolved.state)).toEqual(['d00', 'd01']);
    // d01 reconnects a minute later: let go; d00 is still held until the linger ends.
    const later = floodTick(together, resolved.state, township([3, ...talking(29)]), 32 * MIN);
    expect([later.decision.type, flood.group?.members(later.state)]).toEqual(['none', ['d00']]);
    const over = floodTick(together, later.state, township([3, ...talking(29)]), 36 * MIN);
    expect([over.decision.type, flood.group?.members(over.state)]).toEqual(['none', []]);
  });

  it('resumed from its ticket without members: adopts the scope\'s silent devices, or resolves after a window', () => {
    const resumed = flood.resume(together, 'warning', { openedAt: 4 * MIN, firstValue: 30, lastValue: 30, peakValue: 30 });
    expect(run(together, [[60, township(silentAt(59, 30))], [61, township(silentAt(59, 30))]], resumed)).toEqual(['update:warning@30', '-']);
    expect(run(together, [[60, township(talking(30))], [65, township(talking(30))], [71, township(talking(30))]], resumed)).toEqual(['-', '-', 'resolve@0']);
  });

  it('a township reaching its share while the rest of the network falls silent too waits for the network group, until `settle`', () => {
    const rest = (silentRest: number) => [...silentAt(3, silentRest), ...talking(40 - silentRest)].map((minute, i) => ({ device: `r${i}`, silentSince: minute === null ? undefined : minute * MIN }));
    const dark = township(silentAt(3.5, 20));
    const network = (silentRest: number): GroupView => ({ scope: 'network', name: 'the whole network (全网)', devices: [...dark.devices, ...rest(silentRest)] });
    // 15 of the other 40 silent too (more than a quarter of minShare): wait, 30 s after the first silence.
    expect(run(together, [[4, { ...dark, wider: network(15) }]])).toEqual(['-']);
    // ... but not past `settle` (45 s) after the first silence: the township opens.
    expect(run(together, [[4.5, { ...dark, wider: network(15) }]])).toEqual(['fire:warning@20']);
    // 4 of the other 40 (a quarter of minShare is 5): a local cut, opens at once.
    expect(run(together, [[4, { ...dark, wider: network(4) }]])).toEqual(['fire:warning@20']);
  });

  it('judges scopes widest first and answers by scope: township officials, county dispatch', () => {
    expect(flood.group?.scopes(floodSchema.parse({ ...base, id: 's', scopes: ['township', 'network'] }))).toEqual(['network', 'township']);
    expect(flood.group?.tierOf(together, 'township')).toBe('township');
    expect(flood.group?.tierOf(together, 'network')).toBe('county');
    expect(flood.group?.holds(together)).toEqual(['device-silent']);
  });

  it('shows its defaults and refuses what cannot work', () => {
    expect(together).toMatchObject({ scopes: ['network', 'township'], window: 10 * MIN, settle: 45_000, minMembers: 10, minShare: 0.5, recovered: 0.5, linger: 5 * MIN, severity: 'warning', answer: { township: 'township', zone: 'township', network: 'county' } });
    expect(floodSchema.safeParse({ ...base, id: 's', holds: [] }).success).toBe(false);
    expect(floodSchema.safeParse({ ...base, id: 's', minMembers: 1 }).success).toBe(false);
    expect(floodSchema.safeParse({ ...base, id: 's', minShare: 0 }).success).toBe(false);
    expect(floodSchema.safeParse({ ...base, id: 's', recovered: 1 }).success).toBe(false);
    expect(floodSchema.safeParse({ ...base, id: 's', scopes: ['county'] }).success).toBe(false);
    expect(floodSchema.safeParse({ ...base, id: 's', answer: { network: 'village' } }).success).toBe(false);
  });
});
