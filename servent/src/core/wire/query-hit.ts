/**
 * QueryHit (0x81) payload (messages.md §10): count, port, IPv4, speed, the
 * result records, an optional EQHD trailer, and the responder's servent id
 * in the last 16 bytes (MSG-28 to MSG-31).
 */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { checkUint } from './bytes.js';
import {
  EQHD_VENDOR_LENGTH,
  GGEP_MAGIC,
  GUID_LENGTH,
  QUERY_HIT_FIXED_LENGTH,
  QUERY_HIT_RECORD_FIXED_LENGTH,
} from './constants.js';
import { type ExtensionBlock, encodeExtensionArea, parseExtensionArea } from './extension-area.js';
import { readIpv4, readU16le, readU32le, writeU16le, writeU32le } from './fields.js';
import {
  encodeGgep,
  findGgep,
  type GgepExtension,
  ggepExtension,
  type InflateBudget,
  newInflateBudget,
  parseGgepBlock,
} from './ggep.js';
import { decodeGgepUint, encodeGgepUint } from './ggep-values.js';
import type { Guid } from './guid.js';
import { ipv4FromString } from './ipv4.js';
import { decodeLatin1, decodeUtf8, encodeLatin1, encodeUtf8 } from './text.js';

/** Size field of a record whose real size (≥ 2^31 bytes) is in GGEP `LF` (MSG-30). */
export const SIZE_IN_LF = 0xffff_ffff;
/** Files of at least this many bytes get `SIZE_IN_LF` and an `LF` extension (MSG-30). */
export const LARGE_FILE_SIZE = 2 ** 31;

export interface QueryHit {
  /** Responder's port, u16le. */
  port: number;
  /** Responder's IPv4, dotted quad (network order on the wire). */
  address: string;
  /** Speed in kbit/s, u32le. */
  speed: number;
  /** The result records, 1–255 of them. */
  results: QueryHitResult[];
  /** The EQHD ("BearShare trailer"); absent when the records run up to the servent id. */
  trailer?: QueryHitTrailer;
  /** The responder's servent id: the last 16 bytes; it feeds the push route table. */
  serventId: Guid;
}

export interface QueryHitResult {
  /** File index, u32le, chosen by the responder; a Push names it. */
  index: number;
  /** The u32le size field; `SIZE_IN_LF` when the real size is in `LF` (see `resultFileSize`). */
  size: number;
  /** File name without its NUL (UTF-8). */
  name: string;
  /** The record's extension area: URNs, metadata, GGEP; never holds 0x00 (GGEP-8). */
  extensions: ExtensionBlock[];
}

/** The EQHD trailer, kept as sent; `eqhdFlags` interprets the open data. */
export interface QueryHitTrailer {
  /** Vendor code, 4 bytes, one character per byte (`GTKG`, `LIME`); compare case-insensitively. */
  vendor: string;
  /**
   * The K open-data bytes (K = 1, 2 or 4 in practice): flag byte 1, flag
   * byte 2, and when K ≥ 4 the XML size u16le. Build with `eqhdOpenData`.
   */
  openData: Uint8Array;
  /** Private-area bytes before the GGEP block (all of them when there is none). */
  vendorData: Uint8Array;
  /** The private-area GGEP block; empty when there is none (or it was malformed, then in `vendorData`). */
  ggep: GgepExtension[];
  /** Bytes between the GGEP block and the XML. */
  afterGgep: Uint8Array;
  /** The last S bytes of the private area when the open data gives an XML size S (XML and its NUL). */
  xml: Uint8Array;
}

/** The EQHD flag bits (§10); the same positions in both flag bytes. */
export const EqhdFlag = {
  Push: 0x01,
  Busy: 0x04,
  Uploaded: 0x08,
  MeasuredSpeed: 0x10,
  Ggep: 0x20,
} as const;

