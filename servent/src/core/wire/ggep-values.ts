/**
 * Value conventions shared by many GGEP keys (ggep-huge.md §6): minimal
 * little-endian integers (GGEP-14) and packed IPv4:port lists (GGEP-13).
 */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { checkUint } from './bytes.js';
import { readIpv4, readU16le, writeU16le } from './fields.js';
import { ipv4FromString } from './ipv4.js';

/** Widest integer value GGEP-14 lets readers accept. */
const MAX_INT_BYTES = 8;

/** One packed host: IPv4 in network order, then the port u16le. */
const PACKED_HOST_LENGTH = 6;

/**
 * An unsigned integer of 0–8 bytes, least significant first; empty means 0
 * (gtk-gnutella writes 0 that way). Values above 2^53 − 1 are refused rather
 * than rounded.
 */
export function decodeGgepUint(data: Uint8Array): Result<number> {
  if (data.length > MAX_INT_BYTES) {
    return fail(
      new ProtocolError(
        'ggep-int-too-long',
        `a GGEP integer has at most ${MAX_INT_BYTES} bytes, got ${data.length}`,
        'GGEP-14',
      ),
    );
  }
  let value = 0;
  for (let i = data.length - 1; i >= 0; i--) value = value * 256 + data[i]!;
  if (!Number.isSafeInteger(value)) {
    return fail(
      new ProtocolError(
        'ggep-int-unsafe',
        'a GGEP integer above 2^53 − 1 cannot be represented',
        'GGEP-14',
      ),
    );
  }
  return ok(value);
}

/** The minimal little-endian form: high zero bytes dropped, so 0 is empty (GGEP-14). */
export function encodeGgepUint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new UsageError(`a GGEP integer must be a safe non-negative integer, got ${value}`);
  }
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.push(rest % 256);
  return Uint8Array.from(bytes);
}

export interface HostPort {
  /** Dotted quad. */
  address: string;
  port: number;
}

/** Hosts packed 6 bytes each (`IPP`, `PUSH`, `ALT`, `DHTIPP`, `IP`); another length is invalid (GGEP-13). */
export function decodePackedHosts(data: Uint8Array): Result<HostPort[]> {
  if (data.length % PACKED_HOST_LENGTH !== 0) {
    return fail(
      new ProtocolError(
        'ggep-packed-hosts-length',
        `packed hosts take ${PACKED_HOST_LENGTH} bytes each, got ${data.length} bytes`,
        'GGEP-13',
      ),
    );
  }
  const hosts: HostPort[] = [];
  for (let at = 0; at < data.length; at += PACKED_HOST_LENGTH) {
    hosts.push({ address: readIpv4(data, at), port: readU16le(data, at + 4) });
  }
  return ok(hosts);
}

export function encodePackedHosts(hosts: readonly HostPort[]): Uint8Array {
  const data = new Uint8Array(hosts.length * PACKED_HOST_LENGTH);
  hosts.forEach((host, i) => {
    const address = ipv4FromString(host.address);
    if (!address.ok) throw new UsageError(`packed host ${i}: ${address.error.message}`);
    checkUint(`packed host ${i} port`, host.port, 16);
    data.set(address.value, i * PACKED_HOST_LENGTH);
    writeU16le(data, i * PACKED_HOST_LENGTH + 4, host.port);
  });
  return data;
}
