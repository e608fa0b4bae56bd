import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../../src/core/errors.js';
import { decodeHeader } from '../../../src/core/wire/header.js';
import {
  decodeVendorMessage,
  encodeVendorFrame,
  encodeVendorMessage,
  formatVendorId,
  isVendorMessageType,
  NULL_VENDOR,
  VENDOR_MESSAGE_TYPES,
  type VendorMessage,
  vendorMessageId,
} from '../../../src/core/wire/vendor/index.js';
import { fromHex } from '../hex.js';
import { assertDecodeError } from './support.js';
import * as spec from './vectors.js';

const zeroGuid = new Uint8Array(16);

test('VM-1 encodeVendorFrame writes TTL 1, Hops 0 and the 8-byte envelope', () => {
  const frame = encodeVendorFrame({ kind: 'hops-flow', version: 1, hops: 2 }, zeroGuid);
  const header = decodeHeader(frame);
  assert.ok(header.ok);
  assert.deepEqual(
    [header.value.type, header.value.ttl, header.value.hops, header.value.length],
    [0x31, 1, 0, 9],
  );
  assert.deepEqual(frame.subarray(23), fromHex('42454152 0400 0100 02'));
});

test('VM-1 every typed message encodes to at least 8 bytes: vendor id, u16le selector, u16le version', () => {
  const samples: VendorMessage[] = [
    { kind: 'query-status-request', version: 1 },
    { kind: 'push-proxy-request', version: 2 },
    { kind: 'oob-proxy-control', version: 1, maxDisabledVersion: null },
    { kind: 'messages-supported', version: 0, entries: [] },
  ];
  for (const message of samples) {
    const payload = encodeVendorMessage(message);
    const id = vendorMessageId(message);
    assert.equal(payload.length >= 8, true);
    assert.equal(String.fromCharCode(...payload.subarray(0, 4)), id.vendor);
    assert.equal(payload[4]! | (payload[5]! << 8), id.selector);
    assert.equal(payload[6]! | (payload[7]! << 8), id.version);
  }
});

test('VM-1 encodeVendorFrame refuses a type other than 0x31 or 0x32', () => {
  const message: VendorMessage = { kind: 'hops-flow', version: 1, hops: 0 };
  assert.throws(() => encodeVendorFrame(message, zeroGuid, 0x30), UsageError);
  assert.throws(() => encodeVendorFrame(message, new Uint8Array(15)), UsageError);
});

test('VM-3 payloads shorter than 8 bytes are vendor-too-short', () => {
  for (let length = 0; length < 8; length++) {
    assertDecodeError(spec.tcpConnectBack.subarray(23, 23 + length), 'vendor-too-short', 'VM-3');
  }
});

test('VM-3 an unknown (vendor, selector) is kept whole and re-encodes byte for byte', () => {
  // RAZA/5v1 with a body, and a null-vendor selector nobody defines.
  for (const hex of [
    '52415a41 0500 0100 deadbeef',
    '00000000 0700 0000',
    'ffffffff ffff ffff 00',
  ]) {
    const payload = fromHex(hex);
    const result = decodeVendorMessage(payload);
    assert.ok(result.ok);
    assert.equal(result.value.kind, 'unknown');
    assert.deepEqual(encodeVendorMessage(result.value), payload);
  }
  const raza = decodeVendorMessage(fromHex('52415a41 0500 0100 deadbeef'));
  assert.ok(raza.ok);
  assert.deepEqual(raza.value, {
    kind: 'unknown',
    vendor: 'RAZA',
    selector: 5,
    version: 1,
    body: fromHex('deadbeef'),
  });
});

