/**
 * Bodies of the vendor messages a 0.6 servent meets in practice
 * (vendor-messages.md §4). Lengths are exact, as LimeWire checks them; only
 * the layouts that the spec lets grow (LIME/12v3, LIME/11v3) take more.
 */

import { fail, ok, ProtocolError, UsageError } from '../../errors.js';
import { checkUint, copyOf, viewOf } from '../bytes.js';
import { GGEP_MAGIC, GUID_LENGTH } from '../constants.js';
import { ipv4FromString, ipv4ToString } from '../ipv4.js';
import { type BodyCodec, bodyLengthError, formatVendorId, row } from './body-codec.js';
import type {
  HopsFlow,
  KnownVendorMessage,
  OobAck,
  OobProxyControl,
  OobReplyNumber,
  PushProxyAck,
  PushProxyRequest,
  QueryStatusRequest,
  QueryStatusResponse,
  TcpConnectBack,
  UdpConnectBack,
} from './types.js';

type Meta<M extends KnownVendorMessage> = Omit<BodyCodec<M>, 'decode' | 'size' | 'write'>;
type Version<M, V> = Extract<M, { version: V }>;

/** A body of exactly `length` bytes; `read` sees the body alone, `write` the whole payload. */
function fixed<M extends KnownVendorMessage>(
  meta: Meta<M>,
  length: number,
  read: (body: Uint8Array, view: DataView) => M,
  write: BodyCodec<M>['write'],
): BodyCodec {
  return row<M>({
    ...meta,
    decode: (body) =>
      body.length === length
        ? ok(read(body, viewOf(body)))
        : bodyLengthError(meta, `exactly ${length} bytes`, body.length),
    size: () => length,
    write,
  });
}

// Empty bodies: nothing to write.
const noBody = () => {};

function writePort(what: string, port: number, view: DataView, at: number): void {
  checkUint(what, port, 16);
  view.setUint16(at, port, true);
}

const BEAR = 'BEAR';
const GTKG = 'GTKG';
const LIME = 'LIME';

const hopsFlow = fixed<HopsFlow>(
  { kind: 'hops-flow', vendor: BEAR, selector: 4, version: 1, name: 'Hops Flow', clause: 'VM-8' },
  1,
  (body) => ({ kind: 'hops-flow', version: 1, hops: body[0]! }),
  (m, payload, _, at) => {
    checkUint('hops-flow hops', m.hops, 8);
    payload[at] = m.hops;
  },
);

const tcpConnectBack = fixed<TcpConnectBack>(
  {
    kind: 'tcp-connect-back',
    vendor: BEAR,
    selector: 7,
    version: 1,
    name: 'TCP Connect Back',
    clause: 'VM-9',
  },
  2,
  (_, view) => ({ kind: 'tcp-connect-back', version: 1, port: view.getUint16(0, true) }),
  (m, _, view, at) => writePort('tcp-connect-back port', m.port, view, at),
);

const udpMeta = {
  kind: 'udp-connect-back',
  vendor: GTKG,
  selector: 7,
  name: 'UDP Connect Back',
  clause: 'VM-11',
} as const;

const udpConnectBackV1 = fixed<Version<UdpConnectBack, 1>>(
  { ...udpMeta, version: 1 },
  2 + GUID_LENGTH,
  (body, view) => ({
    kind: 'udp-connect-back',
    version: 1,
    port: view.getUint16(0, true),
    guid: copyOf(body.subarray(2)),
  }),
  (m, payload, view, at) => {
    if (m.guid.length !== GUID_LENGTH) {
      throw new UsageError(
        `udp-connect-back v1 guid must have ${GUID_LENGTH} bytes, got ${m.guid.length}`,
      );
    }
    writePort('udp-connect-back port', m.port, view, at);
    payload.set(m.guid, at + 2);
  },
);

