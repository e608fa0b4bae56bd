/** Small byte helpers shared by the codecs (internal; not re-exported). */

import { UsageError } from '../errors.js';

/** A DataView over exactly `bytes`, which may itself be a view into a larger buffer. */
export const viewOf = (bytes: Uint8Array): DataView =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * A fresh plain copy. Decoded values must not alias the caller's buffer, and
 * `Buffer#slice` would not copy, so copies go through the constructor.
 */
export const copyOf = (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes);

/** Throws a UsageError unless `value` fits an unsigned integer field of `bits` bits. */
export function checkUint(name: string, value: number, bits: 8 | 16 | 32): void {
  const max = 2 ** bits - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new UsageError(`${name} must be an integer in 0..${max}, got ${value}`);
  }
}
