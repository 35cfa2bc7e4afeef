import { StatusCodes } from 'node-opcua';
import { describe, expect, it } from 'vitest';
import { itemOutcome, readingTime, telemetryMessages, type MappedItem } from './readings.ts';
import { acceptedStatusCodes, classifyStatus } from './status.ts';

const item: MappedItem = { site: 'north-plant', device: 'north-plant-turb', metric: 'turbidity', node: 'ns=1;s=north-plant.Outlet.Turbidity', unit: 'NTU' };

describe('classifyStatus', () => {
  it.each([
    ['Good', StatusCodes.Good.value, 'good'],
    ['GoodLocalOverride', StatusCodes.GoodLocalOverride.value, 'good'],
    ['UncertainLastUsableValue', StatusCodes.UncertainLastUsableValue.value, 'uncertain'],
    ['BadSensorFailure', StatusCodes.BadSensorFailure.value, 'bad'],
    ['BadNodeIdUnknown', StatusCodes.BadNodeIdUnknown.value, 'gone'],
    ['BadNodeIdInvalid', StatusCodes.BadNodeIdInvalid.value, 'gone'],
    ['Good with the overflow info bit', (StatusCodes.Good.value | 0x480) >>> 0, 'good'],
  ])('%s is %s', (_name, code, quality) => expect(classifyStatus(code, new Set())).toBe(quality));

  it('takes configured codes as Good, by name or number', () => {
    const { codes, unknown } = acceptedStatusCodes(['UncertainSensorNotAccurate', 0x808b0000, 'BadNoSuchCode']);
    expect(unknown).toEqual(['BadNoSuchCode']);
    expect(classifyStatus(StatusCodes.UncertainSensorNotAccurate.value, codes)).toBe('good');
    expect(classifyStatus(0x808b0000, codes)).toBe('good');
  });
});

describe('readingTime', () => {
  it.each([
    ['source', { sourceMs: 1, serverMs: 2 }, 1],
    ['source', { serverMs: 2 }, 2],
    ['server', { sourceMs: 1, serverMs: 2 }, 2],
    ['server', { sourceMs: 1 }, 1],
    ['source', {}, 99],
  ] as const)('%s policy with %j takes %d', (policy, value, expected) => expect(readingTime(value, policy, 99)).toBe(expected));
});

describe('itemOutcome and telemetryMessages', () => {
  it('turns a Bad value into a dead letter with its status, and an Uncertain one into a marked reading', () => {
    const bad = itemOutcome(item, { value: 0.2, statusCode: StatusCodes.BadSensorFailure.value, statusName: 'BadSensorFailure', sourceMs: 5 }, 'source', new Set(), 10);
    expect(bad).toMatchObject({ kind: 'rejected', reason: 'opcua_bad_status', publish: { topic: 'water/north-plant/north-plant-turb/telemetry' } });
    const uncertain = itemOutcome(item, { value: 0.2, statusCode: StatusCodes.UncertainLastUsableValue.value, sourceMs: 5 }, 'source', new Set(), 10);
    expect(uncertain).toMatchObject({ kind: 'reading', ts: 5, uncertain: true });
  });

  it('groups the readings of one device and timestamp into one message, with units and quality', () => {
    const reading = (metric: string, unit: string, ts: number, uncertain = false) => ({ kind: 'reading' as const, item: { ...item, device: 'north-plant-fm', metric, unit }, ts, value: 1, uncertain });
    const messages = telemetryMessages([reading('flow', 'm³/h', 5), reading('pressure', 'kPa', 5, true), reading('flow', 'm³/h', 6)]);
    expect(messages.map((m) => m.readings)).toEqual([2, 1]);
    expect(messages.map((m) => JSON.parse(Buffer.from(m.publish.payload).toString()))).toEqual([
      { ts: 5, readings: { flow: { value: 1, unit: 'm³/h' }, pressure: { value: 1, unit: 'kPa' } }, quality: { pressure: 'uncertain' } },
      { ts: 6, readings: { flow: { value: 1, unit: 'm³/h' } } },
    ]);
  });
});
