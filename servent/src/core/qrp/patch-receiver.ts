/**
 * The receiving side of QRP on one connection (qrp.md §7): RESET, then PATCH
 * sequences, each installing a new table when its last message arrives.
 *
 * State table (state, input → effect, next state):
 *
 *   no-table    RESET ok           → remember size and infinity, no table     → awaiting
 *               PATCH              → error patch-without-reset (QRP-4)        → no-table
 *   awaiting    RESET ok           → as above                                 → awaiting
 *               PATCH 1/n, n > 1   → buffer its data                          → receiving
 *               PATCH 1/1          → inflate, apply, install the table        → awaiting
 *               other PATCH        → error                                    → no-table
 *   receiving   PATCH k+1/n        → buffer (install if k+1 = n)              → receiving / awaiting
 *               RESET ok           → drop the sequence                        → awaiting
 *               other PATCH        → error                                    → no-table
 *   any         RESET refused      → error                                    → no-table
 *
 * Every error drops the connection's table (QRP-13, QRP-14): the caller stops
 * routing with it and closes with BYE 413, as our profile says (§7). A new
 * RESET starts over. A table is only ever replaced, never changed in place,
 * so `table` may be held on to while the next sequence arrives.
 *
 * Memory is bounded by the RESET: a table of at most `maxTableSlots` bytes,
 * and buffered patch data of at most the uncompressed patch size (or, for
 * zlib, `maxCompressedPatchBytes` of it); inflating never produces more than
 * the uncompressed patch size (zlib's `maxOutputLength`).
 */

import { inflateSync } from 'node:zlib';
import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { MAX_TABLE_SLOTS, maxCompressedPatchBytes } from './constants.js';
import { applyEntries, patchBytes } from './entries.js';
import {
  decodeRouteTableUpdate,
  type EntryBits,
  PatchCompressor,
  type PatchCompressorCode,
  type RouteTablePatch,
  type RouteTableUpdate,
} from './route-table-update.js';
import { QueryRouteTable, type TableShape } from './table.js';

export interface RouteTableReceiverOptions {
  /** Largest RESET length accepted; at most (and by default) MAX_TABLE_SLOTS, 2^21 (QRP-10). */
  maxTableSlots?: number;
}

export type ReceiverEvent =
  /** A RESET was taken: no table until a sequence completes (QRP-15). */
  | { kind: 'reset'; shape: TableShape }
  /** A PATCH was buffered; more of its sequence are due. */
  | { kind: 'patch-buffered'; seqNo: number; seqSize: number }
  /** A sequence completed: `table` is the one to route with from now on. */
  | { kind: 'table-installed'; table: QueryRouteTable };

interface Sequence {
  seqSize: number;
  compressor: PatchCompressorCode;
  entryBits: EntryBits;
  /** The last seq no taken. */
  seqNo: number;
  chunks: Uint8Array[];
  bytes: number;
}

export class RouteTableReceiver {
  readonly maxTableSlots: number;
  #shape: TableShape | undefined;
  #table: QueryRouteTable | undefined;
  #sequence: Sequence | undefined;

  constructor(options: RouteTableReceiverOptions = {}) {
    const max = options.maxTableSlots ?? MAX_TABLE_SLOTS;
    if (!Number.isInteger(max) || max < 1 || max > MAX_TABLE_SLOTS) {
      throw new UsageError(`maxTableSlots must be an integer in 1..${MAX_TABLE_SLOTS}, got ${max}`);
    }
    this.maxTableSlots = max;
  }

  /** The last completed table: undefined before the first sequence completes, after a RESET, after an error. */
  get table(): QueryRouteTable | undefined {
    return this.#table;
  }

  /** Size and infinity of the last RESET taken, undefined before one or after an error. */
  get shape(): TableShape | undefined {
    return this.#shape;
  }

  /** Patch bytes held for the sequence in progress. */
  get bufferedBytes(): number {
    return this.#sequence?.bytes ?? 0;
  }

  /** Decodes one ROUTE_TABLE_UPDATE payload and takes it. */
  handlePayload(payload: Uint8Array): Result<ReceiverEvent> {
    const update = decodeRouteTableUpdate(payload);
    return update.ok ? this.handleUpdate(update.value) : this.#fail(update.error);
  }

