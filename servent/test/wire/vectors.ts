/**
 * Test vectors copied byte for byte from shared/spec/messages.md §13
 * ("Hex examples"). Each is a whole message: 23-byte header, then payload.
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
