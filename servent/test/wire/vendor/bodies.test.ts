/** Body layouts of §4 beyond the §6 examples: edge values, wrong lengths, fields that do not fit. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../../src/core/errors.js';
import {
  decodeVendorMessage,
  encodeVendorMessage,
  OOB_FLAG_UNSOLICITED_UDP,
  QUERY_STATUS_STOP,
  type VendorMessage,
} from '../../../src/core/wire/vendor/index.js';
import { fromHex } from '../hex.js';
import { assertDecodeError } from './support.js';

/** Decodes `hex`, compares with `expected` and checks the bytes come back. */
function decodes(hex: string, expected: VendorMessage): void {
  const payload = fromHex(hex);
  const result = decodeVendorMessage(payload);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  assert.deepEqual(result.value, expected);
  assert.deepEqual(encodeVendorMessage(result.value), payload);
}

const BEAR4 = '42454152 0400 0100';
const BEAR7 = '42454152 0700 0100';
const BEAR11 = '42454152 0b00 0100';
const BEAR12 = '42454152 0c00 0100';
const GTKG7V1 = '47544b47 0700 0100';
const GTKG7V2 = '47544b47 0700 0200';
const LIME11V2 = '4c494d45 0b00 0200';
const LIME11V3 = '4c494d45 0b00 0300';
const LIME12V1 = '4c494d45 0c00 0100';
const LIME12V2 = '4c494d45 0c00 0200';
const LIME12V3 = '4c494d45 0c00 0300';
const LIME13 = '4c494d45 0d00 0100';
const LIME21V2 = '4c494d45 1500 0200';
const LIME22V1 = '4c494d45 1600 0100';
const LIME22V2 = '4c494d45 1600 0200';

test('VM-8 Hops Flow is exactly one byte, any value', () => {
  decodes(`${BEAR4} ff`, { kind: 'hops-flow', version: 1, hops: 255 });
  decodes(`${BEAR4} 01`, { kind: 'hops-flow', version: 1, hops: 1 });
  for (const body of ['', '0102'])
    assertDecodeError(fromHex(`${BEAR4} ${body}`), 'vendor-body-length', 'VM-8');
  assert.throws(
    () => encodeVendorMessage({ kind: 'hops-flow', version: 1, hops: 256 }),
    UsageError,
  );
});

test('VM-9 TCP Connect Back is a u16le port; port 0 decodes, for the handler to ignore', () => {
  decodes(`${BEAR7} 0000`, { kind: 'tcp-connect-back', version: 1, port: 0 });
  decodes(`${BEAR7} ffff`, { kind: 'tcp-connect-back', version: 1, port: 65_535 });
  for (const body of ['ca', 'ca1800'])
    assertDecodeError(fromHex(`${BEAR7} ${body}`), 'vendor-body-length', 'VM-9');
  assert.throws(
    () => encodeVendorMessage({ kind: 'tcp-connect-back', version: 1, port: -1 }),
    UsageError,
  );
});

test('VM-11 UDP Connect Back: v1 exactly 18 bytes, v2 exactly 2, as LimeWire checks', () => {
  const guid = '000102030405060708090a0b0c0d0e0f';
  decodes(`${GTKG7V1} 0100 ${guid}`, {
    kind: 'udp-connect-back',
    version: 1,
    port: 1,
    guid: fromHex(guid),
  });
  for (const body of ['ca18', `ca18 ${guid.slice(2)}`, `ca18 ${guid} 00`]) {
    assertDecodeError(fromHex(`${GTKG7V1} ${body}`), 'vendor-body-length', 'VM-11');
  }
  for (const body of ['', `ca18 ${guid}`]) {
    assertDecodeError(fromHex(`${GTKG7V2} ${body}`), 'vendor-body-length', 'VM-11');
  }
  assert.throws(
    () =>
      encodeVendorMessage({
        kind: 'udp-connect-back',
        version: 1,
        port: 1,
        guid: new Uint8Array(15),
      }),
    UsageError,
  );
});

test('VM-12 Query Status Request has no body; the Response is a u16le count, 0xFFFF = stop', () => {
  assertDecodeError(fromHex(`${BEAR11} 00`), 'vendor-body-length', 'VM-12');
  decodes(`${BEAR12} ffff`, { kind: 'query-status-response', version: 1, kept: QUERY_STATUS_STOP });
  assert.equal(QUERY_STATUS_STOP, 0xffff);
  decodes(`${BEAR12} feff`, { kind: 'query-status-response', version: 1, kept: 0xfffe });
  for (const body of ['', '25', '250000']) {
    assertDecodeError(fromHex(`${BEAR12} ${body}`), 'vendor-body-length', 'VM-12');
  }
  assert.throws(
    () => encodeVendorMessage({ kind: 'query-status-response', version: 1, kept: 65_536 }),
    UsageError,
  );
});

