import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byeMessage, markedKilobytes, selfPong } from '../../src/core/link/link-messages.js';
import { decodeBye, decodeHeader } from '../../src/core/wire/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// messages.md §13.3, the plain 14-byte form answering the alive ping of §13.1.
const SPEC_PONG = hex(
  '3a7c5109c24e11d8ff6b209d44e10700 01 01 00 0e000000 ca18 cb007105 78000000 00000800',
);

test('RT-14 MSG-23 the pong describing us carries the payload of the spec vector, the ping GUID and hops 0', () => {
  const ping = { guid: SPEC_PONG.subarray(0, 16), type: 0x00, ttl: 1, hops: 0, length: 0 };
  const pong = Buffer.from(
    selfPong(ping, {
      address: { host: '203.0.113.5', port: 6346 },
      mode: 'ultrapeer',
      sharedFiles: 120,
      sharedKilobytes: 524_288,
    }),
  );
  assert.deepEqual(pong.subarray(23), SPEC_PONG.subarray(23), 'payload');
  assert.deepEqual(pong.subarray(0, 17), SPEC_PONG.subarray(0, 17), 'GUID and type');
  // MSG-16: TTL at least ping hops + 1, and we follow the SHOULD of hops + 2.
  assert.equal(pong[17], 2);
  assert.equal(pong[18], 0);
  assert.deepEqual(pong.subarray(19, 23), SPEC_PONG.subarray(19, 23), 'length');
});

test('a relayed ping (hops 3) gets a pong whose TTL covers the way back', () => {
  const pong = selfPong(
    { guid: new Uint8Array(16), type: 0, ttl: 4, hops: 3, length: 0 },
    { address: { host: '10.0.0.1', port: 1 }, mode: 'leaf', sharedFiles: 0, sharedKilobytes: 0 },
  );
  const header = decodeHeader(pong);
  assert.ok(header.ok);
  assert.ok(header.value.ttl >= 4);
});

test('MSG-38 RT-14 KB counts mark the mode: powers of two ≥ 8 for ultrapeers, never for leaves', () => {
  const isUpMark = (n: number) => n >= 8 && (n & (n - 1)) === 0;
  for (const kb of [0, 1, 7, 8, 9, 1000, 524_288, 2 ** 30 + 5]) {
    assert.ok(isUpMark(markedKilobytes(kb, 'ultrapeer')), `ultrapeer ${kb}`);
    assert.ok(!isUpMark(markedKilobytes(kb, 'leaf')), `leaf ${kb}`);
    assert.ok(markedKilobytes(kb, 'ultrapeer') >= kb || kb > 2 ** 31);
  }
});

test('Bye is TTL 1, hops 0, with a marked fresh GUID and the code and reason (MSG-34)', () => {
  const bytes = byeMessage(201, 'Closed by operator', (n) => new Uint8Array(n).fill(0xaa));
  const header = decodeHeader(bytes);
  assert.ok(header.ok);
  assert.equal(header.value.type, 0x02);
  assert.equal(header.value.ttl, 1);
  assert.equal(header.value.hops, 0);
  assert.equal(header.value.guid[8], 0xff);
  assert.equal(header.value.guid[15], 0x00);
  const bye = decodeBye(bytes.subarray(23));
  assert.ok(bye.ok);
  assert.deepEqual(bye.value, { code: 201, reason: 'Closed by operator' });
  assert.equal(bytes.at(-1), 0x00, 'NUL-terminated');
});
