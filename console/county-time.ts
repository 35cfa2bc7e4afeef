/**
 * Times typed into forms are the county's wall-clock time ("2026-12-01 14:30" in Asia/Shanghai),
 * whatever the browser's own time zone. Pure, with Intl's time-zone data.
 */

/** The county's UTC offset at instant `at`, ms (Asia/Shanghai: +8 h). */
export function zoneOffsetMs(at: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall - Math.floor(at / 1000) * 1000;
}

/** "YYYY-MM-DD HH:MM" of the county's clock → epoch ms; undefined when it is not such a time. */
export function parseCountyTime(text: string, timeZone: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return undefined;
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  const check = new Date(wall);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return undefined; // 02-30 and the like
  // Two passes: the offset at the guess, then at the result (right across a DST change).
  const first = wall - zoneOffsetMs(wall, timeZone);
  return wall - zoneOffsetMs(first, timeZone);
}

/** Epoch ms → "YYYY-MM-DD HH:MM" of the county's clock. */
export function formatCountyTime(at: number, timeZone: string): string {
  return new Date(at + zoneOffsetMs(at, timeZone)).toISOString().slice(0, 16).replace('T', ' ');
}
