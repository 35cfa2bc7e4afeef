import { expect, it } from 'vitest';
import { EventClock } from './event-clock.ts';

it('stands at the start, then follows the median of the devices\' latest readings', () => {
  const clock = new EventClock(1000, 2);
  expect(clock.now()).toBe(1000);
  clock.heard('a', 5000);
  expect(clock.now()).toBe(1000); // one device is not enough
  clock.heard('b', 6000);
  clock.heard('c', 7000);
  expect(clock.now()).toBe(6000);
  clock.heard('a', 4000); // older than what a already sent: ignored
  expect(clock.now()).toBe(6000);
});

it('is moved neither by a device whose clock runs ahead nor by devices that fell silent', () => {
  const clock = new EventClock(0);
  for (const [id, ts] of [['a', 100], ['b', 100], ['c', 100], ['d', 100], ['e', 100]] as const) clock.heard(id, ts);
  clock.heard('skewed', 10_000_000);
  clock.heard('a', 200);
  clock.heard('b', 200);
  clock.heard('c', 200);
  // d and e fell silent at 100; the skewed device is far ahead: the median is the others' 200.
  expect(clock.now()).toBe(200);
});

it('puts each device half an interval past its latest reading', () => {
  const clock = new EventClock(0);
  clock.heard('minute', 60_000, 60_000);
  clock.heard('five', 0, 300_000);
  clock.heard('other', 80_000, 60_000);
  expect(clock.now()).toBe(110_000); // the median of 90 000, 150 000 and 110 000
});
