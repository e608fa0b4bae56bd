import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { decodeHeader, encodeHeader, guidToHex, MessageType } from '../../src/core/wire/index.js';
import { fromHex } from './hex.js';
import { s00Out3, s00Out6 } from './recorded.js';
import * as spec from './vectors.js';

// Expected fields read off the annotations of messages.md §13, then two real
// gtk-gnutella frames (recorded.ts): a vendor message with an all-zero GUID, a pong.
// [name, message bytes, GUID hex, type, TTL, hops, payload length]
const { Ping, Pong, Query, QueryHit, Push, Bye, Vendor } = MessageType;
const cases: [string, Uint8Array, string, number, number, number, number][] = [
  ['§13.1 alive ping', spec.alivePing, '3a7c5109c24e11d8ff6b209d44e10700', Ping, 1, 0, 0],
  ['§13.2 SCP ping', spec.scpPing, '8e21f0b7596a4c13ff0d7e24a1b36f00', Ping, 3, 0, 7],
  ['§13.3 GGEP pong', spec.ggepPong, '8e21f0b7596a4c13ff0d7e24a1b36f00', Pong, 3, 0, 37],
  ['§13.3 plain pong', spec.plainPong, '3a7c5109c24e11d8ff6b209d44e10700', Pong, 1, 0, 14],
  ['§13.4 query', spec.queryHeader, 'c1d2e3f40516a7b8ff19aabb4c5d6e00', Query, 4, 0, 21],
  ['§13.5 OOB query', spec.oobQueryHeader, 'c6336407a1b2c3d4ff5e6f7000ca1800', Query, 3, 0, 52],
  ['§13.6 query hit', spec.queryHitHeader, 'c1d2e3f40516a7b8ff19aabb4c5d6e00', QueryHit, 5, 0, 191],
  ['§13.7 push', spec.pushHeader, '7702aa9e31c84b05ff4a55e0d9128c00', Push, 4, 0, 26],
  ['§13.8 bye', spec.longBye, 'b4c3d2e1f00f1e2dff3c4b5a69788700', Bye, 1, 0, 51],
  ['s00 frame 3 vendor', s00Out3, '00000000000000000000000000000000', Vendor, 1, 0, 218],
  ['s00 frame 6 pong', s00Out6, '642e3102d06af18fff27caa11d903b03', Pong, 1, 0, 42],
];

for (const [name, bytes, guid, type, ttl, hops, length] of cases) {
  test(`header: ${name} decodes and re-encodes byte-identically`, () => {
    const result = decodeHeader(bytes);
    assert.ok(result.ok);
    assert.equal(guidToHex(result.value.guid), guid);
    assert.deepEqual(
      { ...result.value, guid: undefined },
      { guid: undefined, type, ttl, hops, length },
    );
    assert.deepEqual(encodeHeader(result.value), bytes.subarray(0, 23));
  });
}

test('header: §13.8 short Bye 502 header tail reads as Bye, TTL 1, Hops 0, length 18', () => {
  const bytes = new Uint8Array(23);
  bytes.set(spec.shortByeHeaderTail, 16);
  const result = decodeHeader(bytes);
  assert.ok(result.ok);
  assert.equal(result.value.type, MessageType.Bye);
  assert.equal(result.value.length, 18);
});

test('header: payload length is little-endian over all four bytes', () => {
  const bytes = fromHex(`${'00'.repeat(16)} 81 07 00 01 02 03 84`);
  const result = decodeHeader(bytes);
  assert.ok(result.ok);
  assert.equal(result.value.length, 0x84030201);
});

test('header: fewer than 23 bytes is header-truncated (MSG-1)', () => {
  const result = decodeHeader(spec.alivePing.subarray(0, 22));
  assert.ok(!result.ok);
  assert.equal(result.error.code, 'header-truncated');
  assert.equal(result.error.clause, 'MSG-1');
});

test('header: decoded GUID is a copy, not a view of the input', () => {
  const bytes = new Uint8Array(spec.alivePing);
  const result = decodeHeader(bytes);
  assert.ok(result.ok);
  bytes[0] = 0;
  assert.equal(result.value.guid[0], 0x3a);
});

test('header: encoding out-of-range fields is a UsageError', () => {
  const guid = new Uint8Array(16);
  const base = { guid, type: 0, ttl: 1, hops: 0, length: 0 };
  assert.throws(() => encodeHeader({ ...base, guid: new Uint8Array(15) }), UsageError);
  assert.throws(() => encodeHeader({ ...base, type: 256 }), UsageError);
  assert.throws(() => encodeHeader({ ...base, ttl: -1 }), UsageError);
  assert.throws(() => encodeHeader({ ...base, hops: 1.5 }), UsageError);
  assert.throws(() => encodeHeader({ ...base, length: 2 ** 32 }), UsageError);
  // The full u32 range stays encodable so a harness can craft oversized headers.
  assert.deepEqual(
    encodeHeader({ ...base, length: 0xffffffff }).subarray(19),
    fromHex('ff ff ff ff'),
  );
});
