/**
 * `X-Available-Ranges` of partial file sharing (http-transfers.md §9, PFSP
 * 1.0a): the verified byte ranges of a file still being downloaded
 * (HTTP-20, HTTP-21, HTTP-31).
 */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { afterBytesUnit, parseUint, quote } from './syntax.js';

/** Inclusive byte offsets, as on the wire. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Ranges read from one value; the rest are ignored, bounding the work one header costs. */
export const MAX_RANGES_READ = 1000;
/** Ranges written by default; gtk-gnutella also truncates long lists (§9). */
export const MAX_RANGES_WRITTEN = 64;

const RANGE = /^(\d+)[ \t]*-[ \t]*(\d+)$/;

/**
 * `bytes a-b, c-d` (also `bytes=a-b,c-d`), sorted and merged. Any malformed
 * item fails the whole value, as in LimeWire: a source whose list cannot be
 * read cannot be asked for the right range (HTTP-31). `bytes` alone is the
 * empty list.
 */
export function parseAvailableRanges(value: string): Result<ByteRange[]> {
  const list = afterBytesUnit(value);
  if (list === undefined) return badRanges('no "bytes" unit', value);
  const ranges: ByteRange[] = [];
  for (const item of list.split(',', MAX_RANGES_READ)) {
    if (item.trim() === '') continue; // RFC 7230 §7: empty list elements are allowed
    const match = RANGE.exec(item.trim());
    const start = match ? parseUint(match[1]!, Number.MAX_SAFE_INTEGER) : undefined;
    const end = match ? parseUint(match[2]!, Number.MAX_SAFE_INTEGER) : undefined;
    if (start === undefined || end === undefined || start > end) {
      return badRanges(`bad range ${quote(item.trim())}`, value);
    }
    ranges.push({ start, end });
  }
  return ok(normalized(ranges));
}

function badRanges(what: string, value: string): Result<never> {
  return fail(new ProtocolError('bad-available-ranges', `${what} in ${quote(value)}`, 'HTTP-31'));
}

/**
 * `bytes a-b, c-d` of the sorted, merged ranges, keeping the first `max`.
 * When there are more than `max` merged ranges the list is truncated, and the
 * caller should add `X-Available: bytes <bytes held>` (gtk-gnutella, §4) so
 * that the peer knows more is held (HTTP-20).
 */
export function formatAvailableRanges(
  ranges: readonly ByteRange[],
  max = MAX_RANGES_WRITTEN,
): string {
  for (const { start, end } of ranges) {
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && 0 <= start && start <= end)) {
      throw new UsageError(`a byte range needs 0 <= start <= end, got ${start}-${end}`);
    }
  }
  const kept = normalized(ranges).slice(0, max);
  return kept.length === 0 ? 'bytes' : `bytes ${kept.map((r) => `${r.start}-${r.end}`).join(', ')}`;
}

/** Sorted by start, overlapping and touching ranges merged into one. */
function normalized(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [];
  for (const { start, end } of sorted) {
    const last = merged.at(-1);
    if (last && start <= last.end + 1) last.end = Math.max(last.end, end);
    else merged.push({ start, end });
  }
  return merged;
}
