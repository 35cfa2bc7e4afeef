/**
 * The alarm for a new critical ticket: a distinct two-tone sound (Web Audio, no file to fetch)
 * that repeats every few seconds until nobody has a critical ticket left unacknowledged, or the
 * dispatcher mutes it. Browsers start audio only after the page was used once (autoplay policy);
 * the header's mute button doubles as that first gesture.
 */
let context: AudioContext | undefined;
let timer: number | undefined;

function beep(): void {
  context ??= new AudioContext();
  const now = context.currentTime;
  for (const [i, frequency] of [880, 660, 880].entries()) {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, now + i * 0.25);
    gain.gain.exponentialRampToValueAtTime(0.3, now + i * 0.25 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.25 + 0.22);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(now + i * 0.25);
    oscillator.stop(now + i * 0.25 + 0.24);
  }
}

/** Sounds (repeating) while `on`, silent otherwise. */
export function alarm(on: boolean): void {
  if (on && timer === undefined) {
    beep();
    timer = window.setInterval(beep, 6000);
  } else if (!on && timer !== undefined) {
    window.clearInterval(timer);
    timer = undefined;
  }
}

/** Lets audio start (call from a click). */
export function unlockAudio(): void {
  context ??= new AudioContext();
  void context.resume();
}
