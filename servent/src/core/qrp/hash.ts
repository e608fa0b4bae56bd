/**
 * The QRP keyword hash (qrp.md §3, QRP-1): the low byte of each lower-cased
 * UTF-16 code unit, XORed into a 32-bit word at byte offset i mod 4, times
 * 0x4F1BBCDC (low 32 bits), top `bits` bits.
 */

import { UsageError } from '../errors.js';

/** ⌊((√5−1)/2)·2^31⌋, Knuth's multiplicative constant scaled to 31 bits (§3). */
const GOLDEN_RATIO_31 = 0x4f1bbcdc;

/** The scrambled 32-bit value before the top bits are taken; one per word serves every table size. */
export function qrpHash32(word: string): number {
  let packed = 0;
  for (let i = 0; i < word.length; i++) {
    packed ^= (lowerUnit(word.charCodeAt(i)) & 0xff) << ((i & 3) << 3);
  }
  return Math.imul(packed, GOLDEN_RATIO_31) >>> 0;
}

/** The slot of `word` in a table of 2^bits slots. */
export function qrpHash(word: string, bits: number): number {
  return slotOf(qrpHash32(word), bits);
}

/**
 * The top `bits` bits of a `qrpHash32` value. Shifting by 32 is a no-op in
 * JavaScript, so a 1-slot table (bits 0) is its own case (§3 notes).
 */
export function slotOf(hash32: number, bits: number): number {
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) {
    throw new UsageError(`table bits must be an integer in 0..32, got ${bits}`);
  }
  return bits === 0 ? 0 : hash32 >>> (32 - bits);
}

// Lower-case mappings of non-ASCII code units, filled on first use. No unit
// at or above 0x80 lower-cases to U+0000, so 0 means "not yet computed".
const lowerOfUnit = new Uint16Array(0x10000);

/**
 * Java's `Character.toLowerCase(char)`: one unit to one unit. JavaScript maps
 * U+0130 to two units ("i" + U+0307); its first unit is Java's answer, and no
 * other single unit lower-cases to more than one. Lone surrogates map to
 * themselves, as in Java, so astral letters are not lower-cased (§2.5, §3).
 */
function lowerUnit(unit: number): number {
  if (unit < 0x80) return unit >= 0x41 && unit <= 0x5a ? unit | 0x20 : unit;
  let lower = lowerOfUnit[unit]!;
  if (lower === 0) {
    lower = String.fromCharCode(unit).toLowerCase().charCodeAt(0);
    lowerOfUnit[unit] = lower;
  }
  return lower;
}
