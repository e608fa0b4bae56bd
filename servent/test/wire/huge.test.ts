import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  base32Encode,
  decodeExtensionArea,
  decodeGgepH,
  decodeGgepU,
  decodeQuery,
  encodeGgepH,
  encodeQuery,
  extensionSha1s,
  formatUrn,
  parseUrn,
  parseUrnBlock,
  QueryFlag,
  type Urn,
  urnBlock,
  urnSha1,
} from '../../src/core/wire/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { fromHex } from './hex.js';
import { S07, s07Out6 } from './recorded.js';
import * as spec from './vectors.js';

const SHA1 = fromHex('15 3d f3 3b 77 3a 1f 05 fe 8b 01 d3 21 21 0c e5 78 d6 ff 5f');
const SHA1_TEXT = 'CU67GO3XHIPQL7ULAHJSCIIM4V4NN727';
const TIGER = Uint8Array.from({ length: 24 }, (_, i) => i * 11);
const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

test('HUGE-1 urn:sha1: the §7 example is 32 upper-case base32 characters, no padding', () => {
  const text = formatUrn({ type: 'sha1', sha1: SHA1 });
  assert.equal(text, `urn:sha1:${SHA1_TEXT}`);
  assert.deepEqual(parseUrn(text), { ok: true, value: { type: 'sha1', sha1: SHA1 } });
});

test('HUGE-1 urn:sha1: a value of the wrong length is urn-bad-length; padding is base32-bad-char', () => {
  for (const [text, code] of [
    [`urn:sha1:${SHA1_TEXT.slice(1)}`, 'urn-bad-length'],
    [`urn:sha1:${SHA1_TEXT}A`, 'urn-bad-length'],
    [`urn:sha1:${SHA1_TEXT.slice(0, 24)}========`, 'base32-bad-char'],
    [`urn:sha1:${SHA1_TEXT.slice(0, 31)}1`, 'base32-bad-char'],
  ] as const) {
    const urn = parseUrn(text);
    assert.ok(!urn.ok, text);
    assert.equal(urn.error.code, code, text);
  }
});

test('HUGE-2 the urn: prefix, the namespace and the base32 digits are read in any case', () => {
  for (const text of [
    `URN:SHA1:${SHA1_TEXT}`,
    `Urn:Sha1:${SHA1_TEXT.toLowerCase()}`,
    `urn:sha1:${SHA1_TEXT.slice(0, 16)}${SHA1_TEXT.slice(16).toLowerCase()}`,
  ]) {
    assert.deepEqual(parseUrn(text), { ok: true, value: { type: 'sha1', sha1: SHA1 } }, text);
  }
  const bad = parseUrn(`uri:sha1:${SHA1_TEXT}`);
  assert.ok(!bad.ok);
  assert.equal(bad.error.code, 'urn-bad-prefix');
  assert.equal(bad.error.clause, 'HUGE-2');
});

test('HUGE-2 GGEP-11 a URN block is recognised by its urn: prefix in any case', () => {
  const blocks = decodeExtensionArea(ascii(`URN:SHA1:${SHA1_TEXT}\x1curn:\x1curnx`));
  assert.deepEqual(
    blocks.map((b) => b.kind),
    ['urn', 'urn', 'text'],
  );
  assert.deepEqual(extensionSha1s(blocks), [SHA1]);
});

test('HUGE-4 urn:bitprint:<32>.<39> reads as SHA-1 + Tiger root and down-converts to its SHA-1', () => {
  const text = `urn:bitprint:${SHA1_TEXT}.${base32Encode(TIGER)}`;
  const urn = parseUrn(text);
  assert.deepEqual(urn, { ok: true, value: { type: 'bitprint', sha1: SHA1, tigerTree: TIGER } });
  assert.ok(urn.ok);
  assert.deepEqual(urnSha1(urn.value), SHA1);
  assert.equal(formatUrn(urn.value), text);
  assert.equal(formatUrn({ type: 'sha1', sha1: urnSha1(urn.value)! }), `urn:sha1:${SHA1_TEXT}`);
  for (const bad of [
    `urn:bitprint:${SHA1_TEXT}`,
    `urn:bitprint:${SHA1_TEXT}.${base32Encode(TIGER)}A`,
  ]) {
    const result = parseUrn(bad);
    assert.ok(!result.ok, bad);
    assert.equal(result.error.code, 'urn-bad-bitprint');
  }
});

test('HUGE-2 Tiger-tree roots: urn:tree:tiger/:, urn:tree:tiger: and urn:ttroot: read alike; written as tree:tiger/', () => {
  const root = base32Encode(TIGER);
  for (const text of [
    `urn:tree:tiger/:${root}`,
    `urn:TREE:TIGER:${root}`,
    `urn:ttroot:${root.toLowerCase()}`,
  ]) {
    assert.deepEqual(
      parseUrn(text),
      { ok: true, value: { type: 'tiger-tree', tigerTree: TIGER } },
      text,
    );
  }
  assert.equal(formatUrn({ type: 'tiger-tree', tigerTree: TIGER }), `urn:tree:tiger/:${root}`);
});

test('HUGE-7 unknown namespaces are kept as "other" and ignored by the SHA-1 reader', () => {
  const md5 = parseUrn('urn:MD5:ABCDEF');
  assert.deepEqual(md5, { ok: true, value: { type: 'other', namespace: 'md5', value: 'ABCDEF' } });
  const blocks = decodeExtensionArea(
    ascii(`urn:ed2khash:xyz\x1curn:sha1:${SHA1_TEXT}\x1curn:btih:q`),
  );
  assert.deepEqual(extensionSha1s(blocks), [SHA1]);
});

