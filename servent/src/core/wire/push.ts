/**
 * Push (0x40) payload (messages.md §11, MSG-32): the servent id of the host
 * asked to connect back, the file index, the IPv4 and port to connect to,
 * then optionally one GGEP block (only sent to peers that announced GGEP).
 */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { checkUint } from './bytes.js';
import { GGEP_MAGIC, GUID_LENGTH, PUSH_LENGTH } from './constants.js';
import { readIpv4, readU16le, readU32le, writeU16le, writeU32le } from './fields.js';
import { encodeGgep, type GgepExtension, newInflateBudget, parseGgepBlock } from './ggep.js';
import type { Guid } from './guid.js';
import { ipv4FromString } from './ipv4.js';

/** File index of a firewall-to-firewall (RUDP) push request (§10–11). */
export const FW_TO_FW_INDEX = 0x7fff_fffd;

export interface Push {
  /** Servent id of the host asked to push, from its QueryHit. */
  serventId: Guid;
  /** File index from the QueryHit record. */
  fileIndex: number;
  /** Where to connect: dotted quad (network order on the wire). */
  address: string;
  /** Port to connect to, u16le. */
  port: number;
  /** The GGEP block after the 26 bytes (LimeWire: empty `TLS`); empty when there is none. */
  ggep: GgepExtension[];
}

export function encodePush(push: Push): Uint8Array {
  if (push.serventId.length !== GUID_LENGTH) {
    throw new UsageError(`a servent id has ${GUID_LENGTH} bytes, got ${push.serventId.length}`);
  }
  checkUint('push file index', push.fileIndex, 32);
  checkUint('push port', push.port, 16);
  const address = ipv4FromString(push.address);
  if (!address.ok) throw new UsageError(`push address: ${address.error.message}`);
  const ggep = push.ggep.length > 0 ? encodeGgep(push.ggep) : new Uint8Array();
  const payload = new Uint8Array(PUSH_LENGTH + ggep.length);
  payload.set(push.serventId, 0);
  writeU32le(payload, 16, push.fileIndex);
  payload.set(address.value, 20);
  writeU16le(payload, 24, push.port);
  payload.set(ggep, PUSH_LENGTH);
  return payload;
}

/**
 * A payload longer than 26 bytes must end in exactly one valid GGEP block,
 * as gtk-gnutella requires; anything else fails, so the message is dropped
 * whole (GGEP-12).
 */
export function decodePush(payload: Uint8Array): Result<Push> {
  if (payload.length < PUSH_LENGTH) {
    return fail(
      new ProtocolError(
        'push-too-short',
        `a Push payload has at least ${PUSH_LENGTH} bytes, got ${payload.length}`,
        'MSG-32',
      ),
    );
  }
  let ggep: GgepExtension[] = [];
  if (payload.length > PUSH_LENGTH) {
    if (payload[PUSH_LENGTH] !== GGEP_MAGIC) {
      return fail(
        new ProtocolError(
          'push-extension-not-ggep',
          `bytes after the 26-byte Push must be a GGEP block (0xc3), got first byte 0x${payload[PUSH_LENGTH]!.toString(16).padStart(2, '0')}`,
          'MSG-32',
        ),
      );
    }
    const block = parseGgepBlock(payload, PUSH_LENGTH, payload.length, newInflateBudget());
    if (!block.ok) return block;
    if (block.value.end !== payload.length) {
      return fail(
        new ProtocolError(
          'push-trailing-bytes',
          `${payload.length - block.value.end} bytes follow the Push's GGEP block`,
          'MSG-32',
        ),
      );
    }
    ggep = block.value.extensions;
  }
  return ok({
    serventId: payload.slice(0, GUID_LENGTH),
    fileIndex: readU32le(payload, 16),
    address: readIpv4(payload, 20),
    port: readU16le(payload, 24),
    ggep,
  });
}
