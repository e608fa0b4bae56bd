import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { cobsDecode, cobsEncode } from '../../src/core/wire/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { concat, fromHex } from './hex.js';
import { cobsExample } from './vectors.js';

const run = (length: number, start = 1): Uint8Array =>
  Uint8Array.from({ length }, (_, i) => ((start + i - 1) % 255) + 1);

test('GGEP-6 COBS: ggep-huge.md §4 example 11 00 22 00 00 33 ↔ 02 11 02 22 01 02 33', () => {
  assert.deepEqual(cobsEncode(cobsExample.plain), cobsExample.encoded);
  assert.deepEqual(cobsDecode(cobsExample.encoded), { ok: true, value: cobsExample.plain });
});

test('GGEP-6 COBS: CT 1262304000 of §9, 00 3b 3d 4b ↔ 01 04 3b 3d 4b', () => {
  assert.deepEqual(cobsEncode(fromHex('00 3b 3d 4b')), fromHex('01 04 3b 3d 4b'));
  assert.deepEqual(cobsDecode(fromHex('01 04 3b 3d 4b')), {
    ok: true,
    value: fromHex('00 3b 3d 4b'),
  });
});

test('GGEP-6 COBS: 254 non-zero bytes decode with and without the final 01 code', () => {
  const data = run(254);
  const limeWire = concat(Uint8Array.of(0xff), data, Uint8Array.of(0x01));
  const gtkGnutella = concat(Uint8Array.of(0xff), data);
  assert.deepEqual(cobsEncode(data), limeWire, 'the encoder writes the final 01 (LimeWire form)');
  assert.deepEqual(cobsDecode(limeWire), { ok: true, value: data });
  assert.deepEqual(cobsDecode(gtkGnutella), { ok: true, value: data });
});

test('GGEP-6 COBS: runs longer than 254 bytes are split with an 0xff code', () => {
  const data = run(300);
  const encoded = cobsEncode(data);
  assert.deepEqual(
    encoded,
    concat(Uint8Array.of(0xff), data.subarray(0, 254), Uint8Array.of(47), data.subarray(254)),
  );
  assert.deepEqual(cobsDecode(encoded), { ok: true, value: data });
});

test('GGEP-6 COBS: a 0x00 in encoded data, or a code past the end, is cobs-malformed', () => {
  for (const bad of ['02 11 00', '00', '03 11', '05 11 22 33', 'ff 01']) {
    const result = cobsDecode(fromHex(bad));
    assert.ok(!result.ok, bad);
    assert.equal(result.error.code, 'cobs-malformed', bad);
    assert.equal(result.error.clause, 'GGEP-6');
  }
});

test('GGEP-6 GGEP-8 COBS: decode(encode(x)) = x, and the encoding holds no 0x00', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 700 }).map((bytes) => bytes.map((b) => (b < 40 ? 0 : b))),
      (data) => {
        const encoded = cobsEncode(data);
        assert.ok(!encoded.includes(0));
        assert.ok(encoded.length <= data.length + Math.floor(data.length / 254) + 1);
        assert.deepEqual(cobsDecode(encoded), { ok: true, value: data });
      },
    ),
    { numRuns: UNIT_RUNS },
  );
});