test('HUGE-5 the request strings urn: and urn:sha1: read as requests; a record can carry a GEM urn:sha1', () => {
  assert.deepEqual(parseUrn('urn:'), { ok: true, value: { type: 'request', namespace: '' } });
  assert.deepEqual(parseUrn('URN:SHA1:'), {
    ok: true,
    value: { type: 'request', namespace: 'sha1' },
  });
  assert.equal(formatUrn({ type: 'request', namespace: 'sha1' }), 'urn:sha1:');
  assert.deepEqual(urnBlock({ type: 'sha1', sha1: SHA1 }), {
    kind: 'urn',
    bytes: ascii(`urn:sha1:${SHA1_TEXT}`),
  });
});

test(`HUGE-5 gtk-gnutella's hit record carries its SHA-1 as a GEM string (${S07} frame 6)`, () => {
  // Record extensions sit between the name NUL and the record NUL.
  const payload = s07Out6.subarray(23);
  const nameEnd = payload.indexOf(0, 19);
  const blocks = decodeExtensionArea(
    payload.subarray(nameEnd + 1, payload.indexOf(0, nameEnd + 1)),
  );
  const [first] = blocks;
  assert.ok(first?.kind === 'urn');
  const urn = parseUrnBlock(first.bytes);
  assert.ok(urn.ok);
  assert.equal(formatUrn(urn.value), 'urn:sha1:K2XZ2AS3RN63R37KEA4W3R3I6D4HAKRR');
});

test('HUGE-6 GGEP H type 0x01 (21 bytes) and 0x02 (45 bytes) read like the ASCII URN (§9 query H)', () => {
  const blocks = decodeExtensionArea(spec.ggepQueryH);
  assert.deepEqual(extensionSha1s(blocks), [SHA1]);
  assert.equal(blocks[0]?.kind, 'ggep');
  const h = fromHex('01 15 3d f3 3b 77 3a 1f 05 fe 8b 01 d3 21 21 0c e5 78 d6 ff 5f');
  assert.deepEqual(decodeGgepH(h), { ok: true, value: { type: 'sha1', sha1: SHA1 } });
  const bitprint: Urn = { type: 'bitprint', sha1: SHA1, tigerTree: TIGER };
  const h2 = encodeGgepH(bitprint);
  assert.equal(h2.length, 45);
  assert.equal(h2[0], 0x02);
  assert.deepEqual(decodeGgepH(h2), { ok: true, value: bitprint });
  assert.deepEqual(encodeGgepH({ type: 'sha1', sha1: SHA1 }), h);
});

test('HUGE-6 GGEP H of the wrong length fails; MD5/UUID/MD4 types are ggep-h-unknown-type', () => {
  const short = decodeGgepH(fromHex('01 15 3d'));
  assert.ok(!short.ok);
  assert.equal(short.error.code, 'ggep-h-bad-length');
  assert.equal(short.error.clause, 'HUGE-6');
  for (const type of [0x03, 0x04, 0x05]) {
    const other = decodeGgepH(Uint8Array.of(type, ...new Uint8Array(16)));
    assert.ok(!other.ok);
    assert.equal(other.error.code, 'ggep-h-unknown-type');
  }
  assert.throws(() => encodeGgepH({ type: 'request', namespace: '' }), UsageError);
});

test('HUGE-6 GGEP u carries the URN text without urn:', () => {
  assert.deepEqual(decodeGgepU(ascii(`sha1:${SHA1_TEXT}`)), {
    ok: true,
    value: { type: 'sha1', sha1: SHA1 },
  });
  assert.deepEqual(decodeGgepU(new Uint8Array()), {
    ok: true,
    value: { type: 'request', namespace: '' },
  });
});

test('HUGE-8 a hash query: criteria \\, NUL, then the URN, as §13.5 is laid out', () => {
  const payload = encodeQuery({
    flags: QueryFlag.Marked | QueryFlag.GgepH | QueryFlag.OutOfBand,
    criteria: '\\',
    extensions: [
      urnBlock({ type: 'sha1', sha1: SHA1 }),
      {
        kind: 'ggep',
        extensions: [{ id: 'SO', data: new Uint8Array(), compressed: false, cobs: false }],
      },
    ],
    trailingNul: true,
  });
  assert.deepEqual(payload, spec.oobQuery.subarray(23));
  const query = decodeQuery(payload);
  assert.ok(query.ok);
  assert.deepEqual(extensionSha1s(query.value.extensions), [SHA1]);
});

test('HUGE-1 HUGE-4 formatUrn(parseUrn(x)) is canonical and parse(format(urn)) = urn', () => {
  const digest = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
  const urn: fc.Arbitrary<Urn> = fc.oneof(
    digest(20).map((sha1) => ({ type: 'sha1' as const, sha1 })),
    fc
      .tuple(digest(20), digest(24))
      .map(([sha1, tigerTree]) => ({ type: 'bitprint' as const, sha1, tigerTree })),
    digest(24).map((tigerTree) => ({ type: 'tiger-tree' as const, tigerTree })),
  );
  fc.assert(
    fc.property(urn, fc.boolean(), (value, lower) => {
      const text = formatUrn(value);
      assert.match(text, /^urn:[a-z0-9:/]+:[A-Z2-7.]+$/);
      assert.deepEqual(parseUrn(lower ? text.toLowerCase() : text), { ok: true, value });
    }),
    { numRuns: UNIT_RUNS },
  );
});

test('HUGE-1 formatting a digest of the wrong size is a UsageError', () => {
  assert.throws(() => formatUrn({ type: 'sha1', sha1: new Uint8Array(19) }), UsageError);
  assert.throws(() => formatUrn({ type: 'tiger-tree', tigerTree: new Uint8Array(20) }), UsageError);
});
