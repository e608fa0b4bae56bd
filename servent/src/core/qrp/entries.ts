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
 * Entries taking `from` to `to` (same size and infinity): at 4 and 8 bits the
 * hop-value delta of each slot whose presence changed, ±(infinity −
 * presentValue); at 1 bit a toggle. The caller has checked that they fit.
 */
export function packEntries(
  from: QueryRouteTable,
  to: QueryRouteTable,
  entryBits: EntryBits,
): Uint8Array {
  const out = new Uint8Array(patchBytes(to.length, entryBits));
  for (let slot = 0; slot < to.length; slot++) {
    const before = from.valueAt(slot);
    const after = to.valueAt(slot);
    if (before === after) continue;
    if (entryBits === 8) out[slot] = (after - before) & 0xff;
    else if (entryBits === 4) {
      const nibble = (after - before) & 0x0f;
      out[slot >>> 1]! |= slot & 1 ? nibble : nibble << 4;
    } else out[slot >>> 3]! |= 0x80 >>> (slot & 7);
  }
  return out;
}

/**
 * Applies a whole uncompressed patch to `table` in place (§7) the way
 * LimeWire and gtk-gnutella do (§4.2, QRP-7): a negative delta makes the slot
 * present, a positive one absent, zero leaves it; a 1-bit toggle flips it. For
 * well-formed patches (±(infinity − 1)) this is the hop arithmetic exactly.
 */
export function applyEntries(
  table: QueryRouteTable,
  entries: Uint8Array,
  entryBits: EntryBits,
): void {
  for (let slot = 0; slot < table.length; slot++) {
    if (entryBits === 1) {
      if ((entries[slot >>> 3]! << (slot & 7)) & 0x80)
        table.setPresent(slot, !table.isPresent(slot));
      continue;
    }
    const delta =
      entryBits === 8
        ? (entries[slot]! << 24) >> 24
        : ((slot & 1 ? entries[slot >>> 1]! : entries[slot >>> 1]! >>> 4) << 28) >> 28;
    if (delta !== 0) table.setPresent(slot, delta < 0);
  }
}
