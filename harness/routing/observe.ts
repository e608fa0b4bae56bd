/**
 * Who received what: copies of one message (by type and GUID) across the
 * fixtures of a scenario, and the absence window that follows a positive sign.
 */
import type { Guid } from '../../servent/src/core/wire/index.js';
import type { Decoded, ScriptedPeer } from '../peers/scripted-peer.js';
import { absenceWindow } from '../util/eventually.js';

/**
 * How long "nothing more arrives" is watched after the last positive sign
 * (a copy that did arrive, a pong to a sync ping). The node has then already
 * handled the message; the window covers only its write queues and the
 * loopback bridge.
 */
export const QUIET_MS = 1_000;

/** Every copy of (type, guid) each fixture holds, by fixture name. */
export function copiesOf(
  peers: Iterable<ScriptedPeer>,
  type: number,
  guid: Guid,
): Map<string, Decoded[]> {
  const out = new Map<string, Decoded[]>();
  for (const peer of peers) out.set(peer.name, peer.receivedOf(type, guid));
  return out;
}

/** Waits out what is left of the absence window that started at `signAt`. */
export async function quietAfter(signAt: number, quietMs = QUIET_MS): Promise<void> {
  const left = (signAt === 0 ? Date.now() : signAt) + quietMs - Date.now();
  if (left > 0) await absenceWindow(left);
}

/** `"A", "B" and "C"` / `"A" and "B"` / `"A"` / `none` → names. */
export function nameList(text: string): string[] {
  if (text.trim() === 'none') return [];
  const names = [...text.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
  if (names.length === 0) throw new Error(`no quoted names in "${text}"`);
  return names;
}
