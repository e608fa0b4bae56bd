/**
 * Test vectors copied byte for byte from shared/spec/vendor-messages.md §6
 * ("Hex examples"). Each is a whole message: 23-byte header, then payload.
 */
import { fromHex } from '../hex.js';

/** §6 Messages Supported, 7 entries (89 bytes). */
export const messagesSupported = fromHex(`
  2f 6e 11 c0 a9 d8 4b 7a ff 02 c3 e4 5f 6a 7b 00  31 01 00 42 00 00 00
  00 00 00 00 00 00 00 00
  07 00
  42 45 41 52 04 00 01 00   42 45 41 52 07 00 01 00
  42 45 41 52 0b 00 01 00   42 45 41 52 0c 00 01 00
  47 54 4b 47 07 00 02 00   4c 49 4d 45 15 00 01 00
  4c 49 4d 45 16 00 02 00`);

/** §6 Hops Flow 0 (stop sending queries). */
export const hopsFlowZero = fromHex(`
  2f 6e 11 c0 a9 d8 4b 7a ff 02 c3 e4 5f 6a 7b 00  31 01 00 09 00 00 00
  42 45 41 52 04 00 01 00 00`);

/** §6 TCP Connect Back to port 6346. */
export const tcpConnectBack = fromHex(`
  2f 6e 11 c0 a9 d8 4b 7a ff 02 c3 e4 5f 6a 7b 00  31 01 00 0a 00 00 00
  42 45 41 52 07 00 01 00 ca 18`);

/** §6 UDP Connect Back v2 (ping must carry GUID e0c4a1f2...e600). */
export const udpConnectBackV2 = fromHex(`
  e0 c4 a1 f2 33 9b 4d 68 ff 51 a2 b3 c4 d5 e6 00  31 01 00 0a 00 00 00
  47 54 4b 47 07 00 02 00 ca 18`);

/** §6 UDP Connect Back v1 (GUID in payload). */
export const udpConnectBackV1 = fromHex(`
  2f 6e 11 c0 a9 d8 4b 7a ff 02 c3 e4 5f 6a 7b 00  31 01 00 1a 00 00 00
  47 54 4b 47 07 00 01 00 ca 18 e0 c4 a1 f2 33 9b 4d 68 ff 51 a2 b3 c4 d5 e6 00`);

/** §6 Push Proxy Request (GUID = leaf servent id). */
export const pushProxyRequest = fromHex(`
  5d 0b 8a 11 e7 c3 4f 2a 9b 6e 04 d1 c2 f3 a4 b5  31 01 00 08 00 00 00
  4c 49 4d 45 15 00 01 00`);

/** §6 Push Proxy Acknowledgement v2: proxy 192.0.2.20:6346. */
export const pushProxyAckV2 = fromHex(`
  5d 0b 8a 11 e7 c3 4f 2a 9b 6e 04 d1 c2 f3 a4 b5  31 01 00 0e 00 00 00
  4c 49 4d 45 16 00 02 00 c0 00 02 14 ca 18`);

/** §6 Query Status Request for query GUID c1d2...6e00. */
export const queryStatusRequest = fromHex(`
  c1 d2 e3 f4 05 16 a7 b8 ff 19 aa bb 4c 5d 6e 00  31 01 00 08 00 00 00
  42 45 41 52 0b 00 01 00`);

/** §6 Query Status Response (37 results kept) for the same query. */
export const queryStatusResponse = fromHex(`
  c1 d2 e3 f4 05 16 a7 b8 ff 19 aa bb 4c 5d 6e 00  31 01 00 0a 00 00 00
  42 45 41 52 0c 00 01 00 25 00`);

/** §6 OOB Reply Number v2: 3 hits, can receive unsolicited UDP (GUID = OOB query GUID). */
export const oobReplyNumberV2 = fromHex(`
  c6 33 64 07 a1 b2 c3 d4 ff 5e 6f 70 00 ca 18 00  31 01 00 0a 00 00 00
  4c 49 4d 45 0c 00 02 00 03 01`);

/** §6 OOB ACK v2: want 3. */
export const oobAckV2 = fromHex(`
  c6 33 64 07 a1 b2 c3 d4 ff 5e 6f 70 00 ca 18 00  31 01 00 09 00 00 00
  4c 49 4d 45 0b 00 02 00 03`);

/** §6 OOB ACK v3: want 3, token 9f 31 c2. */
export const oobAckV3 = fromHex(`
  c6 33 64 07 a1 b2 c3 d4 ff 5e 6f 70 00 ca 18 00  31 01 00 11 00 00 00
  4c 49 4d 45 0b 00 03 00 03 c3 82 53 4f 43 9f 31 c2`);
