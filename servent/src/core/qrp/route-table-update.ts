/**
 * ROUTE_TABLE_UPDATE (0x30) payloads, RESET and PATCH (qrp.md §5), decoded
 * and encoded byte for byte. The decoder checks each message on its own; the
 * order of messages is the receiver's business (patch-receiver.ts).
 */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { encodeMessage, type Guid, MessageType } from '../wire/index.js';
import { MAX_PATCH_MESSAGES, PATCH_HEADER_LENGTH, RESET_PAYLOAD_LENGTH } from './constants.js';

/** Payload byte 0 (§5, QRP-2). */
export const RouteTableVariant = { Reset: 0x00, Patch: 0x01 } as const;

/** PATCH compressor byte (§5): none, or one zlib (RFC 1950) stream over the whole sequence. */
export const PatchCompressor = { None: 0x00, Zlib: 0x01 } as const;
export type PatchCompressorCode = (typeof PatchCompressor)[keyof typeof PatchCompressor];

/**
 * Bits per slot in a patch (§5): 4 and 8 are signed deltas, 1 is
 * gtk-gnutella's toggle (QRP1). gtk-gnutella's 2-bit form is not taken.
 */
export type EntryBits = 1 | 4 | 8;

export interface RouteTableReset {
  variant: 'reset';
  /** Slot count, a power of two (§4.1). */
  tableLength: number;
  /** The "absent" value, ≥ 1 (§4.2). */
  infinity: number;
}

export interface RouteTablePatch {
  variant: 'patch';
  /** 1-based position in the sequence. */
  seqNo: number;
  /** Messages in the sequence, 1…255. */
  seqSize: number;
  compressor: PatchCompressorCode;
  entryBits: EntryBits;
  /** This message's slice of the (possibly compressed) patch, at least one byte. */
  data: Uint8Array;
}

export type RouteTableUpdate = RouteTableReset | RouteTablePatch;

export function decodeRouteTableUpdate(payload: Uint8Array): Result<RouteTableUpdate> {
  switch (payload[0]) {
    case RouteTableVariant.Reset:
      return decodeReset(payload);
    case RouteTableVariant.Patch:
      return decodePatch(payload);
    case undefined:
      return fail(new ProtocolError('rtu-empty', 'a ROUTE_TABLE_UPDATE payload is empty', 'QRP-2'));
    default:
      return fail(
        new ProtocolError(
          'rtu-unknown-variant',
          `ROUTE_TABLE_UPDATE variant ${payload[0]} is neither RESET (0) nor PATCH (1)`,
          'QRP-2',
        ),
      );
  }
}