test('VM-3 a known pair at an unsupported version is unknown, not an error', () => {
  // BEAR/4v2, BEAR/7v0, LIME/11v1 (never accepted), LIME/12v4, null/0v1, LIME/22v3.
  for (const hex of [
    '42454152 0400 0200 01',
    '42454152 0700 0000 ca18',
    '4c494d45 0b00 0100 03',
    '4c494d45 0c00 0400 0301',
    '00000000 0000 0100 0000',
    '4c494d45 1600 0300 c0000214ca18',
  ]) {
    const payload = fromHex(hex);
    const result = decodeVendorMessage(payload);
    assert.ok(result.ok);
    assert.equal(result.value.kind, 'unknown', hex);
    assert.deepEqual(encodeVendorMessage(result.value), payload);
  }
});

test('VM-3 the decoded unknown body does not alias the input', () => {
  const payload = fromHex('52415a41 0500 0100 01');
  const result = decodeVendorMessage(payload);
  assert.ok(result.ok && result.value.kind === 'unknown');
  payload[8] = 0xff;
  assert.deepEqual(result.value.body, fromHex('01'));
});

test('VM-4 type 0x32 carries the same payload and decodes exactly like 0x31', () => {
  assert.equal(isVendorMessageType(0x31), true);
  assert.equal(isVendorMessageType(0x32), true);
  assert.equal(isVendorMessageType(0x30), false);
  const std = spec.pushProxyAckV2.slice();
  std[16] = 0x32;
  const a = decodeVendorMessage(spec.pushProxyAckV2.subarray(23));
  const b = decodeVendorMessage(std.subarray(23));
  assert.deepEqual(b, a);
  assert.ok(b.ok);
  const frame = encodeVendorFrame(b.value, std.subarray(0, 16), 0x32);
  assert.deepEqual(frame, std, 'only the type byte differs from the 0x31 example');
});

test('VM-5 vendor ids are case-sensitive: bear/4v1 is not Hops Flow', () => {
  const result = decodeVendorMessage(fromHex('62656172 0400 0100 00'));
  assert.ok(result.ok);
  assert.deepEqual(result.value, {
    kind: 'unknown',
    vendor: 'bear',
    selector: 4,
    version: 1,
    body: fromHex('00'),
  });
  const vendors = new Set(VENDOR_MESSAGE_TYPES.map((type) => type.vendor));
  assert.deepEqual([...vendors].sort(), [NULL_VENDOR, 'BEAR', 'GTKG', 'LIME']);
});

test('vendorMessageId and formatVendorId name the wire triple', () => {
  assert.deepEqual(
    vendorMessageId({ kind: 'oob-ack', version: 3, wanted: 1, ggep: fromHex('c3') }),
    {
      vendor: 'LIME',
      selector: 11,
      version: 3,
    },
  );
  assert.equal(formatVendorId({ vendor: NULL_VENDOR, selector: 10, version: 0 }), 'null/10v0');
  assert.equal(formatVendorId({ vendor: 'GTKG', selector: 7, version: 2 }), 'GTKG/7v2');
  assert.equal(formatVendorId({ vendor: '\x01AB\xff', selector: 1, version: 1 }), '0x014142ff/1v1');
});

test('encoding a kind at a version without a layout, or a bad unknown id, is a UsageError', () => {
  const noSuchVersion = { kind: 'hops-flow', version: 2, hops: 0 } as unknown as VendorMessage;
  assert.throws(() => encodeVendorMessage(noSuchVersion), UsageError);
  const unknown = {
    kind: 'unknown',
    vendor: 'RAZA',
    selector: 1,
    version: 1,
    body: new Uint8Array(),
  } as const;
  assert.throws(() => encodeVendorMessage({ ...unknown, vendor: 'RAZ' }), UsageError);
  assert.throws(() => encodeVendorMessage({ ...unknown, selector: 65_536 }), UsageError);
  assert.throws(() => encodeVendorMessage({ ...unknown, version: -1 }), UsageError);
});

test('an unknown message may name a known triple, to send a malformed body on purpose', () => {
  const payload = encodeVendorMessage({
    kind: 'unknown',
    vendor: 'BEAR',
    selector: 4,
    version: 1,
    body: fromHex('0102'),
  });
  assertDecodeError(payload, 'vendor-body-length', 'VM-8');
});
