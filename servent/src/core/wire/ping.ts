/** Ping (0x00) payload: empty, or one GGEP block (messages.md §7, MSG-19). */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { copyOf } from './bytes.js';
import { GGEP_MAGIC } from './constants.js';

export interface Ping {
  /** The GGEP block as sent (kept opaque here); empty when the ping has none. */
  ggep: Uint8Array;
}

export function encodePing(ping: Ping = { ggep: new Uint8Array() }): Uint8Array {
  if (ping.ggep.length > 0 && ping.ggep[0] !== GGEP_MAGIC) {
    throw new UsageError('a Ping payload must be empty or a GGEP block starting with 0xc3');
  }
  return copyOf(ping.ggep);
}

export function decodePing(payload: Uint8Array): Result<Ping> {
  if (payload.length > 0 && payload[0] !== GGEP_MAGIC) {
    return fail(
      new ProtocolError(
        'ping-payload-not-ggep',
        `a non-empty Ping payload must be a GGEP block (0xc3), got first byte 0x${payload[0]!.toString(16).padStart(2, '0')}`,
      ),
    );
  }
  return ok({ ggep: copyOf(payload) });
}
