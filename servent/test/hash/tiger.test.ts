import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TIGER_LENGTH, Tiger, tiger } from '../../src/core/hash/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { ascii, bytesAndCuts, chunked, filled, hex } from './support.js';

// NESSIE set 1, as published on the Tiger home page (Anderson & Biham,
// test-vectors-nessie-format.dat) and repeated by libgcrypt's, sphlib's and
// Go's test suites. Digests are the output bytes in order.
const NESSIE: [string, string][] = [
  ['', '3293ac630c13f0245f92bbb1766e16167a4e58492dde73f3'],
  ['a', '77befbef2e7ef8ab2ec8f93bf587a7fc613e247f5f247809'],
  ['abc', '2aab1484e8c158f2bfb8c5ff41b57a525129131c957b5f93'],
  ['message digest', 'd981f8cb78201a950dcf3048751e441c517fca1aa55a29f6'],
  ['abcdefghijklmnopqrstuvwxyz', '1714a472eee57d30040412bfcc55032a0b11602ff37beee9'],
  [
    'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
    '0f7bf9a19b9c58f2b7610df7e84f0ac3a71c631e7b53f78e',
  ],
  [
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
    '8dcea680a17583ee502ba38a3c368651890ffbccdc49a8cc',
  ],
  ['1234567890'.repeat(8), '1c14795529fd9f207a958f84c52f11e887fa0cabdfd91bfd'],
];

// The reference `testtiger` output on the Tiger home page (printed there as
// three 64-bit words; libgcrypt's tiger.c quotes that form). Here as bytes.
const TITLE = 'Tiger - A Fast New Hash Function, by Ross Anderson and Eli Biham';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-';
const REFERENCE: [string, string][] = [
  ['Tiger', 'dd00230799f5009fec6debc838bb6a27df2b9d6f110c7937'],
  [ALNUM, 'f71c8583902afb879edfe610f82c0d4786a3a534504486b5'],
  [
    'ABCDEFGHIJKLMNOPQRSTUVWXYZ=abcdefghijklmnopqrstuvwxyz+0123456789',
    '48ceeb6308b87d46e95d656112cdf18d97915f9765658957',
  ],
  [TITLE, '8a866829040a410c729ad23f5ada711603b3cdd357e4c15e'],
  [
    `${TITLE}, proceedings of Fast Software Encryption 3, Cambridge.`,
    'ce55a6afd591f5ebac547ff84f89227f9331dab0b611c889',
  ],
  [
    `${TITLE}, proceedings of Fast Software Encryption 3, Cambridge, 1996.`,
    '631abdd103eb9a3d245b6dfd4d77b257fc7439501d1568dd',
  ],
  [ALNUM.repeat(2), 'c54034e5b43eb8005848a7e0ae6aac76e4ff590ae715fd25'],
];

test('HTTP-34 Tiger: the two digests quoted in §10.2 (original 0x01 padding)', () => {
  assert.equal(hex(tiger(new Uint8Array(0))), '3293ac630c13f0245f92bbb1766e16167a4e58492dde73f3');
  assert.equal(hex(tiger(ascii('abc'))), '2aab1484e8c158f2bfb8c5ff41b57a525129131c957b5f93');
});

test('HTTP-34 Tiger: NESSIE set 1 (Tiger home page)', () => {
  for (const [message, digest] of NESSIE) assert.equal(hex(tiger(ascii(message))), digest, message);
});

test("HTTP-34 Tiger: one million 'a' (NESSIE set 1)", () => {
  assert.equal(
    hex(tiger(filled(1_000_000, 0x61))),
    '6db0e2729cbead93d715c6a7d36302e9b3cee0d2bc314b41',
  );
});

test('HTTP-34 Tiger: the reference testtiger vectors (Tiger home page)', () => {
  for (const [message, digest] of REFERENCE)
    assert.equal(hex(tiger(ascii(message))), digest, message);
});

// The reference testtiger's 64K-byte string; the digest as Bouncy Castle's
// TigerDigestTest and freetiger's tigermain.c check it.
test('HTTP-34 Tiger: the 64 KiB reference vector (byte i = i mod 256)', () => {
  const bytes = new Uint8Array(65536).map((_, i) => i & 255);
  assert.equal(hex(tiger(bytes)), 'fdf4f5b35139f48e710e421be5af411de1a8aac333f26204');
});

test('Tiger: chunked updates equal one call, and digest() on the way does not end the hash', () => {
  fc.assert(
    fc.property(bytesAndCuts(300), ([bytes, cuts]) => {
      const hasher = new Tiger();
      let seen = 0;
      for (const part of chunked(bytes, cuts)) {
        hasher.update(part);
        seen += part.length;
        assert.equal(hex(hasher.digest()), hex(tiger(bytes.subarray(0, seen))));
      }
      const digest = hasher.digest();
      assert.equal(digest.length, TIGER_LENGTH);
      assert.equal(hex(digest), hex(tiger(bytes)));
    }),
    { numRuns: UNIT_RUNS },
  );
});

test('Tiger: reset() starts over', () => {
  const hasher = new Tiger().update(ascii('something else first'));
  assert.equal(hex(hasher.reset().update(ascii('abc')).digest()), NESSIE[2]![1]);
});

test('Tiger: the input is read, never written', () => {
  const bytes = ascii(ALNUM.repeat(3));
  const copy = bytes.slice();
  tiger(bytes.subarray(5));
  assert.deepEqual(bytes, copy);
});
