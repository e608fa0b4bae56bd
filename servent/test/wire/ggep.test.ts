import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  decodeGgep,
  decodeGgepUint,
  decodePackedHosts,
  decodePing,
  encodeGgep,
  encodeGgepUint,
  encodePackedHosts,
  findGgep,
  GGEP_MAX_INFLATED,
  type GgepExtension,
  ggepExtension,
  readGgepBlock,
} from '../../src/core/wire/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { concat, fromHex } from './hex.js';
import { S00, s00In4 } from './recorded.js';
import * as spec from './vectors.js';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Decodes one block that must fill `bytes`, and checks it re-encodes to the same bytes. */
function roundTrip(bytes: Uint8Array): GgepExtension[] {
  const block = readGgepBlock(bytes);
  assert.ok(block.ok, block.ok ? '' : block.error.message);
  assert.equal(block.value.end, bytes.length);
  assert.equal(hex(encodeGgep(block.value.extensions)), hex(bytes));
  return block.value.extensions;
}

function failsWith(bytes: Uint8Array, code: string, clause: string): void {
  const result = decodeGgep(bytes);
  assert.ok(!result.ok, `expected ${code}`);
  assert.equal(result.error.code, code);
  assert.equal(result.error.clause, clause);
}

const plain = (id: string, data: Uint8Array = new Uint8Array()): GgepExtension => ({
  id,
  data,
  compressed: false,
  cobs: false,
});

test('GGEP-1 GGEP-2 ggep-huge.md §9 SCP block: flags 0x83, "SCP", length 1, value 01', () => {
  assert.deepEqual(roundTrip(spec.ggepScp), [plain('SCP', Uint8Array.of(1))]);
});

test('GGEP-1 GGEP-14 §9 pong block: DU 3600, UP 1/5/2, VC "EXMP" 1; only the last is flagged last', () => {
  const extensions = roundTrip(spec.ggepPongBlock);
  assert.deepEqual(extensions, [
    plain('DU', fromHex('10 0e')),
    plain('UP', fromHex('01 05 02')),
    plain('VC', concat(ascii('EXMP'), Uint8Array.of(1))),
  ]);
  assert.deepEqual(decodeGgepUint(extensions[0]!.data), { ok: true, value: 3600 });
  assert.deepEqual(encodeGgepUint(3600), fromHex('10 0e'));
});

test('GGEP-6 GGEP-8 §9 hit-record block: H, then CT COBS-encoded (1262304000); no 0x00 in the block', () => {
  const [h, ct] = roundTrip(spec.ggepHitRecord);
  assert.equal(h?.id, 'H');
  assert.equal(h?.data.length, 21);
  assert.deepEqual(ct, { id: 'CT', data: fromHex('00 3b 3d 4b'), compressed: false, cobs: true });
  assert.deepEqual(decodeGgepUint(ct.data), { ok: true, value: 1_262_304_000 });
  assert.ok(!spec.ggepHitRecord.includes(0));
  // Built from scratch with avoidNul, CT comes out exactly as in the spec.
  const rebuilt = ggepExtension('CT', encodeGgepUint(1_262_304_000), { avoidNul: true });
  assert.deepEqual(encodeGgep([h!, rebuilt]), spec.ggepHitRecord);
});

test('GGEP-7 §9 deflated PHC: inflates to two host:port lines and re-encodes byte-identically', () => {
  const [phc] = roundTrip(spec.ggepPhc);
  assert.equal(phc?.compressed, true);
  assert.equal(
    new TextDecoder().decode(phc?.data),
    'uhc1.example.net:6346\nuhc2.example.net:6346\n',
  );
  assert.equal(
    phc?.wire,
    undefined,
    "node's zlib reproduces this stream, so nothing extra is kept",
  );
});

test('GGEP-2 GGEP-3 §3 length table: shortest forms written, every form read', () => {
  for (const [length, bytes] of spec.ggepLengths) {
    const block = encodeGgep([plain('X', new Uint8Array(length).fill(7))]);
    const field = fromHex(bytes);
    assert.equal(hex(block.subarray(3, 3 + field.length)), hex(field), `length ${length}`);
    assert.equal(block.length, 3 + field.length + length);
    const [extension] = roundTrip(block);
    assert.equal(extension?.data.length, length);
    assert.equal(extension?.lengthSize, undefined);
  }
});

