import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  SEGMENT_SIZE,
  TigerTree,
  TigerTreeBuilder,
  tiger,
  tigerTree,
  tigerTreeRoot,
  treeHeight,
} from '../../src/core/hash/index.js';
import { base32Decode, base32Encode } from '../../src/core/wire/base32.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { bytesAndCuts, chunked, filled, hex, naiveLevels, pattern } from './support.js';
import { RECORDED_FILES, SPEC_VECTORS } from './vectors.js';

const b32 = (bytes: Uint8Array) => base32Encode(bytes);
const fromB32 = (text: string): Uint8Array => {
  const decoded = base32Decode(text);
  assert.ok(decoded.ok);
  return decoded.value;
};
const MIB_ZEROS = SPEC_VECTORS.find((v) => v.name === '1 MiB x 0x00')!.content;

/** Every node of every level the tree holds, as naiveLevels lays them out. */
function levelsOf(tree: TigerTree): string[][] {
  const levels: string[][] = [];
  for (let d = 0; d <= tree.depth; d++) {
    levels.push(Array.from({ length: tree.nodeCount(d) }, (_, i) => hex(tree.node(d, i))));
  }
  return levels;
}

test('HTTP-34 TTH: every root of the §13 table', () => {
  for (const vector of SPEC_VECTORS)
    assert.equal(b32(tigerTreeRoot(vector.content)), vector.tth, vector.name);
});

test("HTTP-34 HTTP-23 TTH: gtk-gnutella 1.2.3's roots for its shared files (X-Thex-URI in the recordings)", () => {
  for (const file of RECORDED_FILES)
    assert.equal(b32(tigerTreeRoot(file.content)), file.tth, file.name);
});

test('HTTP-34 TTH: empty file = Tiger(0x00), one leaf', () => {
  const tree = tigerTree(new Uint8Array(0));
  assert.equal(hex(tree.root), hex(tiger(Uint8Array.of(0))));
  assert.equal(tree.height, 0);
  assert.equal(tree.nodeCount(0), 1);
});

test('HTTP-34 TTH: §13 structure of 1025 zero bytes (leaves 1024 zeros and 1 zero, parent over both)', () => {
  const tree = tigerTree(filled(1025, 0));
  assert.equal(tree.height, 1);
  assert.equal(b32(tree.node(1, 0)), 'CMKDYROZKSC6VTM4I7LSMMHPAE4UG3FXPXZGGKY');
  assert.equal(b32(tree.node(1, 1)), 'VK54ZIEEVTWNAUI5D5RDFIL37LX2IQNSTAXFKSA');
  assert.equal(hex(tree.root), 'bf57f0d5347a7245c5a232030fb37a6a82450ad05daf21ea');
});

test('HTTP-34 TTH: §13 odd promotion in 3072 zero bytes (third leaf promoted unchanged)', () => {
  const tree = tigerTree(filled(3072, 0));
  const leaf = 'CMKDYROZKSC6VTM4I7LSMMHPAE4UG3FXPXZGGKY';
  assert.deepEqual(
    [0, 1, 2].map((i) => b32(tree.node(2, i))),
    [leaf, leaf, leaf],
  );
  assert.equal(b32(tree.node(1, 0)), 'QVO4477D5FR7KAUVUZZREDTCLELFZ3M7BBW3AMI');
  assert.equal(b32(tree.node(1, 1)), leaf);
  assert.equal(b32(tree.root), 'VGCPC4YDRKEA55ORGBCZSKW3R4OGQ2A7JEYOEEY');
});

test('HTTP-34 TTH: §13 levels 1..3 of 1 MiB of zeros', () => {
  const tree = tigerTree(MIB_ZEROS);
  const expected = [
    'V6HENYCJVAAMEM46QY5PHEGFZ7YCXTBZAJOUJKQ',
    '7JBRPQDUYLL43G57272MRPJ7T547GMHQYJ5WDOA',
    'NGKAUPBAYQ2XNUSYXUQQGOKWK4I5NFXJJI2RD2Y',
  ];
  for (const [i, node] of expected.entries()) {
    const depth = i + 1;
    assert.equal(tree.nodeCount(depth), 2 ** depth);
    for (let k = 0; k < 2 ** depth; k++) assert.equal(b32(tree.node(depth, k)), node);
  }
});