function decodeReset(payload: Uint8Array): Result<RouteTableReset> {
  if (payload.length !== RESET_PAYLOAD_LENGTH) {
    return fail(
      new ProtocolError(
        'reset-bad-length',
        `a RESET payload has ${RESET_PAYLOAD_LENGTH} bytes, got ${payload.length}`,
        'QRP-3',
      ),
    );
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const tableLength = view.getUint32(1, true);
  const infinity = payload[5]!;
  if (!isPowerOfTwo(tableLength)) {
    return fail(
      new ProtocolError(
        'reset-length-not-power-of-two',
        `RESET table length ${tableLength} is not a power of two`,
        'QRP-14',
      ),
    );
  }
  if (infinity === 0) {
    return fail(new ProtocolError('reset-infinity-zero', 'RESET infinity is 0', 'QRP-14'));
  }
  return ok({ variant: 'reset', tableLength, infinity });
}

function decodePatch(payload: Uint8Array): Result<RouteTablePatch> {
  if (payload.length <= PATCH_HEADER_LENGTH) {
    return fail(
      new ProtocolError(
        'patch-truncated',
        `a PATCH payload has ${PATCH_HEADER_LENGTH} header bytes and at least one data byte, got ${payload.length} bytes`,
        'QRP-13',
      ),
    );
  }
  const seqNo = payload[1]!;
  const seqSize = payload[2]!;
  const compressor = payload[3]!;
  const entryBits = payload[4]!;
  if (seqNo < 1 || seqNo > seqSize) {
    return fail(
      new ProtocolError(
        'patch-bad-sequence',
        `PATCH seq no ${seqNo} of seq size ${seqSize} is impossible`,
        'QRP-13',
      ),
    );
  }
  if (compressor !== PatchCompressor.None && compressor !== PatchCompressor.Zlib) {
    return fail(
      new ProtocolError(
        'patch-bad-compressor',
        `PATCH compressor ${compressor} is neither none (0) nor zlib (1)`,
        'QRP-13',
      ),
    );
  }
  if (entryBits !== 1 && entryBits !== 4 && entryBits !== 8) {
    return fail(
      new ProtocolError(
        'patch-unsupported-entry-bits',
        `PATCH entry bits ${entryBits} are not 1, 4 or 8`,
        'QRP-13',
      ),
    );
  }
  return ok({
    variant: 'patch',
    seqNo,
    seqSize,
    compressor,
    entryBits,
    data: payload.slice(PATCH_HEADER_LENGTH),
  });
}

/** The payload bytes; refuses (UsageError) what the decoder would refuse. */
export function encodeRouteTableUpdate(update: RouteTableUpdate): Uint8Array {
  if (update.variant === 'reset') {
    if (!isPowerOfTwo(update.tableLength)) {
      throw new UsageError(
        `RESET table length must be a power of two below 2^32, got ${update.tableLength}`,
      );
    }
    if (!Number.isInteger(update.infinity) || update.infinity < 1 || update.infinity > 255) {
      throw new UsageError(`RESET infinity must be an integer in 1..255, got ${update.infinity}`);
    }
    const payload = new Uint8Array(RESET_PAYLOAD_LENGTH);
    payload[0] = RouteTableVariant.Reset;
    new DataView(payload.buffer).setUint32(1, update.tableLength, true);
    payload[5] = update.infinity;
    return payload;
  }
  const { seqNo, seqSize, compressor, entryBits, data } = update;
  if (!Number.isInteger(seqSize) || seqSize < 1 || seqSize > MAX_PATCH_MESSAGES) {
    throw new UsageError(
      `PATCH seq size must be an integer in 1..${MAX_PATCH_MESSAGES}, got ${seqSize}`,
    );
  }
  if (!Number.isInteger(seqNo) || seqNo < 1 || seqNo > seqSize) {
    throw new UsageError(`PATCH seq no must be an integer in 1..${seqSize}, got ${seqNo}`);
  }
  if (compressor !== PatchCompressor.None && compressor !== PatchCompressor.Zlib) {
    throw new UsageError(`PATCH compressor must be 0 or 1, got ${compressor}`);
  }
  if (entryBits !== 1 && entryBits !== 4 && entryBits !== 8) {
    throw new UsageError(`PATCH entry bits must be 1, 4 or 8, got ${entryBits}`);
  }
  if (data.length === 0) throw new UsageError('a PATCH carries at least one data byte');
  const payload = new Uint8Array(PATCH_HEADER_LENGTH + data.length);
  payload.set([RouteTableVariant.Patch, seqNo, seqSize, compressor, entryBits]);
  payload.set(data, PATCH_HEADER_LENGTH);
  return payload;
}

/** The whole message: type 0x30, TTL 1, hops 0 (§5, QRP-2); the caller picks a fresh GUID. */
export function encodeRouteTableMessage(guid: Guid, update: RouteTableUpdate): Uint8Array {
  return encodeMessage(
    { guid, type: MessageType.RouteTableUpdate, ttl: 1, hops: 0 },
    encodeRouteTableUpdate(update),
  );
}

/** 1, 2, 4, … 2^31: the slot counts a u32 RESET can carry (§4.1). */
const isPowerOfTwo = (n: number): boolean =>
  Number.isInteger(n) && n >= 1 && n <= 0x80000000 && (n & (n - 1)) === 0;
