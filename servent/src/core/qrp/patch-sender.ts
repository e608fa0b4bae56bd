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
   * Entry width. Default: 4 when the deltas fit a signed nibble, else 8
   * (§6.2). 1 (toggles) only to a peer that announced QRP1 (QRP-20).
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
  if (from.equals(next)) return updates;

  // Every changed slot moves by ±span (§4.2): 4 bits hold up to 7, 8 bits up to 127.
  const span = next.infinity - next.presentValue;
  const entryBits = options.entryBits ?? (span <= 7 ? 4 : 8);
  if (entryBits !== 1 && span >= 2 ** (entryBits - 1)) {
    throw new UsageError(
      `deltas of ±${span} do not fit ${entryBits}-bit entries; use 8 bits or a smaller infinity`,
    );
  }
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

/** zlib's `compressBound`: deflate never needs more (§6.3). */
const zlibCompressBound = (n: number): number => n + (n >>> 12) + (n >>> 14) + (n >>> 25) + 13;
