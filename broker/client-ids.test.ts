import { describe, expect, it } from 'vitest';
import { ClientIdOwners } from './client-ids.ts';

const TAP = 'device:tongmen-tap-wq';
const OTHER = 'device:xiwan-tap-wq';
const WALL = 'observer:wall';

type Step = ['claim', string, boolean] | ['release', string];

function replay(steps: Step[]): ClientIdOwners {
  const owners = new ClientIdOwners();
  for (const step of steps) {
    if (step[0] === 'claim') owners.claim('tap-1', step[1], step[2]);
    else owners.release('tap-1', step[1]);
  }
  return owners;
}

describe('ClientIdOwners', () => {
  it.each<[string, Step[], string, string | undefined]>([
    ['a free id', [], OTHER, undefined],
    ['an id held by a live connection of another device', [['claim', TAP, false]], OTHER, TAP],
    ['the same id asked by an observer', [['claim', TAP, false]], WALL, TAP],
    ['the owner itself takes over [MQTT-3.1.4-2]', [['claim', TAP, false]], TAP, undefined],
    ['a clean session that ended', [['claim', TAP, false], ['release', TAP]], OTHER, undefined],
    ['a kept session (CleanSession 0) that ended', [['claim', TAP, true], ['release', TAP]], OTHER, TAP],
    ['a kept session the owner then ended with CleanSession 1', [['claim', TAP, true], ['release', TAP], ['claim', TAP, false], ['release', TAP]], OTHER, undefined],
    ['during the owner\'s takeover: old connection closes after the new one came', [['claim', TAP, false], ['claim', TAP, false], ['release', TAP]], OTHER, TAP],
    ['after the takeover, the new connection ends too', [['claim', TAP, false], ['claim', TAP, false], ['release', TAP], ['release', TAP]], OTHER, undefined],
    ['a kept session taken over by a clean one of the owner, still open', [['claim', TAP, true], ['claim', TAP, false], ['release', TAP]], OTHER, TAP],
    ['a release by someone else changes nothing', [['claim', TAP, false], ['release', OTHER]], OTHER, TAP],
  ])('%s', (_name, steps, asking, holder) => {
    expect(replay(steps).heldByOther('tap-1', asking)).toBe(holder);
  });

  it('forgets clean sessions, so the table holds only open connections and kept sessions', () => {
    const owners = new ClientIdOwners();
    for (let i = 0; i < 100; i += 1) {
      owners.claim(`tap-${i}`, TAP, i % 10 === 0);
      owners.release(`tap-${i}`, TAP);
    }
    expect(owners.size).toBe(10);
  });
});
