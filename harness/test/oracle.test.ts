/**
 * The hand readers (harness/oracle) against the spec's own vectors: the
 * harness judges servents with them, so they are checked on bytes no code of
 * ours produced.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eqhdByHand, readHitByHand } from '../oracle/query-hit.js';
import {
  applyEntries,
  changedSlots,
  groupSequences,
  type HandPatch,
  presenceAfter,
  qrpHashByHand,
  readUpdateByHand,
  sequenceEntries,
} from '../oracle/route-table.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

test('QRP hash by hand: qrp.md §10.1 and the Appendix A self-test values it quotes', () => {
  const table: Array<[string, number, number, number, number]> = [
    ['gnutella', 21293, 42586, 340691, 20],
    ['limewire', 13968, 27937, 223502, 13],
    ['a', 63874, 127749, 1021992, 62],
    ['the', 40982, 81965, 655727, 40],
    ['abc', 41186, 82373, 658988, 40],
    ['café', 38385, 76770, 614166, 37],
    ['CAFÉ', 38385, 76770, 614166, 37],
    ['cafe', 9713, 19426, 155414, 9],
    ['naïve', 41508, 83016, 664135, 40],
    ['naive', 50940, 101880, 815047, 49],
    ['日本', 34885, 69771, 558172, 34],
    ['mp3', 28995, 57991, 463930, 28],
    ['', 0, 0, 0, 0],
  ];
  for (const [word, b16, b17, b20, b6] of table)
    assert.deepEqual(
      [16, 17, 20, 6].map((bits) => qrpHashByHand(word, bits)),
      [b16, b17, b20, b6],
      word,
    );
  assert.equal(qrpHashByHand('eb', 13), 6791);
  assert.equal(qrpHashByHand('ndflaleme', 16), 45559);
  assert.equal(qrpHashByHand('3NJA9', 10), 581);
});

const RESET_64 = hex('00 40 00 00 00 07');
const PATCH_64 = hex(`01 01 01 00 04
  00 a0 00 a0 00 00 00 00 00 00 a0 00 00 0a 00 00
  00 00 00 00 00 00 00 00 00 00 0a 00 00 00 0a 0a`);
const PATCH_64_ZLIB = hex(
  '01 01 01 01 04 78 9c 63 58 c0 b0 80 01 0c 16 30 30 70 31 20 01 10 87 8b 0b 00 34 78 02 09',
);
const PATCH_64_SPLIT = [
  hex('01 01 02 00 04 00 a0 00 a0 00 00 00 00 00 00 a0 00 00 0a 00 00'),
  hex('01 02 02 00 04 00 00 00 00 00 00 00 00 00 00 0a 00 00 00 0a 0a'),
];
const PRESENT_64 = [2, 6, 20, 27, 53, 61, 63];

test('route table by hand: qrp.md §10.2, plain, zlib and split, give the same 64-slot table', () => {
  const reset = readUpdateByHand(RESET_64);
  assert.deepEqual(reset, { variant: 'reset', length: 64, infinity: 7, payloadLength: 6 });
  for (const patches of [[PATCH_64], [PATCH_64_ZLIB], PATCH_64_SPLIT]) {
    const sequences = groupSequences([reset, ...patches.map(readUpdateByHand)]);
    assert.equal(sequences.length, 1);
    assert.equal(sequences[0]!.complete, true);
    const { length, present } = presenceAfter(sequences);
    assert.equal(length, 64);
    assert.deepEqual(
      [...present].sort((a, b) => a - b),
      PRESENT_64,
    );
  }
});

test('route table by hand: the §10.2 rename patch changes slots 27 (absent) and 44 (present)', () => {
  const update = readUpdateByHand(
    hex(`01 01 01 00 04
      00 00 00 00 00 00 00 00 00 00 00 00 00 06 00 00
      00 00 00 00 00 00 a0 00 00 00 00 00 00 00 00 00`),
  ) as HandPatch;
  const entries = sequenceEntries([update]);
  assert.deepEqual(changedSlots(entries), [27, 44]);
  const after = applyEntries(new Set(PRESENT_64), entries);
  assert.deepEqual(
    [...after].sort((a, b) => a - b),
    [2, 6, 20, 44, 53, 61, 63],
  );
  // An update with no RESET before it is a sequence of its own.
  const groups = groupSequences([readUpdateByHand(RESET_64), readUpdateByHand(PATCH_64), update]);
  assert.deepEqual(
    groups.map((g) => [g.reset !== undefined, g.patches.length, g.complete]),
    [
      [true, 1, true],
      [false, 1, true],
    ],
  );
});

test('route table by hand: gtk-gnutella style, infinity 2 and 1-bit toggles', () => {
  const gtk4 = hex(
    '01 01 01 00 04 00 f0 00 f0 00 00 00 00 00 00 f0 00 00 0f 00 00 00 00 00 00 00 00 00 00 00 00 0f 00 00 00 0f 0f',
  );
  const gtk1 = hex('01 01 01 00 01 22 00 08 10 00 00 04 05');
  for (const patch of [gtk4, gtk1]) {
    const { present } = presenceAfter(
      groupSequences([readUpdateByHand(hex('00 40 00 00 00 02')), readUpdateByHand(patch)]),
    );
    assert.deepEqual(
      [...present].sort((a, b) => a - b),
      PRESENT_64,
    );
  }
});

test('query hit by hand: messages.md §13.6', () => {
  const payload = hex(`02 ca 18 cb 00 71 05 e8 03 00 00
    01 00 00 00 b5 7a 42 00
    66 72 65 65 20 73 6f 66 74 77 61 72 65 20 73 6f 6e 67 2e 6f 67 67 00
    75 72 6e 3a 73 68 61 31 3a 4f 4d 47 59 54 41 54 47 46 5a 32 56 55 4c 5a 49 4e 4c 49 4d 49 54 34
    33 55 45 5a 4b 4e 56 50 33 00
    02 00 00 00 00 00 10 00
    67 6e 75 74 65 6c 6c 61 20 73 70 65 63 2e 74 78 74 00
    c3 01 48 55 01 88 5d bd a8 af e6 75 1f 15 f0 ee cc 3d a0 0e dc 88 24 2f ba
    c2 43 54 45 01 04 3b 3d 4b 00
    45 58 4d 50 02 3d 29
    c3 02 42 48 40 84 50 55 53 48 4c c0 00 02 14 ca 18 c0 00 02 15 cb 18
    5d 0b 8a 11 e7 c3 4f 2a 9b 6e 04 d1 c2 f3 a4 b5`);
  assert.equal(payload.length, 191);
  const hit = readHitByHand(payload);
  assert.equal(hit.count, 2);
  assert.equal(hit.port, 6346);
  assert.equal(hit.address, '203.0.113.5');
  assert.equal(hit.speed, 1000);
  assert.deepEqual(
    hit.records.map((r) => [r.index, r.size, r.name, r.urns]),
    [
      [1, 4356789, 'free software song.ogg', ['urn:sha1:OMGYTATGFZ2VULZINLIMIT43UEZKNVP3']],
      [2, 1048576, 'gnutella spec.txt', []],
    ],
  );
  assert.equal(hit.vendor, 'EXMP');
  assert.deepEqual([...hit.openData!], [0x3d, 0x29]);
  assert.equal(hit.serventId.toString('hex'), '5d0b8a11e7c34f2a9b6e04d1c2f3a4b5');
  assert.deepEqual(eqhdByHand(hit.openData!), { push: true, ggep: true, reservedBitsSet: 0 });
});

test('query hit by hand: a record without its final NUL is reported, not misread', () => {
  const broken = hex(`01 ca 18 cb 00 71 05 e8 03 00 00 01 00 00 00 05 00 00 00 61 62 63
    00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f`);
  assert.throws(() => readHitByHand(broken), /record 1/);
});
