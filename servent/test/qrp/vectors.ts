/**
 * Test vectors copied byte for byte from shared/spec/qrp.md §10.2 ("A 64-slot
 * table, LW style"): the file `Gnutella Protocol.txt`, INFINITY 7, 4-bit entries.
 */
import { fromHex } from '../wire/hex.js';

/** §10.2: LimeWire's keywords of `Gnutella Protocol.txt` and their 6-bit hashes. */
export const lwKeywordSlots: Record<string, number> = {
  gnutella: 20,
  gnutell: 61,
  gnutel: 53,
  protocol: 2,
  protoco: 6,
  protoc: 63,
  txt: 27,
};

/** §10.2: the present slots. */
export const presentSlots = [2, 6, 20, 27, 53, 61, 63];

/** §10.2: the header GUID of every listed message. */
export const guid = fromHex('01 02 03 04 05 06 07 08 ff 0a 0b 0c 0d 0e 0f 00');

/** §10.2: RESET (length 64, infinity 7), whole message. */
export const reset = fromHex(`
  01 02 03 04 05 06 07 08 ff 0a 0b 0c 0d 0e 0f 00 30 01 00 06 00 00 00
  00 40 00 00 00 07`);

/** §10.2: PATCH 1/1, uncompressed, 4 bits, whole message. */
export const patch4 = fromHex(`
  01 02 03 04 05 06 07 08 ff 0a 0b 0c 0d 0e 0f 00 30 01 00 25 00 00 00
  01 01 01 00 04
  00 a0 00 a0 00 00 00 00 00 00 a0 00 00 0a 00 00
  00 00 00 00 00 00 00 00 00 00 0a 00 00 00 0a 0a`);

/** §10.2: the same patch zlib-compressed (zlib default level), whole message. */
export const patch4Zlib = fromHex(`
  01 02 03 04 05 06 07 08 ff 0a 0b 0c 0d 0e 0f 00 30 01 00 1e 00 00 00
  01 01 01 01 04
  78 9c 63 58 c0 b0 80 01 0c 16 30 30 70 31 20 01 10 87 8b 0b 00 34 78 02 09`);

/** §10.2: the uncompressed patch split into two messages of 16 data bytes (the header GUID is elided there). */
export const patch4SplitPayloads = [
  fromHex('01 01 02 00 04 00 a0 00 a0 00 00 00 00 00 00 a0 00 00 0a 00 00'),
  fromHex('01 02 02 00 04 00 00 00 00 00 00 00 00 00 00 0a 00 00 00 0a 0a'),
];
/** §10.2: the header of each split message (type 0x30, TTL 1, hops 0, length 0x15). */
export const patch4SplitHeaderTail = fromHex('30 01 00 15 00 00 00');

/** §10.2: 8-bit entries of the same table: `fa` at the present slots, `00` elsewhere. */
export const entries8 = (() => {
  const bytes = new Uint8Array(64);
  for (const slot of presentSlots) bytes[slot] = 0xfa;
  return bytes;
})();

/** §10.2: incremental update after renaming to `Gnutella Protocol.pdf` (pdf → 44 added, txt → 27 removed). */
export const renameSlots = { pdf: 44, txt: 27 };
export const renamePatch4Data = fromHex(`
  00 00 00 00 00 00 00 00 00 00 00 00 00 06 00 00
  00 00 00 00 00 00 a0 00 00 00 00 00 00 00 00 00`);

/** §10.2 "GTKG style": RESET payload (infinity 2), 4-bit data, 1-bit (QRP1) data of the first table. */
export const gtkgResetPayload = fromHex('00 40 00 00 00 02');
export const gtkgData4 = fromHex(`
  00 f0 00 f0 00 00 00 00 00 00 f0 00 00 0f 00 00
  00 00 00 00 00 00 00 00 00 00 0f 00 00 00 0f 0f`);
export const gtkgData1 = fromHex('22 00 08 10 00 00 04 05');
