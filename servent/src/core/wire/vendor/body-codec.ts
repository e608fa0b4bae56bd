/** The shape every typed vendor-message body shares, and helpers for writing one (internal). */

import { fail, ProtocolError, type Result, UsageError } from '../../errors.js';
import { NULL_VENDOR } from './constants.js';
import type { KnownVendorMessage, VendorMessageId } from './types.js';

/** One row of the codec table: the wire triple, its variant, and how to read and write its body. */
export interface BodyCodec<M extends KnownVendorMessage = KnownVendorMessage> {
  kind: M['kind'];
  vendor: string;
  selector: number;
  version: M['version'];
  /** The name gtk-gnutella and the spec's catalogue give it (§3). */
  name: string;
  /** The clause whose layout a malformed body breaks. */
  clause: string | undefined;
  /** Reads the bytes after the 8-byte envelope. */
  decode(body: Uint8Array): Result<M>;
  /** Body bytes `message` needs. */
  size(message: M): number;
  /**
   * Writes the body at `at` in `payload`, which has room for `size(message)`
   * bytes there; UsageError on fields that do not fit.
   */
  write(message: M, payload: Uint8Array, view: DataView, at: number): void;
}

/** Widens a typed row for the shared table; `size` and `write` only ever see its own kind and version. */
export const row = <M extends KnownVendorMessage>(codec: BodyCodec<M>): BodyCodec =>
  codec as unknown as BodyCodec;

/** `BEAR/4v1`, `null/0v0`; ids that are not printable ASCII show as hex. */
export function formatVendorId({ vendor, selector, version }: VendorMessageId): string {
  let name = vendor;
  if (vendor === NULL_VENDOR) name = 'null';
  else if (!/^[\x20-\x7e]{4}$/.test(vendor)) {
    name = `0x${Array.from(vendor, (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('')}`;
  }
  return `${name}/${selector}v${version}`;
}

/** A 4-byte vendor id or feature name as a latin1 string (one character per byte). */
export const readCode = (bytes: Uint8Array, offset: number): string =>
  String.fromCharCode(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);

/** Throws a UsageError unless `code` is 4 characters of one byte each. */
export function checkCode(code: string, what: string): void {
  let fits = code.length === 4;
  for (let i = 0; fits && i < 4; i++) fits = code.charCodeAt(i) <= 0xff;
  if (!fits) {
    throw new UsageError(
      `${what} must be 4 characters in U+0000..U+00FF (one per byte), got ${JSON.stringify(code)}`,
    );
  }
}

export function writeCode(bytes: Uint8Array, offset: number, code: string, what: string): void {
  checkCode(code, what);
  for (let i = 0; i < 4; i++) bytes[offset + i] = code.charCodeAt(i);
}

/** The failure for a body whose size the layout does not allow. */
export function bodyLengthError(
  codec: Pick<BodyCodec, 'vendor' | 'selector' | 'version' | 'name' | 'clause'>,
  expected: string,
  got: number,
): Result<never> {
  return fail(
    new ProtocolError(
      'vendor-body-length',
      `${formatVendorId(codec)} ${codec.name} body must have ${expected}, got ${got} bytes`,
      codec.clause,
    ),
  );
}
