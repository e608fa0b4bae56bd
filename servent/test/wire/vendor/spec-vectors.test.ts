/**
 * Every hex example of vendor-messages.md §6: decoded to the fields the spec
 * describes, then re-encoded from those fields (and the example's header
 * GUID) to the same bytes. encodeVendorFrame always writes TTL 1 and Hops 0,
 * so matching each example also checks VM-1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guidToHex } from '../../../src/core/wire/guid.js';
import {
  NULL_VENDOR,
  OOB_FLAG_UNSOLICITED_UDP,
  vendorMessageId,
} from '../../../src/core/wire/vendor/index.js';
import { fromHex } from '../hex.js';
import { roundTripFrame } from './support.js';
import * as spec from './vectors.js';

test('VM-1 VM-6 VM-7 §6 Messages Supported, 7 entries (89 bytes)', () => {
  assert.equal(spec.messagesSupported.length, 89);
  const { header, message } = roundTripFrame(spec.messagesSupported);
  assert.deepEqual([header.type, header.ttl, header.hops, header.length], [0x31, 1, 0, 66]);
  assert.deepEqual(message, {
    kind: 'messages-supported',
    version: 0,
    entries: [
      { vendor: 'BEAR', selector: 4, version: 1 },
      { vendor: 'BEAR', selector: 7, version: 1 },
      { vendor: 'BEAR', selector: 11, version: 1 },
      { vendor: 'BEAR', selector: 12, version: 1 },
      { vendor: 'GTKG', selector: 7, version: 2 },
      { vendor: 'LIME', selector: 21, version: 1 },
      { vendor: 'LIME', selector: 22, version: 2 },
    ],
  });
  // null vendor, selector 0, version 0 in the envelope (§4 null/0v0).
  assert.deepEqual(vendorMessageId(message), { vendor: NULL_VENDOR, selector: 0, version: 0 });
});

test('VM-1 VM-8 §6 Hops Flow 0 (stop sending queries)', () => {
  const { message } = roundTripFrame(spec.hopsFlowZero);
  assert.deepEqual(message, { kind: 'hops-flow', version: 1, hops: 0 });
});

test('VM-1 VM-9 §6 TCP Connect Back to port 6346 (u16le ca 18)', () => {
  const { message } = roundTripFrame(spec.tcpConnectBack);
  assert.deepEqual(message, { kind: 'tcp-connect-back', version: 1, port: 6346 });
});

test('VM-1 VM-11 §6 UDP Connect Back v2: the ping GUID is the header GUID', () => {
  const { header, message } = roundTripFrame(spec.udpConnectBackV2);
  assert.deepEqual(message, { kind: 'udp-connect-back', version: 2, port: 6346 });
  assert.equal(guidToHex(header.guid), 'e0c4a1f2339b4d68ff51a2b3c4d5e600');
});

test('VM-1 VM-11 §6 UDP Connect Back v1: the ping GUID is in the payload', () => {
  const { message } = roundTripFrame(spec.udpConnectBackV1);
  assert.deepEqual(message, {
    kind: 'udp-connect-back',
    version: 1,
    port: 6346,
    guid: fromHex('e0c4a1f2339b4d68ff51a2b3c4d5e600'),
  });
});

test('VM-1 VM-17 §6 Push Proxy Request and Acknowledgement v2 share the leaf servent id as GUID', () => {
  const request = roundTripFrame(spec.pushProxyRequest);
  assert.deepEqual(request.message, { kind: 'push-proxy-request', version: 1 });
  const ack = roundTripFrame(spec.pushProxyAckV2);
  assert.deepEqual(ack.message, {
    kind: 'push-proxy-ack',
    version: 2,
    address: '192.0.2.20',
    port: 6346,
  });
  assert.deepEqual(ack.header.guid, request.header.guid);
  // IPv4 in network order, then the port little-endian (VM-17).
  assert.deepEqual(spec.pushProxyAckV2.subarray(31), fromHex('c0 00 02 14 ca 18'));
});

test('VM-1 VM-12 §6 Query Status Request / Response (37 kept) under the query GUID', () => {
  const request = roundTripFrame(spec.queryStatusRequest);
  assert.deepEqual(request.message, { kind: 'query-status-request', version: 1 });
  const response = roundTripFrame(spec.queryStatusResponse);
  assert.deepEqual(response.message, { kind: 'query-status-response', version: 1, kept: 37 });
  assert.equal(guidToHex(response.header.guid), 'c1d2e3f40516a7b8ff19aabb4c5d6e00');
  assert.deepEqual(response.header.guid, request.header.guid);
});

test('VM-1 VM-14 §6 OOB Reply Number v2: 3 hits, unsolicited UDP, OOB query GUID', () => {
  const { header, message } = roundTripFrame(spec.oobReplyNumberV2);
  assert.deepEqual(message, {
    kind: 'oob-reply-number',
    version: 2,
    hits: 3,
    flags: OOB_FLAG_UNSOLICITED_UDP,
  });
  // The GUID encodes the querier: bytes 0-3 its IPv4 (198.51.100.7), 13-14 its port, little-endian.
  assert.deepEqual(header.guid.subarray(0, 4), fromHex('c6 33 64 07'));
  assert.equal(header.guid[13]! | (header.guid[14]! << 8), 6346);
});

test('VM-1 VM-15 §6 OOB ACK v2 (want 3) and v3 (want 3, GGEP SO = 9f 31 c2 after one byte)', () => {
  const v2 = roundTripFrame(spec.oobAckV2);
  assert.deepEqual(v2.message, { kind: 'oob-ack', version: 2, wanted: 3 });
  const v3 = roundTripFrame(spec.oobAckV3);
  assert.deepEqual(v3.message, {
    kind: 'oob-ack',
    version: 3,
    wanted: 3,
    // C3, flags 0x82 (last, 2-byte id) "SO", length 0x43 (3), token.
    ggep: fromHex('c3 82 53 4f 43 9f 31 c2'),
  });
  assert.deepEqual(v3.header.guid, v2.header.guid);
});
