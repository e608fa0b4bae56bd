/**
 * Map keys for 16-byte GUIDs and servent ids. Route and duplicate tables look
 * one up for every message, so the key is built straight from the bytes: eight
 * UTF-16 code units, two bytes each, no hex and no copy of the GUID. Lone
 * surrogates are fine in a JavaScript string compared by code units.
 */
export function guidKey(bytes: Uint8Array, offset = 0): string {
  const b = bytes;
  const o = offset;
  return String.fromCharCode(
    b[o]! | (b[o + 1]! << 8),
    b[o + 2]! | (b[o + 3]! << 8),
    b[o + 4]! | (b[o + 5]! << 8),
    b[o + 6]! | (b[o + 7]! << 8),
    b[o + 8]! | (b[o + 9]! << 8),
    b[o + 10]! | (b[o + 11]! << 8),
    b[o + 12]! | (b[o + 13]! << 8),
    b[o + 14]! | (b[o + 15]! << 8),
  );
}
