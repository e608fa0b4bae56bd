/**
 * GGEP blocks (ggep-huge.md §2–4): magic 0xC3, then extensions of
 * flags · id · length · data until one is flagged last.
 *
 * Values stay raw bytes here. What the decoder does not need to interpret is
 * kept so that encoding a decoded block gives back the received bytes: a
 * longer-than-needed length field, and the transmitted data of a COBS or
 * deflated value whenever re-encoding the value would not reproduce it (a
 * peer's own zlib stream, the other COBS ending).
 */

import { deflateSync, inflateSync } from 'node:zlib';
import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { cobsDecode, cobsEncode } from './cobs.js';
import {
  GGEP_FLAG_COBS,
  GGEP_FLAG_DEFLATE,
  GGEP_FLAG_LAST,
  GGEP_FLAG_RESERVED,
  GGEP_ID_LENGTH_MASK,
  GGEP_MAGIC,
  GGEP_MAX_DATA_LENGTH,
  GGEP_MAX_ID_LENGTH,
  GGEP_MAX_INFLATED,
} from './constants.js';

export interface GgepExtension {
  /** The id, one character per byte, compared case-sensitively (GGEP-5): `H`, `SO`, `GTKG.IPV6`. */
  id: string;
  /** The value: COBS undone and inflated. */
  data: Uint8Array;
  /** The value travels deflated, as a zlib stream (GGEP-7). */
  compressed: boolean;
  /** The value travels COBS-encoded (GGEP-6, GGEP-8). */
  cobs: boolean;
  /**
   * Set by the decoder only when re-encoding `data` would not give the
   * received bytes; the encoder then writes these instead. Leave it out (or
   * drop it) when building or changing a value.
   */
  wire?: Uint8Array;
  /** Set by the decoder only when the sender used a longer length field (1–3 bytes) than needed. */
  lengthSize?: number;
}

/** One decoded block and the offset just past it. */
export interface GgepBlock {
  extensions: GgepExtension[];
  end: number;
}

/** Inflated bytes still allowed while decoding one message (GGEP_MAX_INFLATED). */
export interface InflateBudget {
  remaining: number;
}

// Shared by empty values, the common case (flags such as `BH`, `SO`): a view costs more.
const EMPTY = new Uint8Array(0);

export const newInflateBudget = (): InflateBudget => ({ remaining: GGEP_MAX_INFLATED });

/** The block starting at `bytes[offset]`, which must be 0xC3; bytes after the block are left alone. */
export function readGgepBlock(bytes: Uint8Array, offset = 0): Result<GgepBlock> {
  return parseGgepBlock(bytes, offset, bytes.length, newInflateBudget());
}

/**
 * All extensions of `bytes`, which must be one or more GGEP blocks and
 * nothing else (a Ping payload, a Pong's or Push's extension), merged in
 * order (GGEP-9). Empty input gives no extensions.
 */
export function decodeGgep(bytes: Uint8Array): Result<GgepExtension[]> {
  const budget = newInflateBudget();
  const extensions: GgepExtension[] = [];
  for (let at = 0; at < bytes.length; ) {
    const block = parseGgepBlock(bytes, at, bytes.length, budget);
    if (!block.ok) return block;
    extensions.push(...block.value.extensions);
    at = block.value.end;
  }
  return ok(extensions);
}

