import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import { tigerTree, treeHeight } from '../../src/core/hash/index.js';
import {
  blockSizeFor,
  decodeThex,
  encodeThex,
  MAX_THEX_BYTES,
  thexDepth,
} from '../../src/core/transfer/index.js';
import { base32Encode } from '../../src/core/wire/base32.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { filled, pattern } from '../hash/support.js';
import { decodeThexProperty, validThexBody } from './properties.js';

const UUID = 'uuid:6f1c2b6e-3a4d-4c2b-9a1e-2b3c4d5e6f70';
const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));

/** `body` with the first `from` replaced by `to` of the same length, so DIME lengths stay right. */
function edit(body: Uint8Array, from: string, to: string): Uint8Array {
  assert.equal(from.length, to.length);
  const text = latin1(body);
  assert.ok(text.includes(from), `body has ${from}`);
  return bytesOf(text.replace(from, to));
}

function assertFails(result: ReturnType<typeof decodeThex>, code: string): void {
  assert.ok(!result.ok, `expected ${code}`);
  assert.equal(result.error.code, code);
  assert.equal(result.error.clause, 'HTTP-33');
}

test('§10.3 depth table, never deeper than the tree', () => {
  const table: Array<[number, number]> = [
    [0, 0],
    [256 * KIB - 1, 0],
    [256 * KIB, 1],
    [512 * KIB, 2],
    [MIB, 3],
    [2 * MIB, 4],
    [4 * MIB, 5],
    [8 * MIB, 6],
    [16 * MIB, 7],
    [32 * MIB, 8],
    [64 * MIB, 9],
    [256 * MIB - 1, 9],
    [256 * MIB, 10],
    [GIB, 11],
    [4 * GIB, 12],
    [64 * GIB - 1, 12],
    [64 * GIB, 13],
    [2 ** 50, 13],
  ];
  for (const [size, depth] of table) assert.equal(thexDepth(size), depth, `size ${size}`);
  for (const size of [0, 1, 1025, 300 * KIB, 3 * GIB])
    assert.ok(thexDepth(size) <= treeHeight(size));
});

test('HTTP-22 §12 F: 1 MiB of zeros at depth 3 is two DIME records, 15 nodes, 864 bytes', () => {
  const tree = tigerTree(filled(MIB, 0));
  const body = encodeThex(tree, 3, UUID);
  assert.equal(body.length, 864);
  const header = (at: number) => [...body.subarray(at, at + 12)];
  assert.deepEqual(header(0), [0x0c, 0x10, 0, 0, 0, 0, 0, 8, 0, 0, 0x01, 0x7b]);
  assert.equal(latin1(body.subarray(12, 20)), 'text/xml');
  const xml = latin1(body.subarray(20, 20 + 379));
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?><!DOCTYPE hashtree SYSTEM /);
  assert.match(xml, /<file size='1048576' segmentsize='1024'\/>/);
  assert.match(
    xml,
    /<serializedtree depth='3' type='http:\/\/open-content.net\/spec\/thex\/breadthfirst' uri='uuid:6f1c2b6e-3a4d-4c2b-9a1e-2b3c4d5e6f70'\/>/,
  );
  assert.equal(body[399], 0); // one byte of padding after 379
  assert.deepEqual(header(400), [0x0a, 0x20, 0, 0, 0, 0x29, 0, 0x2e, 0, 0, 0x01, 0x68]);
  assert.equal(latin1(body.subarray(412, 453)), UUID);
  assert.equal(latin1(body.subarray(456, 502)), 'http://open-content.net/spec/thex/breadthfirst');
  const nodes = body.subarray(504);
  assert.equal(nodes.length, 15 * 24);
  const node = (i: number) => base32Encode(nodes.subarray(i * 24, (i + 1) * 24));
  assert.equal(node(0), 'MUACEID6UTVUKTRE2MTZKOPTZTMS6A2OF6B4ZNY');
  const levels = [
    'V6HENYCJVAAMEM46QY5PHEGFZ7YCXTBZAJOUJKQ',
    '7JBRPQDUYLL43G57272MRPJ7T547GMHQYJ5WDOA',
    'NGKAUPBAYQ2XNUSYXUQQGOKWK4I5NFXJJI2RD2Y',
  ];
  for (let i = 1; i < 15; i++) assert.equal(node(i), levels[Math.floor(Math.log2(i + 1)) - 1]);

  const decoded = decodeThex(body, { fileSize: MIB, root: tree.root });
  assert.ok(decoded.ok);
  assert.equal(decoded.value.depth, 3);
  assert.equal(blockSizeFor(decoded.value), 128 * KIB);
});

test('HTTP-22 HTTP-33 round trip at the served depth and the full depth', () => {
  for (const size of [0, 1, 1024, 1025, 3072, 300 * KIB, MIB]) {
    const tree = tigerTree(pattern(size, size + 1));
    for (const depth of new Set([thexDepth(size), tree.depth])) {
      const body = encodeThex(tree, depth, UUID);
      const decoded = decodeThex(body, { fileSize: size, root: tree.root });
      assert.ok(decoded.ok, `${size} bytes at depth ${depth}: ${!decoded.ok && decoded.error}`);
      assert.equal(decoded.value.depth, depth);
      assert.deepEqual(decoded.value.serialize(), tree.serialize(depth));
    }
  }
});

test('a bare UUID gets the uuid: prefix; an ID that breaks the XML is our bug', () => {
  const tree = tigerTree(filled(10, 1));
  const body = encodeThex(tree, 0, '6f1c2b6e-3a4d-4c2b-9a1e-2b3c4d5e6f70');
  assert.ok(latin1(body).includes(`uri='${UUID}'`));
  assert.throws(() => encodeThex(tree, 0, "uuid:x'y"), UsageError);
  assert.throws(() => encodeThex(tree, 0, ''), UsageError);
  assert.throws(() => encodeThex(tree, 1, UUID), UsageError);
});

