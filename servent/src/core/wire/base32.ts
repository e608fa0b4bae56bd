/**
 * RFC 4648 base32 as URNs use it: alphabet `A–Z2–7`, no padding, no
 * separators; written upper case, read case-insensitively (ggep-huge.md §7,
 * HUGE-1, HUGE-2).
 */

import { fail, ok, ProtocolError, type Result } from '../errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

// Character code → 5-bit value, or -1. Both cases map to the same value (HUGE-2).
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) {
  VALUES[ALPHABET.charCodeAt(i)] = i;
  VALUES[ALPHABET.toLowerCase().charCodeAt(i)] = i;
}

/** Upper case, unpadded: 20 bytes → 32 characters, 24 bytes → 39. */
export function base32Encode(bytes: Uint8Array): string {
  let text = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += ALPHABET[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) text += ALPHABET[(buffer << (5 - bits)) & 31];
  return text;
}

/**
 * Decodes unpadded base32 in either case. A length that no byte count
 * produces (1, 3 or 6 characters mod 8) fails with `base32-bad-length`; bits
 * left over in the last character are ignored, as RFC 4648 §3.5 permits.
 */
export function base32Decode(text: string): Result<Uint8Array> {
  const tail = text.length % 8;
  if (tail === 1 || tail === 3 || tail === 6) {
    return fail(
      new ProtocolError(
        'base32-bad-length',
        `${text.length} base32 characters do not encode a whole number of bytes (unpadded lengths are 0, 2, 4, 5 or 7 mod 8)`,
        'HUGE-1',
      ),
    );
  }
  const bytes = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let out = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? VALUES[code]! : -1;
    if (value < 0) {
      return fail(
        new ProtocolError(
          'base32-bad-char',
          `${JSON.stringify(text[i])} at offset ${i} is not a base32 digit (A–Z, 2–7)`,
          'HUGE-2',
        ),
      );
    }
    buffer = ((buffer << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes[out++] = (buffer >>> bits) & 0xff;
    }
  }
  return ok(bytes);
}
