/**
 * Stream-compression negotiation (§7): `Accept-Encoding: deflate` offers,
 * `Content-Encoding: deflate` in a later block announces. The directions are
 * independent.
 */

import { type HeaderField, HeaderName, type Headers } from './headers.js';

const isDeflate = (token: string): boolean => token.trim().toLowerCase() === 'deflate';

/** The block lists deflate in Accept-Encoding: its sender can receive compressed data. */
export function offersDeflate(headers: Headers): boolean {
  return headers.getList(HeaderName.AcceptEncoding).some(isDeflate);
}

/** The block says Content-Encoding: deflate (the whole value, as LimeWire compares it). */
export function announcesDeflate(headers: Headers): boolean {
  return isDeflate(headers.get(HeaderName.ContentEncoding) ?? '');
}

/**
 * The fields with Content-Encoding kept only when it is `deflate` answering a
 * deflate offer in the peer's earlier block (HS-22); `peer` is undefined before
 * the peer has written anything.
 */
export function withAnsweredEncoding(
  fields: ReadonlyArray<HeaderField>,
  peer: Headers | undefined,
): HeaderField[] {
  const offered = peer !== undefined && offersDeflate(peer);
  return fields.filter(
    ([name, value]) =>
      name.toLowerCase() !== HeaderName.ContentEncoding.toLowerCase() ||
      (offered && isDeflate(value)),
  );
}
