import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  guidFromHex,
  guidToHex,
  ipv4FromString,
  ipv4ToString,
  newGuid,
} from '../../src/core/wire/index.js';
import { fromHex } from './hex.js';

test('guid: hex round trip, lower-case out, either case in', () => {
  // The GUID header of gtk-gnutella A in HANDSHAKES.txt (s00).
  const parsed = guidFromHex('76E33102DAEA35AF8234DEAE86F00087');
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value, fromHex('76e33102daea35af8234deae86f00087'));
  assert.equal(guidToHex(parsed.value), '76e33102daea35af8234deae86f00087');
});

test('guid: malformed hex is guid-bad-hex, never a throw', () => {
  for (const text of [
    '',
    '76e3',
    `${'0'.repeat(31)}g`,
    `${'0'.repeat(33)}`,
    ` ${'0'.repeat(32)}`,
  ]) {
    const result = guidFromHex(text);
    assert.ok(!result.ok, text);
    assert.equal(result.error.code, 'guid-bad-hex');
  }
  fc.assert(
    fc.property(fc.string(), (text) => {
      const result = guidFromHex(text);
      if (result.ok) assert.equal(guidToHex(result.value), text.toLowerCase());
    }),
  );
});

test('guid: newGuid keeps the random bytes and marks byte 8 = 0xff, byte 15 = 0x00 (MSG-7)', () => {
  const random = (n: number) => new Uint8Array(n).fill(0xaa);
  const guid = newGuid(random);
  assert.equal(guidToHex(guid), 'aaaaaaaaaaaaaaaaffaaaaaaaaaaaa00');
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
      const marked = newGuid(() => bytes);
      assert.equal(marked[8], 0xff);
      assert.equal(marked[15], 0x00);
      assert.notEqual(marked, bytes);
    }),
  );
});

test('guid: newGuid rejects a random source returning the wrong size', () => {
  assert.throws(() => newGuid(() => new Uint8Array(8)), UsageError);
});

test('ipv4: network order both ways (messages.md §1: 208.17.50.4 is d0 11 32 04)', () => {
  assert.equal(ipv4ToString(fromHex('d0 11 32 04')), '208.17.50.4');
  const parsed = ipv4FromString('208.17.50.4');
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value, fromHex('d0 11 32 04'));
});

test('ipv4: malformed text is ipv4-malformed', () => {
  for (const text of [
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '01.2.3.4',
    '1.2.3.x',
    '1..3.4',
    ' 1.2.3.4',
  ]) {
    const result = ipv4FromString(text);
    assert.ok(!result.ok, text);
    assert.equal(result.error.code, 'ipv4-malformed');
  }
});
