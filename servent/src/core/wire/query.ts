/**
 * Query (0x80) payload (messages.md §9): the 2-byte flags / minimum-speed
 * field, the NUL-terminated criteria, then an extension area of HUGE
 * strings, XML and GGEP (MSG-24, MSG-26).
 */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { checkUint } from './bytes.js';
import { GUID_LENGTH, QUERY_MIN_LENGTH } from './constants.js';
import { type ExtensionBlock, encodeExtensionArea, parseExtensionArea } from './extension-area.js';
import { readIpv4, readU16le, writeU16le } from './fields.js';
import { newInflateBudget } from './ggep.js';
import type { HostPort } from './ggep-values.js';
import type { Guid } from './guid.js';
import { ipv4FromString } from './ipv4.js';
import { decodeUtf8, encodeUtf8 } from './text.js';

/** Bits of the flags field read big-endian (§9). Bits 0–7: gtk's maximum hits wanted. */
export const QueryFlag = {
  /** The field holds flags, not a legacy speed (MSG-24). */
  Marked: 0x8000,
  /** The querier is firewalled: a firewalled responder must not answer (MSG-25). */
  Firewalled: 0x4000,
  /** XML metadata wanted in hits. */
  Xml: 0x2000,
  /** Leaf-guided dynamic query: the querier answers BEAR/11 with BEAR/12. */
  LeafGuided: 0x1000,
  /** GGEP `H` understood in hits (gtk only). */
  GgepH: 0x0800,
  /** Out-of-band: the GUID carries the querier's ip:port (MSG-24). */
  OutOfBand: 0x0400,
  /** Firewall-to-firewall (RUDP) transfers possible. */
  FirewallToFirewall: 0x0200,
  /** Semi-reliable UDP ("GTA") accepted (gtk only). */
  SemiReliableUdp: 0x0100,
} as const;

/** Low byte of a marked field: maximum hits wanted, 0 = no limit (gtk only). */
export const QUERY_MAX_HITS_MASK = 0x00ff;

// Shareaza wrote the flags little-endian; gtk accepts that only with these bits all set (§9).
const LITTLE_ENDIAN_MARKS = QueryFlag.Marked | QueryFlag.LeafGuided | QueryFlag.GgepH;

export interface Query {
  /**
   * The 2-byte field read big-endian: a flag set when `QueryFlag.Marked` is
   * set, otherwise a legacy minimum speed (see `queryFlagSet`).
   */
  flags: number;
  /** Search criteria without the NUL: `\` for a URN query, `WhatIsNewXOXO`... (UTF-8). */
  criteria: string;
  /** The extension area in order; empty when there is none. */
  extensions: ExtensionBlock[];
  /** A NUL followed the extension area (LimeWire writes one; MSG-26). */
  trailingNul: boolean;
}

/**
 * The flags in effect: the big-endian field when marked, Shareaza's
 * byte-swapped form when that reading carries 0x8000, 0x1000 and 0x0800,
 * otherwise `undefined` (a legacy speed, which modern servents ignore).
 */
export function queryFlagSet(flags: number): number | undefined {
  if ((flags & QueryFlag.Marked) !== 0) return flags;
  const swapped = ((flags & 0xff) << 8) | (flags >>> 8);
  return (swapped & LITTLE_ENDIAN_MARKS) === LITTLE_ENDIAN_MARKS ? swapped : undefined;
}

export function encodeQuery(query: Query): Uint8Array {
  checkUint('query flags', query.flags, 16);
  if (query.criteria.includes('\0')) throw new UsageError('query criteria cannot contain NUL');
  const criteria = encodeUtf8(query.criteria);
  const area = encodeExtensionArea(query.extensions);
  const payload = new Uint8Array(
    2 + criteria.length + 1 + area.length + (query.trailingNul ? 1 : 0),
  );
  payload[0] = query.flags >>> 8;
  payload[1] = query.flags & 0xff;
  payload.set(criteria, 2);
  payload.set(area, 2 + criteria.length + 1);
  return payload;
}

/** Fails only without the flags or the criteria NUL; malformed GGEP stays as a `bad-ggep` block (GGEP-12). */
export function decodeQuery(payload: Uint8Array): Result<Query> {
  if (payload.length < QUERY_MIN_LENGTH) {
    return fail(
      new ProtocolError(
        'query-too-short',
        `a Query payload has at least ${QUERY_MIN_LENGTH} bytes (flags, criteria NUL), got ${payload.length}`,
        'MSG-26',
      ),
    );
  }
  const nul = payload.indexOf(0, 2);
  if (nul === -1) {
    return fail(
      new ProtocolError('query-criteria-unterminated', 'the Query criteria has no NUL', 'MSG-26'),
    );
  }
  const area = parseExtensionArea(payload, nul + 1, payload.length, newInflateBudget(), true);
  return ok({
    flags: (payload[0]! << 8) | payload[1]!,
    criteria: decodeUtf8(payload, 2, nul),
    extensions: area.blocks,
    trailingNul: area.trailingNul,
  });
}

/**
 * The reply address an out-of-band query's GUID carries: IPv4 in bytes 0–3
 * (network order), UDP port u16le in bytes 13–14 (MSG-24).
 */
export function oobReplyAddress(guid: Guid): HostPort {
  if (guid.length !== GUID_LENGTH) {
    throw new UsageError(`a GUID has ${GUID_LENGTH} bytes, got ${guid.length}`);
  }
  return { address: readIpv4(guid, 0), port: readU16le(guid, 13) };
}

/** A copy of `guid` marked for out-of-band replies to `replyTo` (MSG-24). */
export function withOobReplyAddress(guid: Guid, replyTo: HostPort): Guid {
  if (guid.length !== GUID_LENGTH) {
    throw new UsageError(`a GUID has ${GUID_LENGTH} bytes, got ${guid.length}`);
  }
  const address = ipv4FromString(replyTo.address);
  if (!address.ok) throw new UsageError(`OOB reply address: ${address.error.message}`);
  checkUint('OOB reply port', replyTo.port, 16);
  const marked = new Uint8Array(guid);
  marked.set(address.value, 0);
  writeU16le(marked, 13, replyTo.port);
  return marked;
}
