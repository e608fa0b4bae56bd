import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import { buildTable, qrpHash, qrpHash32, slotOf } from '../../src/core/qrp/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';

// qrp.md §10.1, copied row by row: word, x·A (low 32 bits), hashes at b = 16, 17, 20, 6.
const rows: [string, number, number, number, number, number][] = [
  ['gnutella', 0x532d31b8, 21293, 42586, 340691, 20],
  ['limewire', 0x3690eb34, 13968, 27937, 223502, 13],
  ['a', 0xf9828f5c, 63874, 127749, 1021992, 62],
  ['the', 0xa016f3b0, 40982, 81965, 655727, 40],
  ['abc', 0xa0e2c75c, 41186, 82373, 658988, 40],
  ['café', 0x95f16514, 38385, 76770, 614166, 37],
  ['CAFÉ', 0x95f16514, 38385, 76770, 614166, 37],
  ['cafe', 0x25f16514, 9713, 19426, 155414, 9],
  ['naïve', 0xa2247974, 41508, 83016, 664135, 40],
  ['naive', 0xc6fc7974, 50940, 101880, 815047, 49],
  ['日本', 0x8845c0cc, 34885, 69771, 558172, 34],
  ['mp3', 0x7143a9ac, 28995, 57991, 463930, 28],
  ['', 0, 0, 0, 0, 0],
];

for (const [word, scrambled, b16, b17, b20, b6] of rows) {
  test(`QRP-1 §10.1 hash of ${JSON.stringify(word)}`, () => {
    assert.equal(qrpHash32(word), scrambled);
    assert.deepEqual(
      [16, 17, 20, 6].map((bits) => qrpHash(word, bits)),
      [b16, b17, b20, b6],
    );
  });
}

test('QRP-1 §3 the v1.0 Appendix A values quoted in the digest', () => {
  assert.equal(qrpHash('eb', 13), 6791);
  assert.equal(qrpHash('ndflaleme', 16), 45559);
  assert.equal(qrpHash('3NJA9', 10), 581);
});

test('QRP-1 a 65536-slot table sharing `Gnutella Protocol.txt` marks slot 21293', () => {
  const table = buildTable([{ name: 'Gnutella Protocol.txt' }], { bits: 16, infinity: 7 });
  assert.ok(table.isPresent(21293));
});

test('QRP-1 §3 lower-cases per UTF-16 unit as Java does, low byte only', () => {
  // U+0130 lower-cases to two units in JavaScript, to "i" in Java's Character.toLowerCase.
  assert.equal(qrpHash('\u0130', 16), qrpHash('i', 16));
  // An astral letter is two surrogates, which Java leaves alone: 𐐀 (U+10400) ≠ 𐐨 (U+10428).
  assert.equal(qrpHash32('\u{10400}'), qrpHash32('\ud801\udc00'));
  assert.notEqual(qrpHash32('\u{10400}'), qrpHash32('\u{10428}'));
  // Only the low byte counts: U+0161 (š) packs as 0x61 (a).
  assert.equal(qrpHash32('\u0161'), qrpHash32('a'));
});

test('QRP-1 QRP-18 §3 hash(x, b − r) = hash(x, b) >> r, so one 32-bit value serves every size', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 30 }), fc.nat({ max: 32 }), (word, bits) => {
      const full = qrpHash32(word);
      assert.equal(qrpHash(word, bits), bits === 0 ? 0 : full >>> (32 - bits));
      if (bits > 0) assert.equal(qrpHash(word, bits - 1), qrpHash(word, bits) >>> 1);
    }),
    { numRuns: UNIT_RUNS },
  );
});

test('§3 bits outside 0..32 are a UsageError', () => {
  assert.throws(() => slotOf(1, 33), UsageError);
  assert.throws(() => slotOf(1, -1), UsageError);
  assert.throws(() => slotOf(1, 1.5), UsageError);
});
