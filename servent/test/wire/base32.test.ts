import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { base32Decode, base32Encode } from '../../src/core/wire/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { fromHex } from './hex.js';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

test('HUGE-1 base32: ggep-huge.md §7 example SHA-1 → CU67GO3XHIPQL7ULAHJSCIIM4V4NN727', () => {
  const sha1 = fromHex('15 3d f3 3b 77 3a 1f 05 fe 8b 01 d3 21 21 0c e5 78 d6 ff 5f');
  assert.equal(base32Encode(sha1), 'CU67GO3XHIPQL7ULAHJSCIIM4V4NN727');
  assert.deepEqual(base32Decode('CU67GO3XHIPQL7ULAHJSCIIM4V4NN727'), { ok: true, value: sha1 });
});

test('HUGE-1 base32: RFC 4648 §10 vectors, unpadded', () => {
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ];
  for (const [plain, encoded] of vectors) {
    assert.equal(base32Encode(ascii(plain)), encoded);
    assert.deepEqual(base32Decode(encoded), { ok: true, value: ascii(plain) });
  }
});

test('HUGE-2 base32: digits are read case-insensitively', () => {
  assert.deepEqual(
    base32Decode('cu67go3xhipql7ulahjsciim4v4nn727'),
    base32Decode('CU67GO3XHIPQL7ULAHJSCIIM4V4NN727'),
  );
  assert.deepEqual(base32Decode('mZxW6yTbOi'), { ok: true, value: ascii('foobar') });
});

test('HUGE-1 base32: padding, separators and non-alphabet characters are base32-bad-char', () => {
  for (const text of ['MY======', 'MZXW6YQ=', 'MZ XQ', 'MZX1', 'MZX8', 'MZXé', 'MZ-Q']) {
    const result = base32Decode(text);
    assert.ok(!result.ok, text);
    assert.equal(result.error.code, 'base32-bad-char', text);
  }
});

test('HUGE-1 base32: lengths no byte count produces are base32-bad-length', () => {
  for (const text of ['M', 'MZX', 'MZXW6Y', 'MZXW6YTBO']) {
    const result = base32Decode(text);
    assert.ok(!result.ok, text);
    assert.equal(result.error.code, 'base32-bad-length', text);
  }
});

test('HUGE-1 base32: 20 bytes give 32 characters, 24 bytes give 39', () => {
  assert.equal(base32Encode(new Uint8Array(20).fill(0xff)).length, 32);
  assert.equal(base32Encode(new Uint8Array(24).fill(0xff)).length, 39);
});

test('HUGE-1 base32: decode(encode(bytes)) = bytes, output upper case without padding', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const text = base32Encode(bytes);
      assert.match(text, /^[A-Z2-7]*$/);
      assert.equal(text.length, Math.ceil((bytes.length * 8) / 5));
      assert.deepEqual(base32Decode(text), { ok: true, value: bytes });
      assert.deepEqual(base32Decode(text.toLowerCase()), { ok: true, value: bytes });
    }),
    { numRuns: UNIT_RUNS },
  );
});
