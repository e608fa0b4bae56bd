/**
 * Test vectors copied byte for byte from shared/spec/messages.md §13
 * ("Hex examples"): each a whole message, 23-byte header then payload; and
 * from shared/spec/ggep-huge.md §3, §4 and §9 (GGEP blocks, lengths, COBS).
 */
import { fromHex } from './hex.js';

/** §13.1 Ping — alive ping (TTL 1, Hops 0, no payload). */
export const alivePing = fromHex(`
  3a 7c 51 09 c2 4e 11 d8 ff 6b 20 9d 44 e1 07 00
  00
  01 00
  00 00 00 00`);

/** §13.2 Ping with GGEP `SCP` (TTL 3). */
export const scpPing = fromHex(`
  8e 21 f0 b7 59 6a 4c 13 ff 0d 7e 24 a1 b3 6f 00
  00 03 00 07 00 00 00
  c3
  83 53 43 50
  41 01`);

/** §13.3 Pong answering §13.2 (203.0.113.5:6346, 120 files, 524 288 KB, UP-marked). */
export const ggepPong = fromHex(`
  8e 21 f0 b7 59 6a 4c 13 ff 0d 7e 24 a1 b3 6f 00
  01 03 00 25 00 00 00
  ca 18
  cb 00 71 05
  78 00 00 00
  00 00 08 00
  c3
  02 44 55 42 10 0e
  02 55 50 43 01 05 02
  82 56 43 45 45 58 4d 50 01`);

/** §13.3 "The plain 14-byte form (alive-ping answer) of the same host". */
export const plainPong = fromHex(
  '3a7c5109c24e11d8ff6b209d44e10700 01 01 00 0e000000 ca18 cb007105 78000000 00000800',
);

/** §13.4 Query header (flags 0xA800, "free software", `urn:`). */
export const queryHeader = fromHex(`
  c1 d2 e3 f4 05 16 a7 b8 ff 19 aa bb 4c 5d 6e 00
  80 04 00 15 00 00 00`);

/** §13.5 OOB URN query header. */
export const oobQueryHeader = fromHex(`
  c6 33 64 07 a1 b2 c3 d4 ff 5e 6f 70 00 ca 18 00
  80 03 00 34 00 00 00`);

/** §13.6 QueryHit header. */
export const queryHitHeader = fromHex(`
  c1 d2 e3 f4 05 16 a7 b8 ff 19 aa bb 4c 5d 6e 00
  81 05 00 bf 00 00 00`);

/** §13.7 Push header. */
export const pushHeader = fromHex(`
  77 02 aa 9e 31 c8 4b 05 ff 4a 55 e0 d9 12 8c 00
  40 04 00 1a 00 00 00`);

/** §13.8 Bye, code 200, long form. */
export const longBye = fromHex(`
  b4 c3 d2 e1 f0 0f 1e 2d ff 3c 4b 5a 69 78 87 00
  02 01 00 33 00 00 00
  c8 00
  53 65 72 76 65 6e 74 20 73 68 75 74 64 6f 77 6e
  0d 0a 53 65 72 76 65 72 3a 20 45 78 61 6d 70 6c
  65 53 65 72 76 65 6e 74 2f 30 2e 31 0d 0a 0d 0a
  00`);

/**
 * §13.8 Bye 502, short form: the spec elides the GUID ("...") and gives the
 * header tail and payload only.
 */
export const shortByeHeaderTail = fromHex('02 01 00 12 00 00 00');
export const shortByePayload = fromHex('f6 01 53 65 6e 64 20 71 75 65 75 65 20 66 75 6c 6c 00');

/** §13.4 the whole Query: header, flags 0xA800, "free software" NUL, `urn:`, final NUL. */
export const query = fromHex(`
  c1 d2 e3 f4 05 16 a7 b8 ff 19 aa bb 4c 5d 6e 00
  80 04 00 15 00 00 00
  a8 00
  66 72 65 65 20 73 6f 66 74 77 61 72 65 00
  75 72 6e 3a 00`);

/** §13.5 the whole OOB URN query: `\` NUL, urn:sha1, 0x1C, GGEP `SO`, trailing NUL. */
export const oobQuery = fromHex(`
  c6 33 64 07 a1 b2 c3 d4 ff 5e 6f 70 00 ca 18 00
  80 03 00 34 00 00 00
  8c 00
  5c 00
  75 72 6e 3a 73 68 61 31 3a 43 55 36 37 47 4f 33
  58 48 49 50 51 4c 37 55 4c 41 48 4a 53 43 49 49
  4d 34 56 34 4e 4e 37 32 37
  1c
  c3 82 53 4f 40
  00`);