/** The block at `bytes[offset]`, reading no further than `limit`. Values are copies. */
export function parseGgepBlock(
  bytes: Uint8Array,
  offset: number,
  limit: number,
  budget: InflateBudget,
): Result<GgepBlock> {
  if (bytes[offset] !== GGEP_MAGIC) {
    return malformed('ggep-bad-magic', `a GGEP block starts with 0xc3`, offset, 'GGEP-1');
  }
  const extensions: GgepExtension[] = [];
  let at = offset + 1;
  for (;;) {
    if (at >= limit) {
      return malformed('ggep-truncated', 'the area ends before an extension flagged last', at);
    }
    const flags = bytes[at]!;
    if ((flags & GGEP_FLAG_RESERVED) !== 0) {
      return malformed(
        'ggep-reserved-bit',
        `flags 0x${flags.toString(16)} set reserved bit 0x10`,
        at,
      );
    }
    const idLength = flags & GGEP_ID_LENGTH_MASK;
    if (idLength === 0) return malformed('ggep-id-length-zero', 'id length 0 in the flags', at);
    const idStart = at + 1;
    at = idStart + idLength;
    if (at > limit) {
      return malformed('ggep-truncated', `the ${idLength}-byte id runs past the end`, idStart);
    }
    let id = '';
    for (let i = idStart; i < at; i++) {
      const byte = bytes[i]!;
      if (byte === 0) return malformed('ggep-id-nul', 'the id holds a 0x00 byte', i);
      id += String.fromCharCode(byte);
    }

    // Length: 6-bit chunks, most significant first; 0x80 = more follow, 0x40 = last (§3).
    let length = 0;
    let lengthSize = 0;
    for (;;) {
      if (at >= limit) {
        return malformed('ggep-truncated', `the length of ${id} runs past the end`, at, 'GGEP-3');
      }
      const byte = bytes[at++]!;
      lengthSize++;
      if (((byte & 0x80) === 0) === ((byte & 0x40) === 0)) {
        return malformed(
          'ggep-bad-length',
          `length byte 0x${byte.toString(16)} of ${id} must set exactly one of 0x80 (more) and 0x40 (last)`,
          at - 1,
          'GGEP-3',
        );
      }
      length = (length << 6) | (byte & 0x3f);
      if ((byte & 0x40) !== 0) break;
      if (lengthSize === 3) {
        return malformed(
          'ggep-bad-length',
          `the length of ${id} has more than 3 bytes`,
          at,
          'GGEP-3',
        );
      }
    }
    if (at + length > limit) {
      return malformed(
        'ggep-truncated',
        `${id} announces ${length} data bytes, ${limit - at} remain`,
        at,
        'GGEP-3',
      );
    }
    const sent = length > 0 ? bytes.slice(at, at + length) : EMPTY;
    at += length;

    const cobs = (flags & GGEP_FLAG_COBS) !== 0;
    const compressed = (flags & GGEP_FLAG_DEFLATE) !== 0;
    let data: Uint8Array = sent;
    if (cobs) {
      const decoded = cobsDecode(sent);
      if (!decoded.ok) {
        return malformed('ggep-bad-cobs', `${id}: ${decoded.error.message}`, at - length, 'GGEP-6');
      }
      data = decoded.value;
    }
    if (compressed) {
      const inflated = inflate(data, budget);
      if (!inflated.ok) {
        const { code, message, clause } = inflated.error;
        return malformed(code, `${id}: ${message}`, at - length, clause);
      }
      data = inflated.value;
    }
    const extension: GgepExtension = { id, data, compressed, cobs };
    if ((cobs || compressed) && !sameBytes(transmitted(extension), sent)) extension.wire = sent;
    if (lengthSize !== lengthFieldSize(length)) extension.lengthSize = lengthSize;
    extensions.push(extension);
    if ((flags & GGEP_FLAG_LAST) !== 0) return ok({ extensions, end: at });
  }
}

