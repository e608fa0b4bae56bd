/** 16-byte message GUIDs and servent ids (messages.md §5). */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { GUID_LENGTH } from './constants.js';

/** A message GUID or servent id: always 16 bytes. */
export type Guid = Uint8Array;

/** Lower-case hex, 32 digits: the form used in logs, route-table keys and the `GUID:` header. */
export function guidToHex(guid: Guid): string {
  if (guid.length !== GUID_LENGTH) {
    throw new UsageError(`a GUID has ${GUID_LENGTH} bytes, got ${guid.length}`);
  }
  let hex = '';
  for (const byte of guid) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

const GUID_HEX = /^[0-9a-f]{32}$/i;

/** Parses 32 hex digits (either case), e.g. a peer's `GUID:` handshake header. */
export function guidFromHex(text: string): Result<Guid> {
  if (!GUID_HEX.test(text)) {
    const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
    return fail(new ProtocolError('guid-bad-hex', `expected 32 hex digits, got ${shown}`));
  }
  const guid = new Uint8Array(GUID_LENGTH);
  for (let i = 0; i < GUID_LENGTH; i++) {
    guid[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  }
  return ok(guid);
}

/**
 * A fresh GUID for a message we originate, marked the way the draft asks of
 * modern servents: byte 8 = 0xff, byte 15 = 0x00 (MSG-7). The core has no RNG,
 * so the caller supplies `random(n)`, which must return `n` random bytes.
 */
export function newGuid(random: (n: number) => Uint8Array): Guid {
  const bytes = random(GUID_LENGTH);
  if (bytes.length !== GUID_LENGTH) {
    throw new UsageError(`random(${GUID_LENGTH}) returned ${bytes.length} bytes`);
  }
  const guid = new Uint8Array(bytes);
  guid[8] = 0xff;
  guid[15] = 0x00;
  return guid;
}