  handleUpdate(update: RouteTableUpdate): Result<ReceiverEvent> {
    if (update.variant === 'reset') {
      if (update.tableLength > this.maxTableSlots) {
        return this.#fail(
          new ProtocolError(
            'reset-table-too-large',
            `RESET announces ${update.tableLength} slots; we accept at most ${this.maxTableSlots}`,
            'QRP-10',
          ),
        );
      }
      this.#shape = { bits: Math.log2(update.tableLength), infinity: update.infinity };
      this.#table = undefined;
      this.#sequence = undefined;
      return ok({ kind: 'reset', shape: this.#shape });
    }
    return this.#handlePatch(update);
  }

  #handlePatch(patch: RouteTablePatch): Result<ReceiverEvent> {
    const shape = this.#shape;
    if (shape === undefined) {
      return this.#fail(
        new ProtocolError('patch-without-reset', 'PATCH before any RESET', 'QRP-4'),
      );
    }
    let sequence = this.#sequence;
    const expected = (sequence?.seqNo ?? 0) + 1;
    if (patch.seqNo !== expected) {
      return this.#fail(
        new ProtocolError(
          'patch-out-of-order',
          `PATCH seq no ${patch.seqNo} where ${expected} was due`,
          'QRP-13',
        ),
      );
    }
    if (sequence === undefined) {
      const { seqSize, compressor, entryBits } = patch;
      sequence = { seqSize, compressor, entryBits, seqNo: 0, chunks: [], bytes: 0 };
      this.#sequence = sequence;
    } else if (
      patch.seqSize !== sequence.seqSize ||
      patch.compressor !== sequence.compressor ||
      patch.entryBits !== sequence.entryBits
    ) {
      return this.#fail(
        new ProtocolError(
          'patch-sequence-changed',
          `PATCH ${patch.seqNo}/${patch.seqSize} (compressor ${patch.compressor}, ${patch.entryBits} bits) ` +
            `breaks a sequence of ${sequence.seqSize} (compressor ${sequence.compressor}, ${sequence.entryBits} bits)`,
          'QRP-13',
        ),
      );
    }
    const length = 2 ** shape.bits;
    const entryBytes = patchBytes(length, sequence.entryBits);
    const compressed = sequence.compressor === PatchCompressor.Zlib;
    const limit = compressed ? maxCompressedPatchBytes(entryBytes) : entryBytes;
    if (sequence.bytes + patch.data.length > limit) {
      return this.#fail(
        compressed
          ? new ProtocolError(
              'patch-too-large',
              `compressed PATCH data passes ${limit} bytes for a ${entryBytes}-byte patch`,
              'QRP-13',
            )
          : new ProtocolError(
              'patch-overflow',
              `PATCH data passes the ${entryBytes} bytes of ${length} ${sequence.entryBits}-bit entries`,
              'QRP-13',
            ),
      );
    }
    sequence.chunks.push(patch.data);
    sequence.bytes += patch.data.length;
    sequence.seqNo = patch.seqNo;
    if (patch.seqNo < sequence.seqSize) {
      return ok({ kind: 'patch-buffered', seqNo: patch.seqNo, seqSize: sequence.seqSize });
    }
    this.#sequence = undefined;
    const entries = this.#entries(sequence, entryBytes);
    if (!entries.ok) return this.#fail(entries.error);
    const table = this.#table?.clone() ?? new QueryRouteTable(shape);
    applyEntries(table, entries.value, sequence.entryBits);
    this.#table = table;
    return ok({ kind: 'table-installed', table });
  }

  /** The uncompressed patch: exactly `entryBytes`, from one zlib stream ending with the sequence (QRP-6). */
  #entries(sequence: Sequence, entryBytes: number): Result<Uint8Array> {
    const data = concat(sequence.chunks, sequence.bytes);
    if (sequence.compressor === PatchCompressor.None) {
      return data.length === entryBytes ? ok(data) : fail(tooFewEntries(data.length, entryBytes));
    }
    let inflated: { buffer: Uint8Array; engine: { bytesWritten: number } };
    try {
      inflated = inflateSync(data, {
        maxOutputLength: entryBytes,
        info: true,
      }) as unknown as typeof inflated;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return fail(
        code === 'ERR_BUFFER_TOO_LARGE'
          ? new ProtocolError(
              'patch-overflow',
              `the zlib stream inflates past the ${entryBytes} bytes of the table's entries`,
              'QRP-13',
            )
          : new ProtocolError(
              'patch-bad-zlib',
              `the zlib stream of the sequence is corrupt or unfinished (${String(code)})`,
              'QRP-13',
            ),
      );
    }
    if (inflated.engine.bytesWritten !== data.length) {
      return fail(
        new ProtocolError(
          'patch-trailing-data',
          `the zlib stream ends after ${inflated.engine.bytesWritten} of ${data.length} bytes`,
          'QRP-6',
        ),
      );
    }
    const entries = new Uint8Array(
      inflated.buffer.buffer,
      inflated.buffer.byteOffset,
      inflated.buffer.length,
    );
    return entries.length === entryBytes
      ? ok(entries)
      : fail(tooFewEntries(entries.length, entryBytes));
  }

  #fail(error: ProtocolError): Result<never> {
    this.#shape = undefined;
    this.#table = undefined;
    this.#sequence = undefined;
    return fail(error);
  }
}

const tooFewEntries = (got: number, want: number): ProtocolError =>
  new ProtocolError(
    'patch-too-short',
    `the sequence's patch has ${got} bytes of entries where the table needs ${want}`,
    'QRP-6',
  );

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