/** One block holding `extensions` in order; the last one gets the "last" flag. */
export function encodeGgep(extensions: readonly GgepExtension[]): Uint8Array {
  if (extensions.length === 0) throw new UsageError('a GGEP block holds at least one extension');
  const parts = extensions.map((extension) => {
    const { id } = extension;
    if (id.length < 1 || id.length > GGEP_MAX_ID_LENGTH) {
      throw new UsageError(
        `a GGEP id has 1–${GGEP_MAX_ID_LENGTH} bytes, got ${JSON.stringify(id)}`,
      );
    }
    for (let i = 0; i < id.length; i++) {
      const code = id.charCodeAt(i);
      if (code === 0 || code > 0xff) {
        throw new UsageError(
          `GGEP id ${JSON.stringify(id)}: every character must be a byte 0x01–0xff`,
        );
      }
    }
    const data = extension.wire ?? transmitted(extension);
    if (data.length > GGEP_MAX_DATA_LENGTH) {
      throw new UsageError(
        `GGEP ${id}: ${data.length} data bytes exceed the ${GGEP_MAX_DATA_LENGTH}-byte limit of a 3-byte length`,
      );
    }
    const minimal = lengthFieldSize(data.length);
    const lengthSize = extension.lengthSize ?? minimal;
    if (!Number.isInteger(lengthSize) || lengthSize < minimal || lengthSize > 3) {
      throw new UsageError(
        `GGEP ${id}: length ${data.length} cannot be written in ${lengthSize} bytes`,
      );
    }
    return { extension, data, lengthSize };
  });
  let total = 1;
  for (const part of parts)
    total += 1 + part.extension.id.length + part.lengthSize + part.data.length;
  const bytes = new Uint8Array(total);
  bytes[0] = GGEP_MAGIC;
  let at = 1;
  parts.forEach(({ extension, data, lengthSize }, index) => {
    const { id } = extension;
    bytes[at++] =
      (index === parts.length - 1 ? GGEP_FLAG_LAST : 0) |
      (extension.cobs ? GGEP_FLAG_COBS : 0) |
      (extension.compressed ? GGEP_FLAG_DEFLATE : 0) |
      id.length;
    for (let i = 0; i < id.length; i++) bytes[at++] = id.charCodeAt(i);
    for (let chunk = lengthSize - 1; chunk >= 0; chunk--) {
      bytes[at++] = ((data.length >> (6 * chunk)) & 0x3f) | (chunk === 0 ? 0x40 : 0x80);
    }
    bytes.set(data, at);
    at += data.length;
  });
  return bytes;
}

/**
 * A new extension holding `data`. `compress` deflates it (§4: only worth it
 * when it makes the message materially smaller). `avoidNul` turns COBS on
 * exactly when the transmitted bytes would contain 0x00, as a QueryHit
 * record requires (GGEP-8).
 */
export function ggepExtension(
  id: string,
  data: Uint8Array = new Uint8Array(),
  options: { compress?: boolean; avoidNul?: boolean } = {},
): GgepExtension {
  const compressed = options.compress ?? false;
  const cobs = (options.avoidNul ?? false) && (compressed ? deflateValue(data) : data).includes(0);
  return { id, data, compressed, cobs };
}

/** The first extension with this id, compared byte for byte (GGEP-5). */
export function findGgep(
  extensions: readonly GgepExtension[],
  id: string,
): GgepExtension | undefined {
  return extensions.find((extension) => extension.id === id);
}

/** What `data` becomes on the wire: deflated first, then COBS-encoded (§4, GGEP-7). */
function transmitted(extension: GgepExtension): Uint8Array {
  let data = extension.data;
  if (extension.compressed) data = deflateValue(data);
  if (extension.cobs) data = cobsEncode(data);
  return data;
}

function deflateValue(data: Uint8Array): Uint8Array {
  const deflated = deflateSync(data);
  return new Uint8Array(deflated.buffer, deflated.byteOffset, deflated.length);
}

function inflate(data: Uint8Array, budget: InflateBudget): Result<Uint8Array> {
  let inflated: Uint8Array;
  try {
    // maxOutputLength must be at least 1; a 1-byte result then still overdraws an empty budget.
    inflated = inflateSync(data, { maxOutputLength: Math.max(1, budget.remaining) });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') return overdrawn();
    return fail(
      new ProtocolError(
        'ggep-bad-deflate',
        `not a zlib stream (${(error as Error).message})`,
        'GGEP-7',
      ),
    );
  }
  if (inflated.length > budget.remaining) return overdrawn();
  budget.remaining -= inflated.length;
  return ok(new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.length));
}

const overdrawn = (): Result<never> =>
  fail(
    new ProtocolError(
      'ggep-inflate-limit',
      `inflated values of one message would exceed ${GGEP_MAX_INFLATED} bytes (deflate bomb?)`,
      'GGEP-12',
    ),
  );

/** Bytes of the shortest length field for `length` (§3, GGEP-2). */
const lengthFieldSize = (length: number): number => (length < 64 ? 1 : length < 4096 ? 2 : 3);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function malformed(code: string, what: string, offset: number, clause = 'GGEP-12'): Result<never> {
  return fail(new ProtocolError(code, `malformed GGEP block: ${what} (offset ${offset})`, clause));
}
