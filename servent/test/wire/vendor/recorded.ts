/**
 * Real gtk-gnutella 1.2.3 bytes for vendor tests, copied from the `hex` of
 * frames in shared/recordings/gtk-gnutella-1.2.3/plain/ (file and frame index
 * cited). The segments servent/test/wire/recorded.ts already holds (A's
 * Messages Supported and Features Supported, B's first vendor burst) are
 * imported from there rather than copied twice.
 *
 * In s00 both ends are gtk-gnutella, so B's ("dir":"in") bytes are real-client
 * bytes too. s01, s02 and s05 are A connecting back to B's port 6347 after B's
 * BEAR/7: there the "in" bytes are A's.
 */
import { fromHex } from '../hex.js';

export { S00, S04, s00In4, s00Out3, s00Out5, s04In4 } from '../recorded.js';

export const S01 = '02_notls_plain_s01_http_127.0.0.1-53917_to_127.0.0.2-6347.json';
export const S02 = '02_notls_plain_s02_http_127.0.0.1-49049_to_127.0.0.2-6347.json';
export const S05 = '02_notls_plain_s05_http_127.0.0.1-49837_to_127.0.0.2-6347.json';

/** s00 frame 9 ("dir":"in"). B → A, 21 s after the first: TCP Connect Back to port 6347, again. */
export const s00In9 = fromHex('000000000000000000000000000000003101000a0000004245415207000100cb18');

/** s00 frame 10 ("dir":"in"). B → A: Push Proxy Request, header GUID = B's servent id, again. */
export const s00In10 = fromHex('125231022629c32fc8285c9692222609310100080000004c494d4515000100');

/** B's `GUID:` handshake header in s00 and s04 (HANDSHAKES.txt): its servent id. */
export const bServentId = '125231022629c32fc8285c9692222609';

/** s01, s02 and s05 frame 0 ("dir":"in"): everything A wrote on each connect-back connection. */
export const connectBackWrites = [
  { file: S01, bytes: fromHex('0a0a') },
  { file: S02, bytes: fromHex('0a0a') },
  { file: S05, bytes: fromHex('0a0a') },
];
