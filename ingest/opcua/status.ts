/**
 * What a StatusCode means for a reading. The two top bits give the severity (OPC 10000-4 §7.39):
 * 00 Good, 01 Uncertain, 10 Bad. Good readings are stored; Uncertain ones too, with a quality
 * marker; Bad ones are rejected and dead-lettered. BadNodeIdUnknown and BadNodeIdInvalid say the
 * node is gone (deleted, or not there after a server restart): the mapping is marked bad and a
 * ticket opened, and the rest of the plant keeps flowing. Codes in `accepted` count as Good:
 * PLCs that misreport (DA-style "good" sub-codes, Telegraf#9144).
 */
import { StatusCodes } from 'node-opcua';

export type ReadingQuality = 'good' | 'uncertain' | 'bad' | 'gone';

/** The code without its info bits (the low 16: overflow, limits, info type). */
export function statusBase(code: number): number {
  return (code & 0xffff_0000) >>> 0;
}

const GONE = new Set([StatusCodes.BadNodeIdUnknown.value, StatusCodes.BadNodeIdInvalid.value]);

/** Pure. */
export function classifyStatus(code: number, accepted: ReadonlySet<number>): ReadingQuality {
  const base = statusBase(code);
  if (accepted.has(base)) return 'good';
  if (GONE.has(base)) return 'gone';
  const severity = base >>> 30;
  return severity === 0 ? 'good' : severity === 1 ? 'uncertain' : 'bad';
}

/** Resolves configured names or numbers to codes; unknown names are listed. Pure. */
export function acceptedStatusCodes(entries: readonly (string | number)[]): { codes: Set<number>; unknown: string[] } {
  const codes = new Set<number>();
  const unknown: string[] = [];
  const byName = StatusCodes as unknown as Record<string, { value: number } | undefined>;
  for (const entry of entries) {
    if (typeof entry === 'number') codes.add(statusBase(entry));
    else if (/^0x/.test(entry)) codes.add(statusBase(Number(entry)));
    else {
      const code = Object.hasOwn(byName, entry) ? byName[entry] : undefined;
      if (code && typeof code.value === 'number') codes.add(statusBase(code.value));
      else unknown.push(entry);
    }
  }
  return { codes, unknown };
}

/** `BadSensorFailure (0x808B0000)`. */
export function describeStatus(code: number, name?: string): string {
  return `${name ?? 'status'} (0x${(code >>> 0).toString(16).toUpperCase().padStart(8, '0')})`;
}
