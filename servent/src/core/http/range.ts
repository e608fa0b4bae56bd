/**
 * `Range` requests and `Content-Range` answers (http-transfers.md §6,
 * HTTP-6..10, HTTP-27). Ranges are inclusive byte offsets, as on the wire.
 */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { afterBytesUnit, parseUint, quote } from './syntax.js';

export type RangeRequest =
  /** No Range header: serve the whole file with 200. */
  | { kind: 'whole' }
  /**
   * Serve `start..end` (inclusive, within the file). It may cover the whole
   * file; the caller answers 200 then and 206 otherwise (HTTP-10).
   */
  | { kind: 'range'; start: number; end: number }
  /** 416, with a Content-Range holding only the size (HTTP-8, `formatUnsatisfiedRange`). */
  | { kind: 'unsatisfiable' }
  /** 400 (HTTP-6). */
  | { kind: 'malformed'; reason: string };

const WHOLE: RangeRequest = { kind: 'whole' };
const UNSATISFIABLE: RangeRequest = { kind: 'unsatisfiable' };

// One range-spec: `a-b`, `a-`, `-n`, blanks allowed around the dash (HTTP-6).
const RANGE_SPEC = /^(\d*)[ \t]*-[ \t]*(\d*)$/;

/**
 * What part of a file of `size` bytes a `Range` value asks for. Any digits
 * are read, however long: an end past EOF is clamped (HTTP-7) and a start
 * past it is unsatisfiable (HTTP-8), so no number is too big to answer.
 * Several ranges get the first satisfiable one, the single sub-range that
 * HTTP-9 allows (gtk-gnutella's choice; LimeWire's 416 is the other).
 */
export function parseRange(value: string | undefined, size: number): RangeRequest {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new UsageError(`a file size is a non-negative integer, got ${size}`);
  }
  if (value === undefined) return WHOLE;
  const specs = afterBytesUnit(value);
  if (specs === undefined) return malformed('a Range needs the "bytes" unit (HTTP-6)', value);
  const bounds: [first: number | undefined, last: number | undefined][] = [];
  for (const spec of specs.split(',')) {
    if (spec.trim() === '') continue; // RFC 7230 §7: empty list elements are allowed
    const match = RANGE_SPEC.exec(spec.trim());
    if (!match || (match[1] === '' && match[2] === '')) {
      return malformed('expected a-b, a- or -n', value);
    }
    const first = match[1] === '' ? undefined : Number(match[1]);
    const last = match[2] === '' ? undefined : Number(match[2]);
    if (first !== undefined && last !== undefined && first > last) {
      return malformed('the range starts after it ends', value);
    }
    bounds.push([first, last]);
  }
  if (bounds.length === 0) return malformed('no range after "bytes"', value);
  for (const [first, last] of bounds) {
    const range = resolve(first, last, size);
    if (range) return range;
  }
  return UNSATISFIABLE;
}

/** The bytes one range-spec names within the file, or undefined when it names none. */
function resolve(
  first: number | undefined,
  last: number | undefined,
  size: number,
): RangeRequest | undefined {
  if (size === 0) return undefined;
  if (first === undefined) {
    // `-n`: the last n bytes; more than the file is all of it (HTTP-7).
    if (last === 0) return undefined;
    return { kind: 'range', start: Math.max(0, size - last!), end: size - 1 };
  }
  if (first >= size) return undefined; // HTTP-8
  return { kind: 'range', start: first, end: Math.min(last ?? size - 1, size - 1) }; // HTTP-7
}

function malformed(what: string, value: string): RangeRequest {
  return { kind: 'malformed', reason: `${what}: ${quote(value)}` };
}

export type ContentRange =
  | { kind: 'range'; start: number; end: number; total: number }
  /** A `*` instead of the range, sent with 416 (HTTP-8): nothing served, but the size is known. */
  | { kind: 'unsatisfied'; total: number };

const CONTENT_RANGE = /^(?:(\d+)[ \t]*-[ \t]*(\d+)|\*)[ \t]*\/[ \t]*(\d+)$/;

/**
 * A `Content-Range` value: `bytes s-e/total` (also `bytes=s-e/total`, which
 * old servents wrote) or `*` in place of `s-e` (416). `total` is the complete file's size
 * even when a partial file is served (§4). Whether the range lies within the
 * request is the downloader's check (HTTP-27).
 */
export function parseContentRange(value: string): Result<ContentRange> {
  const match = CONTENT_RANGE.exec(afterBytesUnit(value) ?? '');
  if (!match) return badContentRange('expected "bytes s-e/total" or "bytes */total"', value);
  const [, first, last, size] = match;
  const total = parseUint(size!, Number.MAX_SAFE_INTEGER);
  if (total === undefined) return badContentRange('the size is too large', value);
  if (first === undefined) return ok({ kind: 'unsatisfied', total });
  const start = parseUint(first, Number.MAX_SAFE_INTEGER);
  const end = parseUint(last!, Number.MAX_SAFE_INTEGER);
  if (start === undefined || end === undefined || start > end || end >= total) {
    return badContentRange('the range must satisfy start <= end < total', value);
  }
  return ok({ kind: 'range', start, end, total });
}

function badContentRange(what: string, value: string): Result<never> {
  return fail(new ProtocolError('bad-content-range', `${what}, got ${quote(value)}`, 'HTTP-10'));
}

/** `bytes s-e/total` for a 206 (HTTP-10). */
export function formatContentRange(start: number, end: number, total: number): string {
  if (!(Number.isSafeInteger(start) && start >= 0 && start <= end && end < total)) {
    throw new UsageError(
      `a content range needs 0 <= start <= end < total, got ${start}-${end}/${total}`,
    );
  }
  return `bytes ${start}-${end}/${total}`;
}

/** The Content-Range of a 416, `*` in place of the range: gtk-gnutella and RFC 2616 send it (HTTP-8). */
export function formatUnsatisfiedRange(total: number): string {
  if (!Number.isSafeInteger(total) || total < 0) {
    throw new UsageError(`a file size is a non-negative integer, got ${total}`);
  }
  return `bytes */${total}`;
}