test('HTTP-34 TTH: the builder agrees with a naive level-by-level tree, at every keepDepth', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 24 * SEGMENT_SIZE }),
      fc.integer(),
      fc.integer({ min: 0, max: 5 }),
      (size, seed, keepDepth) => {
        const bytes = pattern(size, seed);
        const naive = naiveLevels(bytes).map((level) => level.map(hex));
        const tree = tigerTree(bytes, { keepDepth });
        assert.equal(tree.height, naive.length - 1);
        assert.ok(tree.depth >= Math.min(keepDepth, tree.height), `depth ${tree.depth}`);
        assert.deepEqual(levelsOf(tree), naive.slice(0, tree.depth + 1));
      },
    ),
    { numRuns: UNIT_RUNS },
  );
});

test('HTTP-34 TTH: chunked updates equal one call, and digest() on the way does not end the tree', () => {
  fc.assert(
    fc.property(bytesAndCuts(5000), fc.integer({ min: 0, max: 3 }), ([bytes, cuts], keepDepth) => {
      const builder = new TigerTreeBuilder({ keepDepth });
      let seen = 0;
      for (const part of chunked(bytes, cuts)) {
        builder.update(part);
        seen += part.length;
        assert.equal(hex(builder.digest().root), hex(tigerTreeRoot(bytes.subarray(0, seen))));
      }
      assert.deepEqual(levelsOf(builder.digest()), levelsOf(tigerTree(bytes, { keepDepth })));
    }),
    { numRuns: UNIT_RUNS },
  );
});

test('TTH: a large file keeps exactly the levels asked for, however it is fed', () => {
  const bytes = pattern(300 * SEGMENT_SIZE + 7, 42); // 301 leaves: odd counts on most levels
  const naive = naiveLevels(bytes).map((level) => level.map(hex));
  for (const keepDepth of [0, 1, 2, 3, 5, 8, 9, 13]) {
    const builder = new TigerTreeBuilder({ keepDepth });
    for (let offset = 0; offset < bytes.length; offset += 999)
      builder.update(bytes.subarray(offset, offset + 999));
    const tree = builder.digest();
    assert.ok(tree.depth >= Math.min(keepDepth, 9), `keepDepth ${keepDepth}: depth ${tree.depth}`);
    assert.deepEqual(levelsOf(tree), naive.slice(0, tree.depth + 1), `keepDepth ${keepDepth}`);
  }
});

test('TTH: treeHeight and blockSize follow §10.3 (node size 1024 * 2^(L-d))', () => {
  assert.deepEqual([0, 1, 1024, 1025, 2048, 2049, 1 << 20].map(treeHeight), [0, 0, 0, 1, 1, 2, 10]);
  const tree = tigerTree(MIB_ZEROS);
  assert.equal(tree.blockSize(3), 128 * 1024);
  assert.equal(tree.blockSize(tree.height), SEGMENT_SIZE);
  assert.throws(() => tree.blockSize(11), UsageError);
});

test('HTTP-22 THEX data: 1 MiB of zeros at depth 3 is 15 nodes, 360 bytes, root first, breadth-first (§12 F)', () => {
  const tree = tigerTree(MIB_ZEROS);
  const data = tree.serialize(3);
  assert.equal(data.length, 15 * 24);
  assert.equal(b32(data.subarray(0, 24)), 'MUACEID6UTVUKTRE2MTZKOPTZTMS6A2OF6B4ZNY');
  const expected = [
    ...Array(2).fill('V6HENYCJVAAMEM46QY5PHEGFZ7YCXTBZAJOUJKQ'),
    ...Array(4).fill('7JBRPQDUYLL43G57272MRPJ7T547GMHQYJ5WDOA'),
    ...Array(8).fill('NGKAUPBAYQ2XNUSYXUQQGOKWK4I5NFXJJI2RD2Y'),
  ];
  for (const [i, node] of expected.entries()) {
    assert.equal(b32(data.subarray(24 * (i + 1), 24 * (i + 2))), node, `node ${i + 1}`);
  }
  assert.equal(tree.serialize(0).length, 24);
  assert.equal(tree.serialize().length, 24 * (2 ** 11 - 1));
});