/** Each flag: `undefined` when the trailer does not state it. */
export interface EqhdFlags {
  /** The responder is firewalled and needs a Push. */
  push?: boolean;
  /** All upload slots are in use. */
  busy?: boolean;
  /** At least one upload completed. */
  uploaded?: boolean;
  /** The speed was measured, not set by the user. */
  measuredSpeed?: boolean;
  /** The private area holds a GGEP block. */
  ggep?: boolean;
}

const FLAG_NAMES = [
  ['busy', EqhdFlag.Busy],
  ['uploaded', EqhdFlag.Uploaded],
  ['measuredSpeed', EqhdFlag.MeasuredSpeed],
  ['ggep', EqhdFlag.Ggep],
] as const;

/**
 * The flags of the open data by the enable/value rule (MSG-29): push takes
 * its value from byte 1 and is valid when byte 2 has the bit; every other
 * flag is enabled by byte 1 and takes its value from byte 2.
 */
export function eqhdFlags(openData: Uint8Array): EqhdFlags {
  if (openData.length < 2) return {};
  const [enable, value] = [openData[0]!, openData[1]!];
  const flags: EqhdFlags = {};
  if ((value & EqhdFlag.Push) !== 0) flags.push = (enable & EqhdFlag.Push) !== 0;
  for (const [name, bit] of FLAG_NAMES) {
    if ((enable & bit) !== 0) flags[name] = (value & bit) !== 0;
  }
  return flags;
}

/**
 * Open data for `flags` by the enable/value rule (MSG-29), reserved bits 0:
 * 2 bytes, or 4 with `xmlSize` (the XML's length including its NUL).
 */
export function eqhdOpenData(flags: EqhdFlags, xmlSize?: number): Uint8Array {
  const openData = new Uint8Array(xmlSize === undefined ? 2 : 4);
  if (flags.push !== undefined) {
    openData[1]! |= EqhdFlag.Push;
    if (flags.push) openData[0]! |= EqhdFlag.Push;
  }
  for (const [name, bit] of FLAG_NAMES) {
    const value = flags[name];
    if (value === undefined) continue;
    openData[0]! |= bit;
    if (value) openData[1]! |= bit;
  }
  if (xmlSize !== undefined) {
    checkUint('EQHD XML size', xmlSize, 16);
    writeU16le(openData, 2, xmlSize);
  }
  return openData;
}

/** The real file size: the size field, or GGEP `LF` when the field is `SIZE_IN_LF` (MSG-30). */
export function resultFileSize(result: QueryHitResult): Result<number> {
  if (result.size !== SIZE_IN_LF) return ok(result.size);
  for (const block of result.extensions) {
    if (block.kind !== 'ggep') continue;
    const lf = findGgep(block.extensions, 'LF');
    if (lf === undefined) continue;
    const size = decodeGgepUint(lf.data);
    if (!size.ok) return size;
    if (size.value === 0) {
      return fail(new ProtocolError('lf-zero', 'GGEP LF must hold a non-zero size', 'MSG-30'));
    }
    return size;
  }
  return ok(result.size);
}

/**
 * The size field and, for files of 2^31 bytes or more, the `LF` extension to
 * put in the record's GGEP block (MSG-30).
 */
export function resultSizeFields(fileSize: number): { size: number; lf?: GgepExtension } {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) {
    throw new UsageError(`a file size must be a safe non-negative integer, got ${fileSize}`);
  }
  if (fileSize < LARGE_FILE_SIZE) return { size: fileSize };
  return {
    size: SIZE_IN_LF,
    lf: ggepExtension('LF', encodeGgepUint(fileSize), { avoidNul: true }),
  };
}

