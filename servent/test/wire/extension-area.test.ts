import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  decodeExtensionArea,
  decodeQuery,
  type ExtensionBlock,
  encodeExtensionArea,
  encodeQuery,
  type GgepExtension,
} from '../../src/core/wire/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { concat, fromHex } from './hex.js';
import * as spec from './vectors.js';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const FS = Uint8Array.of(0x1c);
const URN = 'urn:sha1:CU67GO3XHIPQL7ULAHJSCIIM4V4NN727';
const so: GgepExtension = { id: 'SO', data: new Uint8Array(), compressed: false, cobs: false };

/** Decodes an area and checks it encodes back to the same bytes. */
function roundTrip(area: Uint8Array): ExtensionBlock[] {
  const blocks = decodeExtensionArea(area);
  assert.equal(hex(encodeExtensionArea(blocks)), hex(area));
  return blocks;
}

test('GGEP-11 strings are told apart by their first bytes: urn:, < or {, 0xC3, anything else', () => {
  const area = concat(
    ascii(URN),
    FS,
    ascii('<?xml version="1.0"?><audios/>'),
    FS,
    ascii('{deflate}'),
    FS,
    ascii('128 kbps 44 kHz 3:23'),
    FS,
    spec.ggepScp,
  );
  const blocks = roundTrip(area);
  assert.deepEqual(
    blocks.map((b) => b.kind),
    ['urn', 'xml', 'xml', 'text', 'ggep'],
  );
  assert.deepEqual(blocks[3], { kind: 'text', bytes: ascii('128 kbps 44 kHz 3:23') });
  assert.ok(
    blocks.every((b) => b.sep === undefined),
    'FS between blocks, nothing after the last',
  );
});

test('GGEP-11 a trailing 0x1C (gtk-gnutella after its URN) is tolerated and kept', () => {
  const blocks = roundTrip(concat(ascii(URN), FS));
  assert.deepEqual(blocks, [{ kind: 'urn', bytes: ascii(URN), sep: 'fs' }]);
});

test('GGEP-11 MSG-26 a 0x00 separates blocks like 0x1C; empty strings between separators are kept', () => {
  const blocks = roundTrip(concat(ascii('urn:'), Uint8Array.of(0), FS, ascii(URN)));
  assert.deepEqual(blocks, [
    { kind: 'urn', bytes: ascii('urn:'), sep: 'nul' },
    { kind: 'text', bytes: new Uint8Array() },
    { kind: 'urn', bytes: ascii(URN) },
  ]);
});

test('GGEP-9 GGEP-11 consecutive GGEP blocks, and a string right after a GGEP block, read back exactly', () => {
  const area = concat(spec.ggepScp, spec.ggepPongBlock, ascii('text after'));
  const blocks = roundTrip(area);
  assert.deepEqual(
    blocks.map((b) => [b.kind, b.sep]),
    [
      ['ggep', 'none'],
      ['ggep', 'none'],
      ['text', undefined],
    ],
  );
});

test('GGEP-10 written areas put 0x1C between blocks and GGEP after the strings', () => {
  const area = encodeExtensionArea([
    { kind: 'urn', bytes: ascii(URN) },
    { kind: 'xml', bytes: ascii('<x/>') },
    { kind: 'ggep', extensions: [so] },
  ]);
  assert.deepEqual(area, concat(ascii(URN), FS, ascii('<x/>'), FS, fromHex('c3 82 53 4f 40')));
});

test('GGEP-12 a malformed GGEP block keeps the rest of the area as bad-ggep; the strings before it still read', () => {
  const broken = fromHex('c3 91 41 40 1c 75 72 6e 3a');
  const blocks = roundTrip(concat(ascii(URN), FS, broken));
  assert.equal(blocks.length, 2);
  assert.deepEqual(blocks[0], { kind: 'urn', bytes: ascii(URN) });
  const bad = blocks[1];
  assert.ok(bad?.kind === 'bad-ggep');
  assert.equal(bad.error.code, 'ggep-reserved-bit');
  assert.deepEqual(bad.bytes, broken);
});

test('MSG-26 the Query area reads with and without a trailing NUL (§13.4, §13.5)', () => {
  for (const vector of [spec.query, spec.oobQuery]) {
    const payload = vector.subarray(23);
    const withNul = decodeQuery(payload);
    const withoutNul = decodeQuery(payload.subarray(0, -1));
    assert.ok(withNul.ok && withoutNul.ok);
    assert.equal(withNul.value.trailingNul, true);
    assert.equal(withoutNul.value.trailingNul, false);
    assert.deepEqual(withNul.value.extensions, withoutNul.value.extensions);
    assert.deepEqual(encodeQuery(withNul.value), payload);
    assert.deepEqual(encodeQuery(withoutNul.value), payload.subarray(0, -1));
  }
});