test('HTTP-22 THEX data: an odd level keeps its promoted node in place (3 leaves, depth 2 = 1 + 2 + 3 nodes)', () => {
  const tree = tigerTree(pattern(3000, 5));
  const data = tree.serialize(2);
  const node = (i: number) => hex(data.subarray(24 * i, 24 * (i + 1)));
  assert.equal(data.length, 6 * 24);
  assert.deepEqual(
    [3, 4, 5].map(node),
    [0, 1, 2].map((i) => hex(tree.node(2, i))),
  );
  assert.equal(node(2), node(5)); // level 1's second node is the third leaf, promoted
  assert.equal(node(1), hex(tiger(Uint8Array.of(0x01, ...data.subarray(72, 120)))));
});

test('HTTP-33 received tree: every depth of a good tree is accepted, root and levels intact', () => {
  for (const size of [0, 1, 1025, 3072, 37 * 1024 + 5]) {
    const tree = tigerTree(pattern(size, size));
    for (let depth = 0; depth <= tree.depth; depth++) {
      const received = TigerTree.fromBreadthFirst(tree.serialize(depth), size, tree.root);
      assert.ok(received.ok, `${size} bytes, depth ${depth}`);
      assert.equal(received.value.depth, depth);
      assert.equal(hex(received.value.serialize()), hex(tree.serialize(depth)));
    }
  }
});

test('HTTP-33 received tree: a root other than the expected TTH is thex-root-mismatch', () => {
  const tree = tigerTree(MIB_ZEROS);
  const other = fromB32('LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ');
  const received = TigerTree.fromBreadthFirst(tree.serialize(3), MIB_ZEROS.length, other);
  assert.ok(!received.ok);
  assert.equal(received.error.code, 'thex-root-mismatch');
  assert.equal(received.error.clause, 'HTTP-33');
});

test('HTTP-33 received tree: any changed node below the root is thex-bad-parent', () => {
  const tree = tigerTree(pattern(37 * 1024 + 5, 1)); // 38 leaves, depth 6
  const data = tree.serialize(4);
  for (let node = 1; node < data.length / 24; node++) {
    const bad = data.slice();
    bad[node * 24 + (node % 24)]! ^= 0x40;
    const received = TigerTree.fromBreadthFirst(bad, 37 * 1024 + 5, tree.root);
    assert.ok(!received.ok, `node ${node}`);
    assert.equal(received.error.code, 'thex-bad-parent');
  }
});

test('HTTP-33 received tree: a promoted node that was rehashed or duplicated is rejected', () => {
  const size = 3072;
  const tree = tigerTree(filled(size, 0));
  const leaf = tree.node(2, 2);
  // Level 1 must hold the third leaf itself, not Tiger(01 || leaf || leaf).
  const rehashed = tiger(Uint8Array.of(0x01, ...leaf, ...leaf));
  const data = Uint8Array.of(...tree.node(0, 0), ...tree.node(1, 0), ...rehashed);
  const received = TigerTree.fromBreadthFirst(data, size, tree.root);
  assert.ok(!received.ok);
  assert.equal(received.error.code, 'thex-bad-parent');
});

test('HTTP-33 received tree: sizes that are not whole levels are rejected', () => {
  const tree = tigerTree(MIB_ZEROS);
  const data = tree.serialize(3);
  for (const [bytes, code] of [
    [data.subarray(0, 14 * 24), 'thex-bad-node-count'],
    [data.subarray(0, 359), 'thex-bad-length'],
    [new Uint8Array(0), 'thex-bad-node-count'],
    [Uint8Array.of(...data, ...data.subarray(0, 24)), 'thex-bad-node-count'],
  ] as const) {
    const received = TigerTree.fromBreadthFirst(bytes, MIB_ZEROS.length, tree.root);
    assert.ok(!received.ok);
    assert.equal(received.error.code, code);
  }
  // Right node count for another file size: 15 nodes is no depth of a 3-leaf tree.
  const small = TigerTree.fromBreadthFirst(data, 3072, tree.root);
  assert.ok(!small.ok);
  assert.equal(small.error.code, 'thex-bad-node-count');
});

