/**
 * Real gtk-gnutella 1.2.3 QRP frames sent by leaf B (127.0.0.2) to ultrapeer A,
 * copied from the `hex` of frames ("dir":"in", i.e. received by A — both ends
 * are gtk-gnutella, see ../wire/recorded.ts) in
 * shared/recordings/gtk-gnutella-1.2.3/plain/. Each is one TCP segment holding
 * exactly one message. B's RESET and 4-bit PATCH after its reconnect are the
 * first two messages of `s04In4` in ../wire/recorded.ts.
 *
 * B shares `alpha_test_file.txt`, `bravo_test_file.bin`, `charlie_song_test.mp3`
 * (recordings README) and later seeds `delta_ultra_file.txt`, downloaded from A
 * (plain/shell_B_downloads.txt).
 */
import { fromHex } from '../wire/hex.js';

/** s00 frame 7: RESET, 16384 slots, infinity 1. */
export const s00In7 = fromHex('443c3102fe73b16b3b39f0de75cb18f730010006000000000040000001');

/** s00 frame 8: PATCH 1/1, zlib, 1-bit entries (59 data bytes). */
export const s00In8 = fromHex(
  'd3013102ba370280e255e7b49019b13530010040000000010101010178da6360' +
    '1805c31034d0c454269ab9578138658c54b08a8304b502b4f11e0bfda26ca401' +
    '9601b55d80da89496038c715e368721d700000bcc10195',
);

/** s04 frame 11, 40.8 s into the connection: PATCH 1/1, zlib, 1-bit entries, on the infinity-2 table of s04 frame 4. */
export const s04In11 = fromHex(
  '02a23102e545e75571c3ae062145d71330010027000000010101010178da6360' +
    '18054302288c06c1508f0e87d1601b05a380868071340848040092300082',
);