test('GGEP-3 a longer length form (80 41 = 1, 80 80 40 = 0) is read and written back as sent', () => {
  const two = fromHex('c3 81 41 80 41 07');
  const [extension] = roundTrip(two);
  assert.deepEqual(extension, { ...plain('A', Uint8Array.of(7)), lengthSize: 2 });
  const [empty] = roundTrip(fromHex('c3 81 41 80 80 40'));
  assert.equal(empty?.lengthSize, 3);
  assert.throws(
    () => encodeGgep([{ ...plain('A', new Uint8Array(64)), lengthSize: 1 }]),
    UsageError,
  );
});

test('GGEP-3 length bytes with both or neither of 0x80/0x40, or 4 of them, are ggep-bad-length', () => {
  failsWith(fromHex('c3 81 41 01 07'), 'ggep-bad-length', 'GGEP-3');
  failsWith(fromHex('c3 81 41 c1 07'), 'ggep-bad-length', 'GGEP-3');
  failsWith(fromHex('c3 81 41 80 80 80 41 07'), 'ggep-bad-length', 'GGEP-3');
});

test('GGEP-3 a block whose length runs past the end of its area is rejected', () => {
  failsWith(fromHex('c3 81 41 43 07 07'), 'ggep-truncated', 'GGEP-3');
  failsWith(fromHex('c3 81 41 81'), 'ggep-truncated', 'GGEP-3');
  // Inside a larger buffer, the limit is the area, not the buffer.
  const block = readGgepBlock(fromHex('c3 81 41 42 07 07'), 0);
  assert.ok(block.ok);
});

test('GGEP-1 the encoder: magic c3, "last" only on the final extension, reserved bit clear, id length in bits 0–3', () => {
  const block = encodeGgep([plain('A'), plain('BCD', Uint8Array.of(1)), plain('GTKG.IPV6')]);
  assert.equal(block[0], 0xc3);
  assert.deepEqual(block.subarray(1, 3), fromHex('01 41'));
  assert.deepEqual(block.subarray(4, 8), fromHex('03 42 43 44'));
  assert.equal(block[10], 0x89);
  for (const flags of [block[1]!, block[4]!, block[10]!]) assert.equal(flags & 0x10, 0);
  assert.equal(decodeGgep(block).ok, true);
});

test('GGEP-12 reserved bit, id length 0, 0x00 in an id or no extension flagged last: the block is rejected', () => {
  failsWith(fromHex('c3 91 41 40'), 'ggep-reserved-bit', 'GGEP-12');
  failsWith(fromHex('c3 80 40'), 'ggep-id-length-zero', 'GGEP-12');
  failsWith(fromHex('c3 82 41 00 40'), 'ggep-id-nul', 'GGEP-12');
  failsWith(fromHex('c3 01 41 40'), 'ggep-truncated', 'GGEP-12');
  failsWith(fromHex('c3 81 41'), 'ggep-truncated', 'GGEP-3');
  failsWith(fromHex('c2 81 41 40'), 'ggep-bad-magic', 'GGEP-1');
});

test('GGEP-4 unknown ids are skipped by their length, later ones still read, and all survive a round trip', () => {
  const block = fromHex('c3 05 5a 5a 5a 5a 5a 43 01 02 03 03 51 51 51 41 ff 82 44 55 42 10 0e');
  const extensions = roundTrip(block);
  assert.deepEqual(
    extensions.map((e) => e.id),
    ['ZZZZZ', 'QQQ', 'DU'],
  );
  assert.deepEqual(findGgep(extensions, 'DU')?.data, fromHex('10 0e'));
});

test('GGEP-5 ids compare byte for byte: "so" is not "SO"', () => {
  const extensions = roundTrip(fromHex('c3 02 73 6f 40 82 53 4f 41 01'));
  assert.deepEqual(findGgep(extensions, 'SO')?.data, Uint8Array.of(1));
  assert.deepEqual(findGgep(extensions, 'so')?.data, new Uint8Array());
  assert.equal(findGgep(extensions, 'So'), undefined);
});