test('HTTP-35 verifyRange: a good range passes; a corrupt block is named, so only that slice is fetched again', () => {
  const size = 37 * 1024 + 5; // 38 leaves, height 6; depth 3 blocks are 8 KiB, the last 5 KiB + 5
  const bytes = pattern(size, 7);
  const received = TigerTree.fromBreadthFirst(
    tigerTree(bytes).serialize(3),
    size,
    tigerTreeRoot(bytes),
  );
  assert.ok(received.ok);
  const tree = received.value;
  const block = tree.blockSize(3);
  assert.equal(block, 8192);
  assert.deepEqual(tree.verifyRange(0, bytes, 3), []);
  assert.deepEqual(tree.verifyRange(block, bytes.subarray(block, 3 * block), 3), []);
  assert.deepEqual(tree.verifyRange(4 * block, bytes.subarray(4 * block), 3), []);

  const corrupt = bytes.slice();
  corrupt[2 * block + 100]! ^= 1;
  corrupt[size - 1]! ^= 1;
  assert.deepEqual(tree.verifyRange(0, corrupt, 3), [2, 4]);
  assert.deepEqual(tree.verifyRange(2 * block, corrupt.subarray(2 * block, 3 * block), 3), [2]);
  assert.deepEqual(tree.verifyRange(0, corrupt.subarray(0, 2 * block), 3), []);
});

test('HTTP-35 verifyRange: at the root level the whole file is one block; the empty file verifies', () => {
  const bytes = pattern(5000, 3);
  const tree = tigerTree(bytes);
  assert.deepEqual(tree.verifyRange(0, bytes, 0), []);
  assert.deepEqual(
    tree.verifyRange(
      0,
      bytes.map((b, i) => (i === 4999 ? b ^ 1 : b)),
      0,
    ),
    [0],
  );
  const empty = tigerTree(new Uint8Array(0));
  assert.deepEqual(empty.verifyRange(0, new Uint8Array(0)), []);
});

test('verifyRange: misaligned or out-of-file ranges are our bug (UsageError)', () => {
  const bytes = pattern(37 * 1024 + 5, 7);
  const tree = tigerTree(bytes);
  assert.throws(() => tree.verifyRange(1024, bytes.subarray(1024, 9216), 3), UsageError);
  assert.throws(() => tree.verifyRange(0, bytes.subarray(0, 9000), 3), UsageError);
  assert.throws(() => tree.verifyRange(0, new Uint8Array(bytes.length + 1), 3), UsageError);
  assert.throws(() => tree.verifyRange(0, bytes, 9), UsageError);
});

test('TigerTree.fromLevel rebuilds the levels above a trusted level; wrong sizes are UsageError', () => {
  const bytes = pattern(37 * 1024 + 5, 9);
  const tree = tigerTree(bytes);
  const level4 = tree.serialize(4).subarray(tree.serialize(3).length);
  const rebuilt = TigerTree.fromLevel(bytes.length, 4, level4);
  assert.equal(hex(rebuilt.serialize()), hex(tree.serialize(4)));
  assert.throws(() => TigerTree.fromLevel(bytes.length, 4, level4.subarray(24)), UsageError);
  assert.throws(() => TigerTree.fromLevel(bytes.length, 7, level4), UsageError);
  assert.throws(() => TigerTree.fromLevel(-1, 0, level4), UsageError);
  assert.throws(() => new TigerTreeBuilder({ keepDepth: -1 }), UsageError);
});

test('HTTP-33 received tree: arbitrary bytes from a peer give a Result, never a throw', () => {
  const root = tigerTreeRoot(new Uint8Array(0));
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 24 * 40 }), fc.nat(1 << 30), (data, fileSize) => {
      const received = TigerTree.fromBreadthFirst(data, fileSize, root);
      if (!received.ok) assert.equal(received.error.clause, 'HTTP-33');
    }),
    { numRuns: UNIT_RUNS },
  );
});