test('VM-14 OOB Reply Number: v1 one byte, v2 exactly two, v3 two and whatever follows', () => {
  decodes(`${LIME12V1} ff`, { kind: 'oob-reply-number', version: 1, hits: 255 });
  decodes(`${LIME12V2} 0a 00`, { kind: 'oob-reply-number', version: 2, hits: 10, flags: 0 });
  decodes(`${LIME12V3} 01 ${OOB_FLAG_UNSOLICITED_UDP.toString(16).padStart(2, '0')}`, {
    kind: 'oob-reply-number',
    version: 3,
    hits: 1,
    flags: 0x01,
    ggep: new Uint8Array(),
  });
  // Readers must not reject bytes after the first two in v3, GGEP-looking or not.
  decodes(`${LIME12V3} 05 01 c3 82 53 4f 41 01`, {
    kind: 'oob-reply-number',
    version: 3,
    hits: 5,
    flags: 1,
    ggep: fromHex('c3 82 53 4f 41 01'),
  });
  decodes(`${LIME12V3} 05 fe 00`, {
    kind: 'oob-reply-number',
    version: 3,
    hits: 5,
    flags: 0xfe,
    ggep: fromHex('00'),
  });
  assertDecodeError(fromHex(`${LIME12V1} 0101`), 'vendor-body-length', 'VM-14');
  assertDecodeError(fromHex(`${LIME12V2} 03`), 'vendor-body-length', 'VM-14');
  assertDecodeError(fromHex(`${LIME12V2} 030100`), 'vendor-body-length', 'VM-14');
  assertDecodeError(fromHex(`${LIME12V3} 03`), 'vendor-body-length', 'VM-14');
  assert.throws(
    () => encodeVendorMessage({ kind: 'oob-reply-number', version: 2, hits: 1, flags: 256 }),
    UsageError,
  );
});

test('VM-15 OOB ACK: v2 exactly one byte; v3 needs a GGEP block right after the count', () => {
  decodes(`${LIME11V2} ff`, { kind: 'oob-ack', version: 2, wanted: 255 });
  for (const body of ['', '0300'])
    assertDecodeError(fromHex(`${LIME11V2} ${body}`), 'vendor-body-length', 'VM-15');
  // Two bytes before the block, as the OOBv3 text has it, is not what the clients send.
  for (const body of ['03', '03 00 c3 82 53 4f 41 01', '03 01']) {
    assertDecodeError(fromHex(`${LIME11V3} ${body}`), 'vendor-ggep-missing', 'VM-15');
  }
  assert.throws(
    () => encodeVendorMessage({ kind: 'oob-ack', version: 3, wanted: 3, ggep: new Uint8Array() }),
    UsageError,
  );
  assert.throws(
    () => encodeVendorMessage({ kind: 'oob-ack', version: 3, wanted: 3, ggep: fromHex('00') }),
    UsageError,
  );
});

test('VM-20 OOB Proxy Control: no byte vetoes all, 0 allows all, N vetoes versions up to N', () => {
  decodes(LIME13, { kind: 'oob-proxy-control', version: 1, maxDisabledVersion: null });
  decodes(`${LIME13} 00`, { kind: 'oob-proxy-control', version: 1, maxDisabledVersion: 0 });
  decodes(`${LIME13} 03`, { kind: 'oob-proxy-control', version: 1, maxDisabledVersion: 3 });
  assertDecodeError(fromHex(`${LIME13} 0300`), 'vendor-body-length', 'VM-20');
  assert.throws(
    () => encodeVendorMessage({ kind: 'oob-proxy-control', version: 1, maxDisabledVersion: 256 }),
    UsageError,
  );
});

test('VM-17 Push Proxy Request v1 and v2 have no body', () => {
  decodes(LIME21V2, { kind: 'push-proxy-request', version: 2 });
  assertDecodeError(fromHex(`${LIME21V2} 00`), 'vendor-body-length', 'VM-17');
});

test('VM-17 VM-19 Push Proxy Acknowledgement: v2 exactly 6 bytes (IPv4 network order, u16le port), v1 port only', () => {
  decodes(`${LIME22V2} 0a 00 00 01 01 00`, {
    kind: 'push-proxy-ack',
    version: 2,
    address: '10.0.0.1',
    port: 1,
  });
  decodes(`${LIME22V1} ca18`, { kind: 'push-proxy-ack', version: 1, port: 6346 });
  for (const body of ['ca18', 'c0000214ca', 'c0000214ca1800']) {
    assertDecodeError(fromHex(`${LIME22V2} ${body}`), 'vendor-body-length', 'VM-19');
  }
  assertDecodeError(fromHex(`${LIME22V1} c0000214ca18`), 'vendor-body-length', 'VM-19');
  assert.throws(
    () => encodeVendorMessage({ kind: 'push-proxy-ack', version: 2, address: '192.0.2', port: 1 }),
    UsageError,
  );
  assert.throws(
    () => encodeVendorMessage({ kind: 'push-proxy-ack', version: 1, port: 70_000 }),
    UsageError,
  );
});