const udpConnectBackV2 = fixed<Version<UdpConnectBack, 2>>(
  { ...udpMeta, version: 2 },
  2,
  (_, view) => ({ kind: 'udp-connect-back', version: 2, port: view.getUint16(0, true) }),
  (m, _, view, at) => writePort('udp-connect-back port', m.port, view, at),
);

const queryStatusRequest = fixed<QueryStatusRequest>(
  {
    kind: 'query-status-request',
    vendor: BEAR,
    selector: 11,
    version: 1,
    name: 'Query Status Request',
    clause: 'VM-12',
  },
  0,
  () => ({ kind: 'query-status-request', version: 1 }),
  noBody,
);

const queryStatusResponse = fixed<QueryStatusResponse>(
  {
    kind: 'query-status-response',
    vendor: BEAR,
    selector: 12,
    version: 1,
    name: 'Query Status Response',
    clause: 'VM-12',
  },
  2,
  (_, view) => ({ kind: 'query-status-response', version: 1, kept: view.getUint16(0, true) }),
  (m, _, view, at) => {
    checkUint('query-status-response kept', m.kept, 16);
    view.setUint16(at, m.kept, true);
  },
);

const replyMeta = {
  kind: 'oob-reply-number',
  vendor: LIME,
  selector: 12,
  name: 'OOB Reply Number',
  clause: 'VM-14',
} as const;

/** Hits, then (v2 and later) flags. */
function writeReply(m: OobReplyNumber, payload: Uint8Array, at: number): void {
  checkUint('oob-reply-number hits', m.hits, 8);
  payload[at] = m.hits;
  if (m.version === 1) return;
  checkUint('oob-reply-number flags', m.flags, 8);
  payload[at + 1] = m.flags;
}

const oobReplyNumberV1 = fixed<Version<OobReplyNumber, 1>>(
  { ...replyMeta, version: 1 },
  1,
  (body) => ({ kind: 'oob-reply-number', version: 1, hits: body[0]! }),
  (m, payload, _, at) => writeReply(m, payload, at),
);

const oobReplyNumberV2 = fixed<Version<OobReplyNumber, 2>>(
  { ...replyMeta, version: 2 },
  2,
  (body) => ({ kind: 'oob-reply-number', version: 2, hits: body[0]!, flags: body[1]! }),
  (m, payload, _, at) => writeReply(m, payload, at),
);

// v3 keeps whatever follows the two bytes: LimeWire reserves it for a GGEP block
// and the spec says readers must not reject it, so it is not checked.
const oobReplyNumberV3 = row<Version<OobReplyNumber, 3>>({
  ...replyMeta,
  version: 3,
  decode: (body) =>
    body.length < 2
      ? bodyLengthError({ ...replyMeta, version: 3 }, 'at least 2 bytes', body.length)
      : ok({
          kind: 'oob-reply-number',
          version: 3,
          hits: body[0]!,
          flags: body[1]!,
          ggep: copyOf(body.subarray(2)),
        }),
  size: (m) => 2 + m.ggep.length,
  write: (m, payload, _, at) => {
    writeReply(m, payload, at);
    payload.set(m.ggep, at + 2);
  },
});

const ackMeta = {
  kind: 'oob-ack',
  vendor: LIME,
  selector: 11,
  name: 'OOB ACK',
  clause: 'VM-15',
} as const;

const oobAckV2 = fixed<Version<OobAck, 2>>(
  { ...ackMeta, version: 2 },
  1,
  (body) => ({ kind: 'oob-ack', version: 2, wanted: body[0]! }),
  (m, payload, _, at) => {
    checkUint('oob-ack wanted', m.wanted, 8);
    payload[at] = m.wanted;
  },
);