test('MSG-26 odd endings read back exactly: lone NUL, 0x1C then NUL, two NULs, GGEP data ending in 0x00', () => {
  const cases: [string, Uint8Array, ExtensionBlock[], boolean][] = [
    ['lone NUL', Uint8Array.of(0), [], true],
    [
      'FS NUL',
      concat(ascii('urn:'), FS, Uint8Array.of(0)),
      [{ kind: 'urn', bytes: ascii('urn:'), sep: 'fs' }],
      true,
    ],
    [
      'NUL NUL',
      concat(ascii('urn:'), Uint8Array.of(0, 0)),
      [{ kind: 'urn', bytes: ascii('urn:'), sep: 'nul' }],
      true,
    ],
    [
      'GGEP value 00 at the end',
      fromHex('c3 81 41 41 00'),
      [
        {
          kind: 'ggep',
          extensions: [{ id: 'A', data: Uint8Array.of(0), compressed: false, cobs: false }],
        },
      ],
      false,
    ],
  ];
  for (const [name, area, extensions, trailingNul] of cases) {
    const payload = concat(fromHex('80 00 61 00'), area);
    const query = decodeQuery(payload);
    assert.ok(query.ok, name);
    assert.deepEqual(query.value, { flags: 0x8000, criteria: 'a', extensions, trailingNul }, name);
    assert.deepEqual(encodeQuery(query.value), payload, name);
  }
});

test('GGEP-10 layouts that would read back differently are UsageErrors', () => {
  const bad: [string, ExtensionBlock[]][] = [
    ['0x1C in a string', [{ kind: 'text', bytes: concat(ascii('a'), FS) }]],
    ['0x00 in a string', [{ kind: 'urn', bytes: ascii('urn:\0') }]],
    ['text that reads as a urn', [{ kind: 'text', bytes: ascii('URN:x') }]],
    ['text that reads as GGEP', [{ kind: 'text', bytes: fromHex('c3 41') }]],
    ['xml without < or {', [{ kind: 'xml', bytes: ascii('x') }]],
    [
      'a string glued to the next block',
      [
        { kind: 'urn', bytes: ascii('urn:'), sep: 'none' },
        { kind: 'ggep', extensions: [so] },
      ],
    ],
    ['an empty string at the end', [{ kind: 'text', bytes: new Uint8Array() }]],
    [
      'bad-ggep not last',
      [
        { kind: 'bad-ggep', bytes: fromHex('c3 00'), error: new Error() as never },
        { kind: 'urn', bytes: ascii('urn:') },
      ],
    ],
  ];
  for (const [name, blocks] of bad)
    assert.throws(() => encodeExtensionArea(blocks), UsageError, name);
});

const stringBytes = fc
  .uint8Array({ maxLength: 20 })
  .map((bytes) => bytes.map((b) => (b === 0 || b === 0x1c || b === 0xc3 ? 0x61 : b)));

const blockArbitrary: fc.Arbitrary<ExtensionBlock> = fc.oneof(
  stringBytes.map((tail) => ({ kind: 'urn' as const, bytes: concat(ascii('urn:'), tail) })),
  stringBytes.map((tail) => ({ kind: 'xml' as const, bytes: concat(ascii('<'), tail) })),
  stringBytes
    .filter((bytes) => bytes.length > 0 && bytes[0] !== 0x3c && bytes[0] !== 0x7b)
    .filter(
      (bytes) =>
        !new TextDecoder('latin1').decode(bytes.subarray(0, 4)).toLowerCase().startsWith('urn:'),
    )
    .map((bytes) => ({ kind: 'text' as const, bytes })),
  fc
    .array(
      fc.record({
        id: fc.constantFrom('H', 'SO', 'ALT', 'LF'),
        data: fc.uint8Array({ maxLength: 30 }),
        cobs: fc.boolean(),
      }),
      { minLength: 1, maxLength: 3 },
    )
    .map((list) => ({
      kind: 'ggep' as const,
      extensions: list.map(({ id, data, cobs }) => ({ id, data, cobs, compressed: false })),
    })),
);

test('GGEP-10 GGEP-11 decode(encode(blocks)) = blocks for the writing rule of §5', () => {
  fc.assert(
    fc.property(fc.array(blockArbitrary, { maxLength: 5 }), (blocks) => {
      // The writing rule: strings first, GGEP last.
      const ordered = [
        ...blocks.filter((b) => b.kind !== 'ggep'),
        ...blocks.filter((b) => b.kind === 'ggep'),
      ];
      assert.deepEqual(decodeExtensionArea(encodeExtensionArea(ordered)), ordered);
    }),
    { numRuns: UNIT_RUNS },
  );
});
