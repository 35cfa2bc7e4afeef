import { describe, expect, it } from 'vitest';
import { HOUR_MS } from '../fixtures.ts';
import { discolourationParams, episodeEndMs, episodeNtu, findEpisodes, mobilisedNtu, velocityMs, type DiscolourationStep } from './discolouration.ts';

describe('discolouration (pure)', () => {
  it('velocity is flow over the bore: 254.5 m³/h in DN300 is 1 m/s', () => {
    expect(velocityMs(254.47, 300)).toBeCloseTo(1, 3);
    expect(velocityMs(-254.47, 300)).toBeCloseTo(1, 3);
  });

  it.each([
    // v (m/s), usual peak (m/s), mobilised NTU
    [0.2, 0.2, 0], // its own daily peak
    [0.22, 0.2, 0], // inside the 1.1 trigger margin
    [0.4, 0.2, 8 * (0.16 - 0.0484) / 0.16],
    [0.3, 0, 8 * 0.09 / 0.16], // a tie that never flows
    [0.9, 0.45, 0], // a self-cleaning main holds no loose deposits
    [2, 0.1, discolourationParams.maxNtu], // capped
  ])('at %s m/s over a usual peak of %s m/s it gives %s NTU', (v, peak, ntu) => {
    expect(mobilisedNtu(v, peak)).toBeCloseTo(ntu, 6);
  });

  const episode = { linkId: 'pipe-main-a', startMs: 0, peakNtu: 8, downstreamMs: new Map([['a', 0], ['tap', HOUR_MS]]) };

  it('arrives after the travel time and halves every half-life', () => {
    expect(episodeNtu(episode, 'tap', HOUR_MS - 1)).toBe(0);
    expect(episodeNtu(episode, 'tap', HOUR_MS)).toBe(8);
    expect(episodeNtu(episode, 'tap', HOUR_MS + discolourationParams.halfLifeMs)).toBeCloseTo(4, 9);
    expect(episodeNtu(episode, 'elsewhere', HOUR_MS)).toBe(0);
    expect(episodeEndMs(episode)).toBe(Math.ceil(HOUR_MS + 2 * HOUR_MS * Math.log2(80)));
  });

  it('one episode per run of steps above the trigger, with its largest turbidity', () => {
    const reach = new Map([['near', 1], ['far', 5]]);
    const step = (t: number, v: number): DiscolourationStep => ({ stepStartMs: t, velocityMs: new Map([['pipe-main-a', v]]), downstreamOf: () => reach });
    const episodes = findEpisodes([step(0, 0.2), step(1, 0.4), step(2, 0.5), step(3, 0.2), step(4, 0.45)], new Map([['pipe-main-a', 0.2]]));
    expect(episodes.map((e) => e.startMs)).toEqual([1, 4]);
    expect(episodes[0]!.peakNtu).toBeCloseTo(mobilisedNtu(0.5, 0.2), 9);
    expect([...episodes[0]!.downstreamMs.keys()]).toEqual(['near']); // the flow stopped before the water got far
    expect([...episodes[1]!.downstreamMs.keys()]).toEqual(['near', 'far']); // still flowing at the end
  });
});