// The GGEP block follows one byte, as LimeWire and gtk-gnutella write it, not
// the two the OOBv3 text says (§4).
const oobAckV3 = row<Version<OobAck, 3>>({
  ...ackMeta,
  version: 3,
  decode: (body) => {
    if (body.length < 2 || body[1] !== GGEP_MAGIC) {
      return fail(
        new ProtocolError(
          'vendor-ggep-missing',
          `${formatVendorId({ ...ackMeta, version: 3 })} OOB ACK must follow its count with a GGEP block (0xc3) holding SO, got ${body.length} bytes`,
          ackMeta.clause,
        ),
      );
    }
    return ok({ kind: 'oob-ack', version: 3, wanted: body[0]!, ggep: copyOf(body.subarray(1)) });
  },
  size: (m) => 1 + m.ggep.length,
  write: (m, payload, _, at) => {
    checkUint('oob-ack wanted', m.wanted, 8);
    if (m.ggep[0] !== GGEP_MAGIC) {
      throw new UsageError('oob-ack v3 ggep must be a GGEP block starting with 0xc3 (VM-15)');
    }
    payload[at] = m.wanted;
    payload.set(m.ggep, at + 1);
  },
});

const proxyControlMeta = {
  kind: 'oob-proxy-control',
  vendor: LIME,
  selector: 13,
  version: 1,
  name: 'OOB Proxy Control',
  clause: 'VM-20',
} as const;

const oobProxyControl = row<OobProxyControl>({
  ...proxyControlMeta,
  decode: (body) =>
    body.length > 1
      ? bodyLengthError(proxyControlMeta, '0 or 1 byte', body.length)
      : ok({ kind: 'oob-proxy-control', version: 1, maxDisabledVersion: body[0] ?? null }),
  size: (m) => (m.maxDisabledVersion === null ? 0 : 1),
  write: (m, payload, _, at) => {
    if (m.maxDisabledVersion === null) return;
    checkUint('oob-proxy-control maxDisabledVersion', m.maxDisabledVersion, 8);
    payload[at] = m.maxDisabledVersion;
  },
});

const pushProxyRequest = (version: PushProxyRequest['version']) =>
  fixed<PushProxyRequest>(
    {
      kind: 'push-proxy-request',
      vendor: LIME,
      selector: 21,
      version,
      name: 'Push Proxy Request',
      clause: 'VM-17',
    },
    0,
    () => ({ kind: 'push-proxy-request', version }),
    noBody,
  );

const pushAckMeta = {
  kind: 'push-proxy-ack',
  vendor: LIME,
  selector: 22,
  name: 'Push Proxy Acknowledgement',
  clause: 'VM-19',
} as const;

const pushProxyAckV1 = fixed<Version<PushProxyAck, 1>>(
  { ...pushAckMeta, version: 1 },
  2,
  (_, view) => ({ kind: 'push-proxy-ack', version: 1, port: view.getUint16(0, true) }),
  (m, _, view, at) => writePort('push-proxy-ack port', m.port, view, at),
);

// The IP is in network order whatever the push-proxy text says; only the port is little-endian (§4).
const pushProxyAckV2 = fixed<Version<PushProxyAck, 2>>(
  { ...pushAckMeta, version: 2 },
  6,
  (body, view) => ({
    kind: 'push-proxy-ack',
    version: 2,
    address: ipv4ToString(body.subarray(0, 4)),
    port: view.getUint16(4, true),
  }),
  (m, payload, view, at) => {
    const address = ipv4FromString(m.address);
    if (!address.ok) throw new UsageError(`push-proxy-ack address: ${address.error.message}`);
    payload.set(address.value, at);
    writePort('push-proxy-ack port', m.port, view, at + 4);
  },
);

/** Every typed body except the framework's lists (supported.ts), in catalogue order (§3). */
export const BODY_CODECS: readonly BodyCodec[] = [
  hopsFlow,
  tcpConnectBack,
  queryStatusRequest,
  queryStatusResponse,
  udpConnectBackV1,
  udpConnectBackV2,
  oobAckV2,
  oobAckV3,
  oobReplyNumberV1,
  oobReplyNumberV2,
  oobReplyNumberV3,
  oobProxyControl,
  pushProxyRequest(1),
  pushProxyRequest(2),
  pushProxyAckV1,
  pushProxyAckV2,
];
