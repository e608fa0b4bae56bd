/** Pong (0x01) payload (messages.md §8, MSG-23). */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { checkUint, copyOf, viewOf } from './bytes.js';
import { GGEP_MAGIC, PONG_FIXED_LENGTH } from './constants.js';
import { ipv4FromString, ipv4ToString } from './ipv4.js';

export interface Pong {
  /** Listening port of the described host (u16le). */
  port: number;
  /** IPv4 of the described host, dotted quad (network order on the wire). */
  address: string;
  /** Number of shared files (u32le). */
  sharedFiles: number;
  /** Kilobytes shared (u32le); a power of two ≥ 8 marks an ultrapeer (MSG-38). */
  sharedKilobytes: number;
  /** Bytes after offset 14: a GGEP block kept opaque here; empty when absent. */
  ggep: Uint8Array;
}

export function encodePong(pong: Pong): Uint8Array {
  checkUint('pong port', pong.port, 16);
  checkUint('pong sharedFiles', pong.sharedFiles, 32);
  checkUint('pong sharedKilobytes', pong.sharedKilobytes, 32);
  const address = ipv4FromString(pong.address);
  if (!address.ok) throw new UsageError(`pong address: ${address.error.message}`);
  if (pong.ggep.length > 0 && pong.ggep[0] !== GGEP_MAGIC) {
    throw new UsageError('pong extensions must be a GGEP block starting with 0xc3 (MSG-23)');
  }
  const bytes = new Uint8Array(PONG_FIXED_LENGTH + pong.ggep.length);
  const view = viewOf(bytes);
  view.setUint16(0, pong.port, true);
  bytes.set(address.value, 2);
  view.setUint32(6, pong.sharedFiles, true);
  view.setUint32(10, pong.sharedKilobytes, true);
  bytes.set(pong.ggep, PONG_FIXED_LENGTH);
  return bytes;
}

export function decodePong(payload: Uint8Array): Result<Pong> {
  if (payload.length < PONG_FIXED_LENGTH) {
    return fail(
      new ProtocolError(
        'pong-too-short',
        `a Pong payload has at least ${PONG_FIXED_LENGTH} bytes, got ${payload.length}`,
        'MSG-23',
      ),
    );
  }
  if (payload.length > PONG_FIXED_LENGTH && payload[PONG_FIXED_LENGTH] !== GGEP_MAGIC) {
    return fail(
      new ProtocolError(
        'pong-extension-not-ggep',
        `bytes after the 14-byte Pong must be a GGEP block (0xc3), got first byte 0x${payload[PONG_FIXED_LENGTH]!.toString(16).padStart(2, '0')}`,
        'MSG-23',
      ),
    );
  }
  const view = viewOf(payload);
  return ok({
    port: view.getUint16(0, true),
    address: ipv4ToString(payload.subarray(2, 6)),
    sharedFiles: view.getUint32(6, true),
    sharedKilobytes: view.getUint32(10, true),
    ggep: copyOf(payload.subarray(PONG_FIXED_LENGTH)),
  });
}
