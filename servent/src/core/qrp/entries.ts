/**
 * The uncompressed patch: one entry per slot (qrp.md §5 "Entry encoding").
 * 8 bits: a two's-complement byte per slot. 4 bits: two slots per byte, first
 * slot in the high nibble, each nibble two's complement. 1 bit (QRP1): slot i
 * is bit 7 − i mod 8 of byte ⌊i/8⌋, 1 toggling presence.
 */

import type { EntryBits } from './route-table-update.js';
import type { QueryRouteTable } from './table.js';

/** Bytes of the uncompressed patch of a `length`-slot table (§5). */
export const patchBytes = (length: number, entryBits: EntryBits): number =>
  Math.ceil((length * entryBits) / 8);

/**
 * Entries taking `from` to `to` (same size and infinity): value deltas at 4 and
 * 8 bits, presence changes at 1 bit. The caller has checked that they fit.
 */
export function packEntries(
  from: QueryRouteTable,
  to: QueryRouteTable,
  entryBits: EntryBits,
): Uint8Array {
  const out = new Uint8Array(patchBytes(to.length, entryBits));
  const a = from.values;
  const b = to.values;
  const infinity = to.infinity;
  if (entryBits === 8) {
    for (let slot = 0; slot < b.length; slot++) out[slot] = (b[slot]! - a[slot]!) & 0xff;
  } else if (entryBits === 4) {
    for (let slot = 0; slot < b.length; slot++) {
      const nibble = (b[slot]! - a[slot]!) & 0x0f;
      out[slot >>> 1]! |= slot & 1 ? nibble : nibble << 4;
    }
  } else {
    for (let slot = 0; slot < b.length; slot++) {
      if (a[slot]! < infinity !== b[slot]! < infinity) out[slot >>> 3]! |= 0x80 >>> (slot & 7);
    }
  }
  return out;
}

/**
 * Applies a whole uncompressed patch to `values` in place (§7). Deltas add to
 * the hop value, kept within 0…infinity: for the well-formed patches LimeWire
 * and gtk-gnutella send (−/+ (infinity − 1)) this is exactly their rule
 * "negative means present, positive absent" (§4.2). A 1-bit toggle makes an
 * absent slot present at `presentValue` and a present one absent.
 */
export function applyEntries(
  table: QueryRouteTable,
  entries: Uint8Array,
  entryBits: EntryBits,
): void {
  const values = table.values;
  const infinity = table.infinity;
  if (entryBits === 1) {
    const present = table.presentValue;
    for (let slot = 0; slot < values.length; slot++) {
      if ((entries[slot >>> 3]! << (slot & 7)) & 0x80) {
        values[slot] = values[slot]! < infinity ? infinity : present;
      }
    }
    return;
  }
  for (let slot = 0; slot < values.length; slot++) {
    const delta =
      entryBits === 8
        ? (entries[slot]! << 24) >> 24
        : ((slot & 1 ? entries[slot >>> 1]! : entries[slot >>> 1]! >>> 4) << 28) >> 28;
    if (delta !== 0) values[slot] = Math.max(0, Math.min(infinity, values[slot]! + delta));
  }
}