test('HTTP-33 a corrupted node or a wrong root discards the tree', () => {
  const tree = tigerTree(pattern(MIB, 7));
  const body = encodeThex(tree, 3, UUID);
  const corrupt = body.slice();
  corrupt[body.length - 30]! ^= 0x01; // in the last node of level 3
  assertFails(decodeThex(corrupt, { fileSize: MIB, root: tree.root }), 'thex-bad-parent');
  const rootByte = body.length - 15 * 24;
  const wrongRoot = body.slice();
  wrongRoot[rootByte]! ^= 0x80;
  assertFails(decodeThex(wrongRoot, { fileSize: MIB, root: tree.root }), 'thex-root-mismatch');
  const otherRoot = tigerTree(pattern(MIB, 8)).root;
  assertFails(decodeThex(body, { fileSize: MIB, root: otherRoot }), 'thex-root-mismatch');
});

test('HTTP-33 every truncation of a small tree fails', () => {
  const { body, fileSize, root } = validThexBody(3072, 2);
  for (let length = 0; length < body.length; length++) {
    const result = decodeThex(body.subarray(0, length), { fileSize, root });
    assert.ok(!result.ok, `truncated to ${length} of ${body.length}`);
    assert.equal(result.error.clause, 'HTTP-33');
  }
  assert.ok(decodeThex(body, { fileSize, root }).ok);
});

test('HTTP-33 the XML description is checked (§10.4)', () => {
  const { body, fileSize, root } = validThexBody(3072, 2);
  const expected = { fileSize, root };
  assertFails(decodeThex(body, { fileSize: 3073, root }), 'thex-file-size-mismatch');
  const cases: Array<[string, string, string]> = [
    ["segmentsize='1024'", "segmentsize='2048'", 'thex-bad-segment-size'],
    ['digest/tiger', 'digest/sha-1', 'thex-bad-algorithm'],
    ["outputsize='24'", "outputsize='20'", 'thex-bad-algorithm'],
    ["breadthfirst' uri", "breadthfirsX' uri", 'thex-bad-serialization'],
    ["depth='2'", "depth='9'", 'thex-bad-depth'],
    ["depth='2'", "depth='x'", 'thex-bad-depth'],
    ["depth='2'", "depth='1'", 'thex-depth-mismatch'],
    ['<file ', '<fila ', 'thex-bad-xml'],
    ['text/xml', 'text/xmk', 'thex-no-xml'],
    ['breadthfirst\0\0', 'breadthfirsX\0\0', 'thex-no-tree'],
  ];
  for (const [from, to, code] of cases)
    assertFails(decodeThex(edit(body, from, to), expected), code);
});

test('tolerated as gtk-gnutella does: fewer levels than declared, a tree record whose ID differs', () => {
  const { body, fileSize, root } = validThexBody(3072, 1);
  const declaredDeeper = decodeThex(edit(body, "depth='1'", "depth='2'"), { fileSize, root });
  assert.ok(declaredDeeper.ok);
  assert.equal(declaredDeeper.value.depth, 1);
  const otherId = decodeThex(edit(body, `uri='${UUID}`, `uri='${UUID.replace('6f', '00')}`), {
    fileSize,
    root,
  });
  assert.ok(otherId.ok);
  // Double quotes and case-insensitive types are read too.
  const quoted = edit(
    edit(body, "segmentsize='1024'", 'segmentsize="1024"'),
    'text/xml',
    'TEXT/XML',
  );
  assert.ok(decodeThex(quoted, { fileSize, root }).ok);
});

test('HTTP-33 DIME framing is checked', () => {
  const { body, fileSize, root } = validThexBody(3072, 2);
  const expected = { fileSize, root };
  const xmlLength = new DataView(body.buffer).getUint32(8);
  const second = 12 + 8 + xmlLength + ((4 - (xmlLength % 4)) % 4);
  assert.equal(body[second], 0x0a);
  const flip = (at: number, value: number) => {
    const copy = body.slice();
    copy[at] = value;
    return copy;
  };
  assertFails(decodeThex(flip(0, 0x14), expected), 'thex-dime-version');
  assertFails(decodeThex(flip(0, 0x08), expected), 'thex-dime-flags');
  assertFails(decodeThex(flip(second, 0x0e), expected), 'thex-dime-flags');
  assertFails(decodeThex(flip(0, 0x0d), expected), 'thex-dime-chunked');
  assertFails(decodeThex(flip(second, 0x08), expected), 'thex-dime-truncated');
  assertFails(decodeThex(new Uint8Array(MAX_THEX_BYTES + 1), expected), 'thex-too-large');
  // Bytes after the record flagged ME are not part of the message.
  const longer = new Uint8Array(body.length + 8);
  longer.set(body);
  assert.ok(decodeThex(longer, expected).ok);
});

test('a wrong expectation is our bug', () => {
  const { body, root } = validThexBody(10, 0);
  assert.throws(() => decodeThex(body, { fileSize: -1, root }), UsageError);
  assert.throws(() => decodeThex(body, { fileSize: 10, root: root.subarray(1) }), UsageError);
});

test('MAX_THEX_BYTES holds the deepest tree served, depth 13', () => {
  assert.ok(MAX_THEX_BYTES >= (2 ** 14 - 1) * 24 + 864 - 360);
});

test('HTTP-33 decodeThex never throws on random bytes or mutated bodies', () => {
  fc.assert(decodeThexProperty(), { numRuns: UNIT_RUNS });
});
