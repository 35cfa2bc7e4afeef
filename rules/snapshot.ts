/**
 * Engine state across restarts: the per-fingerprint state of every rule (a pending `for`, a
 * burst's pre-event level, an anomaly baseline) saved to a file and read back, so a restart
 * neither forgets a pending condition nor opens a duplicate ticket.
 *
 * - Encoding: v8 structured serialisation, because kind states hold what JSON cannot (Maps,
 *   -Infinity as "no reading yet").
 * - Each entry carries a hash of its rule's config: a rule edited between runs starts fresh
 *   (its old state may not fit the new levels); a rule removed is dropped.
 * - Each entry says whether the fingerprint was firing. The ticket store stays the source of
 *   truth for tickets: the engine uses a saved state only where it agrees with the store (firing
 *   ⇔ an active ticket); elsewhere it resumes from the ticket or starts fresh. A snapshot older
 *   than the last ticket change (a crash between saves) is thus safe, only less precise.
 * - Zone signals (event onsets) are facts, not rule state: they come back for every rule still
 *   listened to, whatever its config.
 * - Files are written to a temporary name and renamed, so a crash mid-write leaves the previous
 *   snapshot.
 */
import { createHash } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { deserialize, serialize } from 'node:v8';
import type { Rule } from './kinds/index.ts';

export interface SavedFingerprint {
  readonly fingerprint: string;
  readonly ruleId: string;
  readonly ruleHash: string;
  readonly firing: boolean;
  readonly state: unknown;
}

/** A zone signal (an event onset other rules correlate with, zone-signals.ts). */
export interface SavedSignal {
  readonly ruleId: string;
  readonly zone: string;
  readonly site: string;
  readonly at: number;
}

export interface EngineSnapshot {
  readonly version: 1;
  /** Wall clock of the save, epoch ms. */
  readonly savedAt: number;
  readonly fingerprints: readonly SavedFingerprint[];
  /** Recent zone signals, so a burst seen before a restart still corroborates yellow water after it. */
  readonly signals?: readonly SavedSignal[];
}

/** A stable hash of a rule's parsed config (key order as zod produced it). */
export function ruleHash(rule: Rule): string {
  return createHash('sha256').update(JSON.stringify(rule)).digest('base64url').slice(0, 16);
}

export function encodeSnapshot(snapshot: EngineSnapshot): Buffer {
  return serialize(snapshot);
}

/** Decodes a snapshot; undefined when the bytes are not one (corrupt, other version). */
export function decodeSnapshot(bytes: Buffer): EngineSnapshot | undefined {
  let value: unknown;
  try {
    value = deserialize(bytes);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const candidate = value as Partial<EngineSnapshot>;
  return candidate.version === 1 && Array.isArray(candidate.fingerprints) ? (candidate as EngineSnapshot) : undefined;
}

/**
 * The saved states still usable with these rules, by fingerprint: same rule id, same config.
 * Pure. `dropped` counts entries of edited or removed rules.
 */
export function usableStates(snapshot: EngineSnapshot, rules: readonly Rule[]): { states: Map<string, SavedFingerprint>; dropped: number } {
  const hashes = new Map(rules.map((rule) => [rule.id, ruleHash(rule)]));
  const states = new Map<string, SavedFingerprint>();
  let dropped = 0;
  for (const saved of snapshot.fingerprints) {
    if (hashes.get(saved.ruleId) === saved.ruleHash) states.set(saved.fingerprint, saved);
    else dropped++;
  }
  return { states, dropped };
}

/** Writes a snapshot atomically (temporary file, then rename), readable by its owner only (0600: it lives in the private data folder). */
export async function saveSnapshot(path: string, snapshot: EngineSnapshot): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, encodeSnapshot(snapshot), { mode: 0o600 });
  await chmod(temporary, 0o600); // a temporary file left by a crash keeps its mode otherwise
  await rename(temporary, path);
}

export type LoadedSnapshot = { ok: true; snapshot: EngineSnapshot } | { ok: false; reason: 'missing' | 'corrupt' };

export async function loadSnapshot(path: string): Promise<LoadedSnapshot> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, reason: 'missing' };
    throw error;
  }
  const snapshot = decodeSnapshot(bytes);
  return snapshot ? { ok: true, snapshot } : { ok: false, reason: 'corrupt' };
}
