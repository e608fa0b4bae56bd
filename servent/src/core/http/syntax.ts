/** Small pieces of HTTP value syntax shared by the header codecs (internal; not re-exported). */

import { UsageError } from '../errors.js';

/**
 * A decimal integer of digits only (no sign, blanks or exponent), at most
 * `max`; undefined otherwise. Peer numbers go through here so that `1e3`,
 * `0x10` or `-1`, which `Number()` would accept, are refused.
 */
export function parseUint(text: string, max: number): number | undefined {
  if (!/^\d{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  return value <= max ? value : undefined;
}

/** The largest 32-bit unsigned value: file indexes travel in 4-byte fields (PUSH, query hits). */
export const MAX_UINT32 = 0xffff_ffff;

/** Throws UsageError unless `index` fits the 4-byte file index field. */
export function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index > MAX_UINT32) {
    throw new UsageError(`a file index is an integer in 0..${MAX_UINT32}, got ${index}`);
  }
}

const BYTES_UNIT = /^bytes(?:[ \t]*=[ \t]*|[ \t]+|$)/i;

/**
 * What follows the `bytes` unit of a Range, Content-Range or
 * X-Available-Ranges value, trimmed: `bytes=…`, or `bytes …` as old BearShare
 * wrote it (HTTP-6). Undefined when the value does not start with the unit.
 */
export function afterBytesUnit(value: string): string | undefined {
  const text = value.trim();
  const unit = BYTES_UNIT.exec(text);
  return unit ? text.slice(unit[0].length).trim() : undefined;
}

/** Peer text quoted for an error message, cut to a readable length. */
export const quote = (text: string): string =>
  JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);