export function encodeQueryHit(hit: QueryHit): Uint8Array {
  const { results } = hit;
  if (results.length < 1 || results.length > 255) {
    throw new UsageError(`a QueryHit carries 1–255 records, got ${results.length} (MSG-28)`);
  }
  checkUint('query hit port', hit.port, 16);
  checkUint('query hit speed', hit.speed, 32);
  const address = ipv4FromString(hit.address);
  if (!address.ok) throw new UsageError(`query hit address: ${address.error.message}`);
  if (hit.serventId.length !== GUID_LENGTH) {
    throw new UsageError(`a servent id has ${GUID_LENGTH} bytes, got ${hit.serventId.length}`);
  }
  const parts: Uint8Array[] = results.map(encodeRecord);
  if (hit.trailer !== undefined) parts.push(encodeTrailer(hit.trailer));
  let total = QUERY_HIT_FIXED_LENGTH + GUID_LENGTH;
  for (const part of parts) total += part.length;
  const payload = new Uint8Array(total);
  payload[0] = results.length;
  writeU16le(payload, 1, hit.port);
  payload.set(address.value, 3);
  writeU32le(payload, 7, hit.speed);
  let at = QUERY_HIT_FIXED_LENGTH;
  for (const part of parts) {
    payload.set(part, at);
    at += part.length;
  }
  payload.set(hit.serventId, at);
  return payload;
}

function encodeRecord(result: QueryHitResult, i: number): Uint8Array {
  checkUint(`record ${i} index`, result.index, 32);
  checkUint(`record ${i} size`, result.size, 32);
  if (result.name.includes('\0'))
    throw new UsageError(`record ${i}: a file name cannot contain NUL`);
  const name = encodeUtf8(result.name);
  const area = encodeExtensionArea(result.extensions);
  if (area.includes(0)) {
    throw new UsageError(
      `record ${i}: its extensions contain 0x00, which would end the record; COBS-encode GGEP values holding 0x00 (ggepExtension avoidNul, GGEP-8)`,
    );
  }
  const record = new Uint8Array(QUERY_HIT_RECORD_FIXED_LENGTH + name.length + 1 + area.length + 1);
  writeU32le(record, 0, result.index);
  writeU32le(record, 4, result.size);
  record.set(name, QUERY_HIT_RECORD_FIXED_LENGTH);
  record.set(area, QUERY_HIT_RECORD_FIXED_LENGTH + name.length + 1);
  return record;
}

