/**
 * ROUTE_TABLE_UPDATE payloads a well-behaved peer never sends, written byte
 * by byte from qrp.md §5 (the core's encoder refuses most of them): what a
 * receiver must survive without routing by a broken table (QRP-13, QRP-14).
 */

/** RESET: variant 0, u32le slot count, infinity. */
export function resetPayload(length: number, infinity: number): Buffer {
  const p = Buffer.alloc(6);
  p[0] = 0x00;
  p.writeUInt32LE(length, 1);
  p[5] = infinity;
  return p;
}

/** PATCH: variant 1, seq no, seq size, compressor, entry bits, data. */
export function patchPayload(
  seqNo: number,
  seqSize: number,
  compressor: number,
  entryBits: number,
  data: Uint8Array,
): Buffer {
  return Buffer.concat([Buffer.from([0x01, seqNo, seqSize, compressor, entryBits]), data]);
}

/** Every slot "present" at 4 bits: −6 in both nibbles. */
const allPresent = (bytes: number) => Buffer.alloc(bytes, 0xaa);

/** A zlib header, then a deflate block of the reserved type 3: no inflater reads past it. */
const CORRUPT_ZLIB = Buffer.from([0x78, 0x9c, 0xff, 0x00, 0x00, 0x00]);

/** A broken PATCH sequence sent after a complete table of `slots` slots (QRP-13). */
export const PATCH_FAULTS: Record<string, (slots: number) => Buffer[]> = {
  'a PATCH numbered 2 of 2 with no PATCH 1 before it': () => [
    patchPayload(2, 2, 0, 4, allPresent(16)),
  ],
  'a PATCH 1 of 2, then a PATCH 2 of 3': (slots) => [
    patchPayload(1, 2, 0, 4, allPresent(slots / 4)),
    patchPayload(2, 3, 0, 4, allPresent(slots / 4)),
  ],
  'a PATCH with 5-bit entries': () => [patchPayload(1, 1, 0, 5, allPresent(64))],
  'a PATCH with compressor 2': () => [patchPayload(1, 1, 2, 4, allPresent(64))],
  'a PATCH whose zlib stream is corrupt': () => [patchPayload(1, 1, 1, 4, CORRUPT_ZLIB)],
  'a PATCH with more entries than the table has slots': (slots) => [
    patchPayload(1, 1, 0, 4, allPresent(slots / 2 + 16)),
  ],
};

/** A RESET no table can follow, then an all-present PATCH for it (QRP-14). */
export const RESET_FAULTS: Record<string, () => Buffer[]> = {
  'a RESET of 1000 slots': () => [resetPayload(1000, 7), patchPayload(1, 1, 0, 4, allPresent(500))],
  'a RESET with infinity 0': () => [
    resetPayload(65536, 0),
    patchPayload(1, 1, 0, 4, allPresent(32768)),
  ],
};
