/**
 * Consistent Overhead Byte Stuffing, as GGEP uses it to keep 0x00 out of
 * extension data (ggep-huge.md §4, GGEP-6, GGEP-8).
 */

import { fail, ok, ProtocolError, type Result } from '../errors.js';

/** Longest run of non-zero bytes one code byte can carry. */
const MAX_RUN = 254;

/**
 * Encodes `data` so the result holds no 0x00: a virtual 0x00 is appended, the
 * input is cut at every 0x00 and after every 254 non-zero bytes, and each
 * piece becomes its length + 1 followed by its bytes. Input ending exactly on
 * a 254-byte run therefore ends in a `01` code (LimeWire's form; gtk-gnutella
 * omits it, and `cobsDecode` accepts both).
 */
export function cobsEncode(data: Uint8Array): Uint8Array {
  // One code byte per started run of 254, plus the final code.
  const out = new Uint8Array(data.length + Math.floor(data.length / MAX_RUN) + 1);
  let codeAt = 0;
  let at = 1;
  let run = 0;
  for (const byte of data) {
    if (byte === 0) {
      out[codeAt] = run + 1;
      codeAt = at++;
      run = 0;
      continue;
    }
    out[at++] = byte;
    if (++run === MAX_RUN) {
      out[codeAt] = 0xff;
      codeAt = at++;
      run = 0;
    }
  }
  out[codeAt] = run + 1;
  // slice, not subarray: see fields.ts.
  return out.slice(0, at);
}

/**
 * Reverses `cobsEncode`: each code `c` is followed by `c − 1` bytes, then a
 * 0x00 unless `c` is 0xFF or the input ends. A 0x00 in the input, or a code
 * promising more bytes than remain, is `cobs-malformed` (GGEP-6).
 */
export function cobsDecode(encoded: Uint8Array): Result<Uint8Array> {
  const out = new Uint8Array(encoded.length);
  let length = 0;
  let at = 0;
  while (at < encoded.length) {
    const code = encoded[at++]!;
    const end = at + code - 1;
    if (code === 0 || end > encoded.length) {
      return fail(
        new ProtocolError(
          'cobs-malformed',
          code === 0
            ? `COBS data holds a 0x00 at offset ${at - 1}`
            : `COBS code 0x${code.toString(16)} at offset ${at - 1} needs ${code - 1} bytes, ${encoded.length - at} remain`,
          'GGEP-6',
        ),
      );
    }
    for (; at < end; at++) {
      const byte = encoded[at]!;
      if (byte === 0) {
        return fail(
          new ProtocolError('cobs-malformed', `COBS data holds a 0x00 at offset ${at}`, 'GGEP-6'),
        );
      }
      out[length++] = byte;
    }
    if (code !== 0xff && at < encoded.length) out[length++] = 0;
  }
  return ok(out.slice(0, length));
}