function encodeTrailer(trailer: QueryHitTrailer): Uint8Array {
  const vendor = encodeLatin1('EQHD vendor code', trailer.vendor);
  if (vendor.length !== EQHD_VENDOR_LENGTH) {
    throw new UsageError(`an EQHD vendor code has 4 bytes, got ${JSON.stringify(trailer.vendor)}`);
  }
  const { openData, vendorData, afterGgep, xml } = trailer;
  if (openData.length > 255) throw new UsageError('EQHD open data has at most 255 bytes');
  const xmlSize = openData.length >= 4 ? readU16le(openData, 2) : 0;
  if (xml.length !== xmlSize) {
    throw new UsageError(
      `the EQHD open data gives an XML size of ${xmlSize}, xml has ${xml.length} bytes`,
    );
  }
  if (
    trailer.ggep.length > 0 &&
    (eqhdFlags(openData).ggep !== true || vendorData.includes(GGEP_MAGIC))
  ) {
    throw new UsageError(
      'an EQHD GGEP block needs the GGEP flag set in the open data and no 0xc3 in vendorData before it (MSG-29)',
    );
  }
  const ggep = trailer.ggep.length > 0 ? encodeGgep(trailer.ggep) : new Uint8Array();
  const parts = [
    vendor,
    Uint8Array.of(openData.length),
    openData,
    vendorData,
    ggep,
    afterGgep,
    xml,
  ];
  const bytes = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

/**
 * Reads the N records by their NULs; whatever remains before the servent id
 * is the EQHD. Fails when the records or the trailer do not fit (MSG-28,
 * MSG-31); malformed GGEP inside a record is kept as a `bad-ggep` block.
 */
export function decodeQueryHit(payload: Uint8Array): Result<QueryHit> {
  if (payload.length < QUERY_HIT_FIXED_LENGTH + GUID_LENGTH) {
    return broken(
      'queryhit-too-short',
      `a QueryHit has at least ${QUERY_HIT_FIXED_LENGTH + GUID_LENGTH} bytes, got ${payload.length}`,
      'MSG-28',
    );
  }
  const count = payload[0]!;
  if (count === 0) return broken('queryhit-no-results', 'a QueryHit with 0 records', 'MSG-28');
  const end = payload.length - GUID_LENGTH;
  const budget = newInflateBudget();
  const results: QueryHitResult[] = [];
  let at = QUERY_HIT_FIXED_LENGTH;
  for (let i = 0; i < count; i++) {
    const nameStart = at + QUERY_HIT_RECORD_FIXED_LENGTH;
    const nameEnd = nameStart <= end ? payload.indexOf(0, nameStart) : -1;
    const areaEnd = nameEnd !== -1 && nameEnd < end ? payload.indexOf(0, nameEnd + 1) : -1;
    if (areaEnd === -1 || areaEnd >= end) {
      return broken(
        'queryhit-record-truncated',
        `record ${i + 1} of ${count} does not end (index, size, name NUL, extensions NUL) before the servent id`,
        'MSG-28',
      );
    }
    results.push({
      index: readU32le(payload, at),
      size: readU32le(payload, at + 4),
      name: decodeUtf8(payload, nameStart, nameEnd),
      extensions: parseExtensionArea(payload, nameEnd + 1, areaEnd, budget).blocks,
    });
    at = areaEnd + 1;
  }
  const trailer = at === end ? ok(undefined) : decodeTrailer(payload, at, end, budget);
  if (!trailer.ok) return trailer;
  return ok({
    port: readU16le(payload, 1),
    address: readIpv4(payload, 3),
    speed: readU32le(payload, 7),
    results,
    ...(trailer.value === undefined ? {} : { trailer: trailer.value }),
    serventId: payload.slice(end),
  });
}

function decodeTrailer(
  payload: Uint8Array,
  start: number,
  end: number,
  budget: InflateBudget,
): Result<QueryHitTrailer> {
  const openStart = start + EQHD_VENDOR_LENGTH + 1;
  const openEnd = openStart + (payload[start + EQHD_VENDOR_LENGTH] ?? 0);
  if (openStart > end || openEnd > end) {
    return broken(
      'queryhit-trailer-truncated',
      `the ${end - start} bytes between the records and the servent id are no EQHD (vendor, open-data size, open data)`,
      'MSG-31',
    );
  }
  const openData = payload.slice(openStart, openEnd);
  const xmlSize = openData.length >= 4 ? readU16le(openData, 2) : 0;
  if (xmlSize > end - openEnd) {
    return broken(
      'queryhit-xml-size',
      `the EQHD announces ${xmlSize} XML bytes, the private area has ${end - openEnd}`,
      'MSG-31',
    );
  }
  const xmlStart = end - xmlSize;
  const trailer: QueryHitTrailer = {
    vendor: decodeLatin1(payload, start, start + EQHD_VENDOR_LENGTH),
    openData,
    vendorData: payload.slice(openEnd, xmlStart),
    ggep: [],
    afterGgep: new Uint8Array(),
    xml: payload.slice(xmlStart, end),
  };
  // The block is the first 0xC3 of the private area, looked for only when flagged (§10).
  const magic = eqhdFlags(openData).ggep === true ? payload.indexOf(GGEP_MAGIC, openEnd) : -1;
  if (magic !== -1 && magic < xmlStart) {
    const ggep = parseGgepBlock(payload, magic, xmlStart, budget);
    if (ggep.ok) {
      trailer.vendorData = payload.slice(openEnd, magic);
      trailer.ggep = ggep.value.extensions;
      trailer.afterGgep = payload.slice(ggep.value.end, xmlStart);
    }
  }
  return ok(trailer);
}

const broken = (code: string, message: string, clause: string): Result<never> =>
  fail(new ProtocolError(code, message, clause));