/** §13.6 the whole QueryHit: 2 records, EQHD `EXMP` with GGEP `BH` and `PUSH`, servent id. */
export const queryHit = fromHex(`
  c1 d2 e3 f4 05 16 a7 b8 ff 19 aa bb 4c 5d 6e 00
  81 05 00 bf 00 00 00
  02
  ca 18 cb 00 71 05
  e8 03 00 00
  01 00 00 00
  b5 7a 42 00
  66 72 65 65 20 73 6f 66 74 77 61 72 65 20 73 6f
  6e 67 2e 6f 67 67 00
  75 72 6e 3a 73 68 61 31 3a 4f 4d 47 59 54 41 54
  47 46 5a 32 56 55 4c 5a 49 4e 4c 49 4d 49 54 34
  33 55 45 5a 4b 4e 56 50 33 00
  02 00 00 00 00 00 10 00
  67 6e 75 74 65 6c 6c 61 20 73 70 65 63 2e 74 78
  74 00
  c3
  01 48 55 01 88 5d bd a8 af e6 75 1f 15 f0 ee cc
  3d a0 0e dc 88 24 2f ba
  c2 43 54 45 01 04 3b 3d 4b
  00
  45 58 4d 50
  02
  3d
  29
  c3 02 42 48 40
  84 50 55 53 48 4c
  c0 00 02 14 ca 18 c0 00 02 15 cb 18
  5d 0b 8a 11 e7 c3 4f 2a 9b 6e 04 d1 c2 f3 a4 b5`);

/** §13.7 the whole Push: servent id of §13.6, index 2, 198.51.100.7:6346. */
export const push = fromHex(`
  77 02 aa 9e 31 c8 4b 05 ff 4a 55 e0 d9 12 8c 00
  40 04 00 1a 00 00 00
  5d 0b 8a 11 e7 c3 4f 2a 9b 6e 04 d1 c2 f3 a4 b5
  02 00 00 00
  c6 33 64 07
  ca 18`);

/*
 * GGEP vectors copied from shared/spec/ggep-huge.md §9 ("Hex examples") and
 * the length table of §3.
 */

/** §9 GGEP `SCP` in a ping payload. */
export const ggepScp = fromHex('c3 83 53 43 50 41 01');

/** §9 Pong GGEP with three extensions: DU 3600, UP 1/5/2, VC "EXMP" 1. */
export const ggepPongBlock = fromHex(`
  c3
  02 44 55 42 10 0e
  02 55 50 43 01 05 02
  82 56 43 45 45 58 4d 50 01`);

/** §9 Hit-record GGEP: `H` (SHA-1), then `CT` 1262304000 COBS-encoded. */
export const ggepHitRecord = fromHex(`
  c3
  01 48 55 01 88 5d bd a8 af e6 75 1f 15 f0 ee cc 3d a0 0e dc 88 24 2f ba
  c2 43 54 45 01 04 3b 3d 4b`);

/** §9 Query GGEP `H` for the SHA-1 of §7. */
export const ggepQueryH = fromHex(`c3 81 48 55 01 15 3d f3 3b 77 3a 1f
  05 fe 8b 01 d3 21 21 0c e5 78 d6 ff 5f`);

/** §9 Deflated `PHC`: 44 bytes of text compressed to 36. */
export const ggepPhc = fromHex(`
  c3 a3 50 48 43 64
  78 9c 2b cd 48 36 d4 4b ad 48 cc 2d c8 49 d5 cb 4b 2d b1 32 33 36 31 e3 2a cd
  48 36 c2 14 05 00 51 18 0e 30`);

/** §3 length encodings: value → bytes. */
export const ggepLengths: [number, string][] = [
  [0, '40'],
  [1, '41'],
  [63, '7f'],
  [64, '81 40'],
  [100, '81 64'],
  [4_095, 'bf 7f'],
  [4_096, '81 80 40'],
  [262_143, 'bf bf 7f'],
];

/** §4 COBS example. */
export const cobsExample = {
  plain: fromHex('11 00 22 00 00 33'),
  encoded: fromHex('02 11 02 22 01 02 33'),
};
