/**
 * The vendor-message envelope (vendor-messages.md §1): vendor id, u16le
 * selector, u16le version, body. Types 0x31 and 0x32 share it (VM-4).
 */

import { fail, ok, ProtocolError, type Result, UsageError } from '../../errors.js';
import { checkUint, copyOf, viewOf } from '../bytes.js';
import type { Guid } from '../guid.js';
import { MessageType } from '../header.js';
import { encodeMessage } from '../message.js';
import { BODY_CODECS } from './bodies.js';
import { type BodyCodec, readCode, writeCode } from './body-codec.js';
import { VENDOR_HEADER_LENGTH } from './constants.js';
import { FEATURES_SUPPORTED_CODECS, messagesSupportedCodec } from './supported.js';
import type { VendorMessage, VendorMessageId, VendorMessageKind } from './types.js';

/** The table: every (vendor, selector, version) with a typed body. Anything else decodes as `unknown`. */
const CODECS: readonly BodyCodec[] = [
  messagesSupportedCodec,
  ...FEATURES_SUPPORTED_CODECS,
  ...BODY_CODECS,
];

/** vendor → (selector, version) packed in 32 bits → codec. */
const BY_WIRE = new Map<string, Map<number, BodyCodec>>();
const packed = (selector: number, version: number) => selector * 0x10000 + version;
for (const codec of CODECS) {
  const ids = BY_WIRE.get(codec.vendor) ?? new Map<number, BodyCodec>();
  ids.set(packed(codec.selector, codec.version), codec);
  BY_WIRE.set(codec.vendor, ids);
}
/** kind → codecs indexed by version. */
const BY_KIND = new Map<string, BodyCodec[]>();
for (const codec of CODECS) {
  const versions = BY_KIND.get(codec.kind) ?? [];
  versions[codec.version] = codec;
  BY_KIND.set(codec.kind, versions);
}

/** The typed (vendor, selector, version) triples, with their variant and catalogue name (§3). */
export const VENDOR_MESSAGE_TYPES: readonly (VendorMessageId & {
  kind: VendorMessageKind;
  name: string;
})[] = CODECS.map(({ kind, vendor, selector, version, name }) => ({
  kind,
  vendor,
  selector,
  version,
  name,
}));

/** Both payload types carry vendor messages, parsed alike (VM-4). */
export const isVendorMessageType = (type: number): boolean =>
  type === MessageType.Vendor || type === MessageType.VendorStd;

/** The wire triple of any message, e.g. to check a peer listed it before sending (VM-7). */
export function vendorMessageId(message: VendorMessage): VendorMessageId {
  if (message.kind === 'unknown') {
    const { vendor, selector, version } = message;
    return { vendor, selector, version };
  }
  const codec = codecFor(message.kind, message.version);
  return { vendor: codec.vendor, selector: codec.selector, version: codec.version };
}

function codecFor(kind: string, version: number): BodyCodec {
  const codec = BY_KIND.get(kind)?.[version];
  if (!codec) throw new UsageError(`no vendor message ${kind} version ${version}`);
  return codec;
}

/**
 * Reads a 0x31/0x32 payload. Shorter than 8 bytes is an error (VM-3); an
 * untyped triple, including a known pair at an unsupported version, is an
 * `unknown` message to ignore (VM-3); a typed triple whose body breaks its
 * layout is an error citing that layout's clause. Never throws.
 */
export function decodeVendorMessage(payload: Uint8Array): Result<VendorMessage> {
  if (payload.length < VENDOR_HEADER_LENGTH) {
    return fail(
      new ProtocolError(
        'vendor-too-short',
        `a vendor message payload starts with an ${VENDOR_HEADER_LENGTH}-byte vendor, selector and version, got ${payload.length} bytes`,
        'VM-3',
      ),
    );
  }
  const vendor = readCode(payload, 0);
  const view = viewOf(payload);
  const selector = view.getUint16(4, true);
  const version = view.getUint16(6, true);
  const body = payload.subarray(VENDOR_HEADER_LENGTH);
  const codec = BY_WIRE.get(vendor)?.get(packed(selector, version));
  if (codec) return codec.decode(body);
  return ok({ kind: 'unknown', vendor, selector, version, body: copyOf(body) });
}

/** The 0x31/0x32 payload of `message`. Throws UsageError on fields that do not fit. */
export function encodeVendorMessage(message: VendorMessage): Uint8Array {
  if (message.kind === 'unknown') {
    checkUint('unknown vendor message selector', message.selector, 16);
    checkUint('unknown vendor message version', message.version, 16);
    const payload = envelope(message, message.body.length);
    payload.set(message.body, VENDOR_HEADER_LENGTH);
    return payload;
  }
  const codec = codecFor(message.kind, message.version);
  const payload = envelope(codec, codec.size(message));
  codec.write(message, payload, viewOf(payload), VENDOR_HEADER_LENGTH);
  return payload;
}

/** A payload with its vendor, selector and version written and `bodyLength` bytes to fill. */
function envelope(id: VendorMessageId, bodyLength: number): Uint8Array {
  const payload = new Uint8Array(VENDOR_HEADER_LENGTH + bodyLength);
  writeCode(payload, 0, id.vendor, 'vendor id');
  payload[4] = id.selector & 0xff;
  payload[5] = id.selector >> 8;
  payload[6] = id.version & 0xff;
  payload[7] = id.version >> 8;
  return payload;
}

/**
 * A whole message ready to send: TTL 1, Hops 0, as every vendor message
 * leaves its sender (§1, VM-1). `guid` is all zeros unless the message
 * defines it (push proxy: servent id; query status and OOB: the query GUID;
 * UDP connect-back v2: the ping's GUID).
 */
export function encodeVendorFrame(
  message: VendorMessage,
  guid: Guid,
  type: number = MessageType.Vendor,
): Uint8Array {
  if (!isVendorMessageType(type)) {
    throw new UsageError(`vendor messages have type 0x31 or 0x32, got 0x${type.toString(16)}`);
  }
  return encodeMessage({ guid, type, ttl: 1, hops: 0 }, encodeVendorMessage(message));
}
