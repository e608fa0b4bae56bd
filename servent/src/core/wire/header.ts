/** The 23-byte message header (messages.md §2). */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { checkUint, copyOf, viewOf } from './bytes.js';
import { GUID_LENGTH, HEADER_LENGTH } from './constants.js';
import type { Guid } from './guid.js';

/** Payload type codes (§2). Other values occur on the wire and are skipped by length (MSG-5). */
export const MessageType = {
  Ping: 0x00,
  Pong: 0x01,
  Bye: 0x02,
  RouteTableUpdate: 0x30,
  Vendor: 0x31,
  VendorStd: 0x32,
  Push: 0x40,
  Query: 0x80,
  QueryHit: 0x81,
} as const;

export type MessageTypeCode = (typeof MessageType)[keyof typeof MessageType];

export interface MessageHeader {
  /** Message id; replies reuse the request's (§5). */
  guid: Guid;
  /** Payload type: a `MessageType` value or an unknown byte. */
  type: number;
  /** Further hops the message may travel (§4). */
  ttl: number;
  /** Hops already travelled (§4). */
  hops: number;
  /** Payload bytes following the header, u32le on the wire. */
  length: number;
}

export function encodeHeader(header: MessageHeader): Uint8Array {
  if (header.guid.length !== GUID_LENGTH) {
    throw new UsageError(`header guid must have ${GUID_LENGTH} bytes, got ${header.guid.length}`);
  }
  checkUint('header type', header.type, 8);
  checkUint('header ttl', header.ttl, 8);
  checkUint('header hops', header.hops, 8);
  checkUint('header length', header.length, 32);
  const bytes = new Uint8Array(HEADER_LENGTH);
  bytes.set(header.guid, 0);
  bytes[16] = header.type;
  bytes[17] = header.ttl;
  bytes[18] = header.hops;
  viewOf(bytes).setUint32(19, header.length, true);
  return bytes;
}

/** Reads a header from the first 23 bytes of `bytes` (extra bytes, e.g. the payload, are ignored). */
export function decodeHeader(bytes: Uint8Array): Result<MessageHeader> {
  if (bytes.length < HEADER_LENGTH) {
    return fail(
      new ProtocolError(
        'header-truncated',
        `a message header has ${HEADER_LENGTH} bytes, got ${bytes.length}`,
        'MSG-1',
      ),
    );
  }
  return ok(readHeader(bytes));
}

/** Header fields of at least 23 bytes; the framer calls this once it holds a whole header. */
export function readHeader(bytes: Uint8Array): MessageHeader {
  return {
    guid: copyOf(bytes.subarray(0, GUID_LENGTH)),
    type: bytes[16]!,
    ttl: bytes[17]!,
    hops: bytes[18]!,
    length: viewOf(bytes).getUint32(19, true),
  };
}
