/** `bisect` against a fake InfluxDB that refuses chosen lines for good and fails others transiently. */
import { describe, expect, it } from 'vitest';
import { bisect } from './bisect.ts';

const refusal = { statusCode: 400, message: 'field type conflict' };

/** Refuses (400) any request holding a line of `refused`; fails (503) the first `outages` requests holding a line of `flaky`. */
function fakeInflux(refused: readonly string[], flaky: readonly string[] = [], outages = Infinity) {
  const requests: string[][] = [];
  let failures = 0;
  const write = async (lines: readonly string[]) => {
    requests.push([...lines]);
    if (lines.some((l) => flaky.includes(l)) && failures < outages) {
      failures += 1;
      throw Object.assign(new Error('503 Service Unavailable'), { statusCode: 503 });
    }
    const bad = lines.filter((l) => refused.includes(l));
    if (bad.length > 0) throw Object.assign(new Error(`400 ${refusal.message}: ${bad.join(',')}`), { statusCode: 400 });
  };
  return { write, requests };
}

const abc = (n: number) => Array.from({ length: n }, (_, i) => `l${i}`);

describe('bisect', () => {
  it.each([
    ['all written in one request', abc(4), [], { written: 4, refused: [], requests: 1 }],
    ['nothing to write', [], [], { written: 0, refused: [], requests: 0 }],
    ['one refused line alone', ['l0'], ['l0'], { written: 0, refused: ['l0'], requests: 1 }],
    ['one refused line among eight', abc(8), ['l5'], { written: 7, refused: ['l5'], requests: 7 }],
    ['two refused lines, in order', abc(8), ['l6', 'l1'], { written: 6, refused: ['l1', 'l6'], requests: 11 }],
    ['every line refused', abc(3), abc(3), { written: 0, refused: abc(3), requests: 5 }],
    ['an odd length, the left half the larger', abc(5), ['l2'], { written: 4, refused: ['l2'], requests: 5 }],
  ])('%s', async (_, lines, refused, expected) => {
    const influx = fakeInflux(refused);
    const result = await bisect(lines, influx.write);
    expect({ written: result.written, refused: result.refused.map((r) => r.line), requests: result.requests }).toEqual(expected);
    expect(result.unsettled).toEqual([]);
    expect(result.transient).toBeUndefined();
    expect(result.requests).toBe(influx.requests.length);
    expect(result.failedRequests).toBe(influx.requests.length - influx.requests.filter((r) => !r.some((l) => refused.includes(l))).length);
  });

  it('keeps the failure of the request that held the refused line alone', async () => {
    const result = await bisect(abc(4), fakeInflux(['l3']).write);
    expect(result.refused).toEqual([{ line: 'l3', failure: { statusCode: 400, message: '400 field type conflict: l3' } }]);
  });

  it('starts by halving when the whole batch was already refused', async () => {
    const influx = fakeInflux(['l1']);
    const result = await bisect(abc(4), influx.write, { refusedWith: refusal });
    expect(influx.requests).toEqual([['l0', 'l1'], ['l0'], ['l1'], ['l2', 'l3']]);
    expect(result).toMatchObject({ written: 3, refused: [{ line: 'l1' }], requests: 4 });
    const single = fakeInflux([]);
    expect(await bisect(['l9'], single.write, { refusedWith: refusal })).toMatchObject({ refused: [{ line: 'l9', failure: refusal }], requests: 0 });
    expect(single.requests).toEqual([]);
  });

  it('stops at the first transient failure and returns the unsettled suffix', async () => {
    // l1 is refused for good; l5 sits in a part that fails with 503.
    const influx = fakeInflux(['l1'], ['l5']);
    const result = await bisect(abc(8), influx.write);
    expect(influx.requests).toEqual([abc(8)]); // the whole batch: 503, nothing halved
    expect(result).toMatchObject({ written: 0, refused: [], unsettled: abc(8), transient: { statusCode: 503 }, requests: 1, failedRequests: 1 });

    const later = fakeInflux(['l1'], ['l5'], 1);
    const halfway = await bisect(abc(8), later.write, { refusedWith: refusal });
    // l0..l3 are halved (l1 refused, l0, l2, l3 written); l4..l7 fails transiently.
    expect(halfway).toMatchObject({ written: 3, refused: [{ line: 'l1' }], unsettled: ['l4', 'l5', 'l6', 'l7'], transient: { statusCode: 503 } });
  });

  it('returns the queued right halves after the failed part, in order', async () => {
    // l0 refused; the part [l1] then fails transiently, with [l2, l3] and [l4..l7] still queued.
    const influx = fakeInflux(['l0'], ['l1'], Infinity);
    const flakyAfterHalving = async (lines: readonly string[]) => (lines.length > 1 ? Promise.reject(Object.assign(new Error('400'), { statusCode: 400 })) : influx.write(lines));
    const result = await bisect(abc(8), flakyAfterHalving);
    expect(result).toMatchObject({ written: 0, refused: [{ line: 'l0' }], unsettled: abc(8).slice(1), transient: { statusCode: 503 } });
  });

  it('takes another classification of what is refused for good', async () => {
    const result = await bisect(abc(2), fakeInflux([], ['l1']).write, { isPermanent: (failure) => failure.statusCode === 503 });
    expect(result).toMatchObject({ written: 1, refused: [{ line: 'l1' }], unsettled: [] });
  });
});
