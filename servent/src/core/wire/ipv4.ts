/** IPv4 addresses as they appear on the wire: 4 bytes in network order (messages.md §1). */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';

/** Dotted-quad text of 4 network-order bytes: `d0 11 32 04` → `208.17.50.4`. */
export function ipv4ToString(bytes: Uint8Array): string {
  if (bytes.length !== 4) throw new UsageError(`an IPv4 address has 4 bytes, got ${bytes.length}`);
  return bytes.join('.');
}

// Canonical decimal octets only: a leading zero could be read as octal elsewhere.
const OCTET = /^(?:0|[1-9][0-9]{0,2})$/;

/** The 4 network-order bytes of a dotted quad such as `203.0.113.5`. */
export function ipv4FromString(text: string): Result<Uint8Array> {
  const parts = text.split('.');
  const bytes = new Uint8Array(4);
  const valid =
    parts.length === 4 &&
    parts.every((part, i) => {
      if (!OCTET.test(part)) return false;
      const value = Number(part);
      bytes[i] = value;
      return value <= 255;
    });
  if (!valid) {
    const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
    return fail(
      new ProtocolError('ipv4-malformed', `expected a dotted-quad IPv4 address, got ${shown}`),
    );
  }
  return ok(bytes);
}