test("GGEP-6 COBS flag: gtk-gnutella's 254-byte form (no final 01) decodes and is written back as sent", () => {
  const data = new Uint8Array(254).fill(0x61);
  // Flags c1 = last | COBS | id length 1, id "A", length 255 (83 7f), code ff, 254 bytes.
  const gtk = concat(fromHex('c3 c1 41 83 7f ff'), data);
  const [extension] = roundTrip(gtk);
  assert.deepEqual(extension?.data, data);
  assert.equal(extension?.cobs, true);
  assert.equal(extension?.wire?.length, 255);
  const limeWire = encodeGgep([{ id: 'A', data, cobs: true, compressed: false }]);
  const withFinalCode = concat(fromHex('c3 c1 41 84 40 ff'), data, Uint8Array.of(1));
  assert.equal(hex(limeWire), hex(withFinalCode), 'our encoder writes the final 01 (length 256)');
  assert.deepEqual(roundTrip(limeWire), [{ id: 'A', data, cobs: true, compressed: false }]);
});

test('GGEP-6 a 0x00 inside COBS data, or a COBS code past its end, invalidates the block', () => {
  failsWith(fromHex('c3 c1 41 43 02 11 00'), 'ggep-bad-cobs', 'GGEP-6');
  failsWith(fromHex('c3 c1 41 42 05 11'), 'ggep-bad-cobs', 'GGEP-6');
});

test('GGEP-7 the writer deflates before COBS; the reader undoes COBS, then inflates', () => {
  const text = ascii('a'.repeat(200));
  const extension = ggepExtension('PHC', text, { compress: true, avoidNul: true });
  const block = encodeGgep([extension]);
  const deflated = deflateSync(text);
  assert.ok(deflated.includes(0), 'this zlib stream holds a 0x00, so COBS is needed');
  assert.equal(extension.cobs, true);
  assert.equal(block[1], 0xe3, 'flags: last | COBS | deflate | id length 3');
  assert.ok(!block.includes(0));
  assert.deepEqual(roundTrip(block), [extension]);
});

test("GGEP-7 a peer's own zlib stream (another level) is kept and written back as sent", () => {
  const text = ascii('uhc1.example.net:6346\n'.repeat(5));
  const peerStream = deflateSync(text, { level: 1 });
  assert.notEqual(hex(peerStream), hex(deflateSync(text)));
  const block = concat(
    fromHex('c3 a3 50 48 43'),
    Uint8Array.of(0x80 | (peerStream.length >> 6), 0x40 | (peerStream.length & 63)),
    peerStream,
  );
  const [phc] = roundTrip(block);
  assert.deepEqual(phc?.data, text);
  assert.equal(hex(phc!.wire!), hex(peerStream));
});

test('GGEP-7 GGEP-12 data that is not a zlib stream is ggep-bad-deflate', () => {
  failsWith(fromHex('c3 a1 41 43 01 02 03'), 'ggep-bad-deflate', 'GGEP-7');
  failsWith(
    concat(fromHex('c3 a1 41 42'), deflateSync(ascii('x')).subarray(0, 2)),
    'ggep-bad-deflate',
    'GGEP-7',
  );
});

test(`GGEP-12 a deflate bomb fails with ggep-inflate-limit after at most ${GGEP_MAX_INFLATED} bytes`, () => {
  const bomb = deflateSync(new Uint8Array(16 * 1024 * 1024));
  assert.ok(bomb.length < 20_000, `a 16 MiB bomb is only ${bomb.length} bytes`);
  const block = encodeGgep([
    { id: 'PHC', data: new Uint8Array(), compressed: true, cobs: false, wire: bomb },
  ]);
  failsWith(block, 'ggep-inflate-limit', 'GGEP-12');
  // The bound covers all values of a message together, not each one.
  const half = deflateSync(new Uint8Array(GGEP_MAX_INFLATED / 2 + 1));
  const two = encodeGgep(
    ['A', 'B'].map((id) => ({
      id,
      data: new Uint8Array(),
      compressed: true,
      cobs: false,
      wire: half,
    })),
  );
  failsWith(two, 'ggep-inflate-limit', 'GGEP-12');
  const exact = deflateSync(new Uint8Array(GGEP_MAX_INFLATED));
  assert.ok(
    decodeGgep(
      encodeGgep([{ id: 'A', data: new Uint8Array(), compressed: true, cobs: false, wire: exact }]),
    ).ok,
  );
});

test('GGEP-9 consecutive blocks in one area are all read and merged in order', () => {
  const merged = decodeGgep(concat(spec.ggepScp, spec.ggepPongBlock));
  assert.ok(merged.ok);
  assert.deepEqual(
    merged.value.map((e) => e.id),
    ['SCP', 'DU', 'UP', 'VC'],
  );
  assert.deepEqual(decodeGgep(new Uint8Array()), { ok: true, value: [] });
});

