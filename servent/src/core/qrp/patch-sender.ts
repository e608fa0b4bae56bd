/**
 * The sending side of QRP (qrp.md §6): the updates that take a peer from the
 * table we last sent it to the current one — a RESET when there was none or
 * the size or infinity changed, then a PATCH sequence: deltas packed at 4 bits
 * when they fit (8 otherwise, 1 on request), zlib-compressed as one stream,
 * cut into chunks of at most 4096 bytes (QRP-5, QRP-6, QRP-8).
 */

import { deflateSync } from 'node:zlib';
import { UsageError } from '../errors.js';
import {
  DEFAULT_PATCH_CHUNK_BYTES,
  MAX_PATCH_CHUNK_BYTES,
  MAX_PATCH_MESSAGES,
  MIN_SENT_TABLE_BITS,
} from './constants.js';
import { packEntries } from './entries.js';
import {
  type EntryBits,
  PatchCompressor,
  type PatchCompressorCode,
  type RouteTableUpdate,
} from './route-table-update.js';
import { QueryRouteTable } from './table.js';

export interface PatchOptions {
  /**
   * Entry width. Default: 4 when every delta fits a signed nibble, else 8
   * (§6.2). 1 (toggles) only to a peer that announced QRP1 (QRP-20); it can
   * only say present/absent, so the tables must hold nothing else.
   */
  entryBits?: EntryBits;
  /** `smaller` (default, LimeWire's choice): zlib only when it saves bytes (§6.3). */
  compression?: 'zlib' | 'none' | 'smaller';
  /** Data bytes per PATCH: default 1024, at most 4096 (QRP-8). */
  chunkBytes?: number;
}

/**
 * Updates taking a peer from `previous` (what we last sent; undefined if
 * nothing yet) to `next`. Empty when nothing changed; a RESET alone for a
 * first table with no keywords (§6.6).
 */
export function routeTableUpdates(
  previous: QueryRouteTable | undefined,
  next: QueryRouteTable,
  options: PatchOptions = {},
): RouteTableUpdate[] {
  const chunkBytes = options.chunkBytes ?? DEFAULT_PATCH_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_PATCH_CHUNK_BYTES) {
    throw new UsageError(
      `chunkBytes must be an integer in 1..${MAX_PATCH_CHUNK_BYTES} (QRP-8), got ${chunkBytes}`,
    );
  }
  if (next.bits < MIN_SENT_TABLE_BITS) {
    throw new UsageError(
      `a table we send has at least 2^${MIN_SENT_TABLE_BITS} slots (QRP-3), got 2^${next.bits}`,
    );
  }
  const restart =
    previous === undefined || previous.bits !== next.bits || previous.infinity !== next.infinity;
  const from = restart ? new QueryRouteTable(next) : previous;
  const updates: RouteTableUpdate[] = restart
    ? [{ variant: 'reset', tableLength: next.length, infinity: next.infinity }]
    : [];
  const range = deltaRange(from, next);
  if (range === undefined) return updates;

  const entryBits = options.entryBits ?? (range.min >= -8 && range.max <= 7 ? 4 : 8);
  checkEntryBits(entryBits, range, from, next);
  const entries = packEntries(from, next, entryBits);
  let compressor: PatchCompressorCode = PatchCompressor.None;
  let data = entries;
  if (options.compression !== 'none') {
    const deflated = deflateSync(entries, { maxOutputLength: zlibCompressBound(entries.length) });
    if (options.compression === 'zlib' || deflated.length < entries.length) {
      compressor = PatchCompressor.Zlib;
      data = new Uint8Array(deflated.buffer, deflated.byteOffset, deflated.length);
    }
  }
  const seqSize = Math.ceil(data.length / chunkBytes);
  if (seqSize > MAX_PATCH_MESSAGES) {
    throw new UsageError(
      `a ${data.length}-byte patch needs ${seqSize} messages of ${chunkBytes} bytes, over ${MAX_PATCH_MESSAGES} (QRP-5); ` +
        'compress it, use larger chunks or a smaller table',
    );
  }
  for (let seqNo = 1; seqNo <= seqSize; seqNo++) {
    updates.push({
      variant: 'patch',
      seqNo,
      seqSize,
      compressor,
      entryBits,
      data: data.slice((seqNo - 1) * chunkBytes, seqNo * chunkBytes),
    });
  }
  return updates;
}

/**
 * One connection's sending state (§6.1): the table last sent, so that the
 * next update is a diff against it (QRP-9).
 */
export class RouteTableSender {
  readonly options: PatchOptions;
  #sent: QueryRouteTable | undefined;

  constructor(options: PatchOptions = {}) {
    this.options = options;
  }

  get lastSent(): QueryRouteTable | undefined {
    return this.#sent;
  }

  /** The updates to send now for `table` (none if it has not changed), which then count as sent. */
  update(table: QueryRouteTable): RouteTableUpdate[] {
    const updates = routeTableUpdates(this.#sent, table, this.options);
    if (updates.length > 0) this.#sent = table.clone();
    return updates;
  }
}

/** Smallest and largest value delta, or undefined when the tables are equal. */
function deltaRange(
  from: QueryRouteTable,
  to: QueryRouteTable,
): { min: number; max: number } | undefined {
  let min = 0;
  let max = 0;
  for (let slot = 0; slot < to.length; slot++) {
    const delta = to.values[slot]! - from.values[slot]!;
    if (delta < min) min = delta;
    else if (delta > max) max = delta;
  }
  return min === 0 && max === 0 ? undefined : { min, max };
}

function checkEntryBits(
  entryBits: EntryBits,
  range: { min: number; max: number },
  from: QueryRouteTable,
  to: QueryRouteTable,
): void {
  if (entryBits === 1) {
    // A toggle flips presence and lands on infinity or presentValue; nothing else is expressible.
    const infinity = to.infinity;
    for (let slot = 0; slot < to.length; slot++) {
      const before = from.values[slot]!;
      const after = to.values[slot]!;
      if (after === before) continue;
      if (
        before < infinity === after < infinity ||
        (after !== infinity && after !== to.presentValue)
      ) {
        throw new UsageError(
          `a 1-bit patch cannot take slot ${slot} from hop value ${before} to ${after}; use 4 or 8 bits`,
        );
      }
    }
    return;
  }
  const limit = 2 ** (entryBits - 1);
  if (range.min < -limit || range.max >= limit) {
    throw new UsageError(
      `deltas ${range.min}..${range.max} do not fit ${entryBits}-bit entries; use 8 bits or a smaller infinity`,
    );
  }
}

/** zlib's `compressBound`: deflate never needs more (§6.3). */
const zlibCompressBound = (n: number): number => n + (n >>> 12) + (n >>> 14) + (n >>> 25) + 13;