test('GGEP-13 packed hosts: IPv4 network order then port u16le, 6 bytes each (§13.6 PUSH)', () => {
  const push = fromHex('c0 00 02 14 ca 18 c0 00 02 15 cb 18');
  const hosts = [
    { address: '192.0.2.20', port: 6346 },
    { address: '192.0.2.21', port: 6347 },
  ];
  assert.deepEqual(decodePackedHosts(push), { ok: true, value: hosts });
  assert.deepEqual(encodePackedHosts(hosts), push);
  const odd = decodePackedHosts(push.subarray(0, 7));
  assert.ok(!odd.ok);
  assert.equal(odd.error.code, 'ggep-packed-hosts-length');
  assert.equal(odd.error.clause, 'GGEP-13');
});

test('GGEP-14 integers: minimal little-endian written (0 as empty); 0–8 bytes read, 00 and empty both 0', () => {
  assert.deepEqual(encodeGgepUint(0), new Uint8Array());
  assert.deepEqual(encodeGgepUint(255), fromHex('ff'));
  assert.deepEqual(encodeGgepUint(256), fromHex('00 01'));
  assert.deepEqual(encodeGgepUint(2 ** 33 + 5), fromHex('05 00 00 00 02'));
  for (const [bytes, value] of [
    ['', 0],
    ['00', 0],
    ['10 0e 00 00', 3600],
    ['ff ff ff ff ff ff 1f 00', 2 ** 53 - 1],
  ] as const) {
    assert.deepEqual(decodeGgepUint(fromHex(bytes)), { ok: true, value }, bytes);
  }
  const nine = decodeGgepUint(new Uint8Array(9));
  assert.ok(!nine.ok);
  assert.equal(nine.error.clause, 'GGEP-14');
  assert.equal(
    decodeGgepUint(fromHex('00 00 00 00 00 00 20 00')).ok,
    false,
    '2^53 is refused, not rounded',
  );
});

test(`MSG-19 GGEP-4 gtk-gnutella's ping GGEP (${S00} frame 4) and one with an unknown extension both read SCP`, () => {
  const ping = decodePing(s00In4.subarray(23, 30));
  assert.ok(ping.ok);
  const gtk = decodeGgep(ping.value.ggep);
  assert.deepEqual(gtk, { ok: true, value: [plain('SCP', Uint8Array.of(0))] });
  const withUnknown = decodeGgep(fromHex('c3 03 58 59 5a 42 01 02 83 53 43 50 41 01'));
  assert.ok(withUnknown.ok);
  assert.deepEqual(findGgep(withUnknown.value, 'SCP')?.data, Uint8Array.of(1));
});

test('GGEP encoder: bad ids, no extensions or oversized data are UsageErrors', () => {
  assert.throws(() => encodeGgep([]), UsageError);
  assert.throws(() => encodeGgep([plain('')]), UsageError);
  assert.throws(() => encodeGgep([plain('ABCDEFGHIJKLMNOP')]), UsageError);
  assert.throws(() => encodeGgep([plain('A\0')]), UsageError);
  assert.throws(() => encodeGgep([plain('Ā')]), UsageError);
  assert.throws(() => encodeGgep([plain('A', new Uint8Array(262_144))]), UsageError);
  assert.equal(encodeGgep([plain('A', new Uint8Array(262_143))]).length, 1 + 1 + 1 + 3 + 262_143);
});

// fc.record builds null-prototype objects; spread them so deepEqual compares like with like.
const extensionArbitrary: fc.Arbitrary<GgepExtension> = fc
  .record({
    id: fc.string({
      unit: fc.integer({ min: 1, max: 255 }).map((code) => String.fromCharCode(code)),
      minLength: 1,
      maxLength: 15,
    }),
    data: fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc.uint8Array({ minLength: 250, maxLength: 4200 }),
    ),
    compressed: fc.boolean(),
    cobs: fc.boolean(),
  })
  .map((extension) => ({ ...extension }));

test('GGEP-1 GGEP-2 GGEP-6 GGEP-7 decode(encode(extensions)) = extensions', () => {
  fc.assert(
    fc.property(fc.array(extensionArbitrary, { minLength: 1, maxLength: 6 }), (extensions) => {
      const block = encodeGgep(extensions);
      const decoded = readGgepBlock(block);
      assert.ok(decoded.ok);
      assert.deepEqual(decoded.value, { extensions, end: block.length });
    }),
    { numRuns: UNIT_RUNS },
  );
});
