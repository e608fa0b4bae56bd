import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  decodeGgepUint,
  decodeHeader,
  decodePackedHosts,
  decodeQueryHit,
  EqhdFlag,
  type ExtensionBlock,
  encodeGgepUint,
  encodeMessage,
  encodeQueryHit,
  eqhdFlags,
  eqhdOpenData,
  extensionSha1s,
  findGgep,
  formatUrn,
  type GgepExtension,
  ggepExtension,
  guidToHex,
  LARGE_FILE_SIZE,
  MessageType,
  parseUrnBlock,
  type QueryHit,
  type QueryHitResult,
  resultFileSize,
  resultSizeFields,
  SIZE_IN_LF,
  urnBlock,
} from '../../src/core/wire/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { concat, fromHex } from './hex.js';
import { S04, S06, S07, S09, s04In8, s06Out6, s07Out6, s09Out6 } from './recorded.js';
import * as spec from './vectors.js';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const plain = (id: string, data: Uint8Array = new Uint8Array()): GgepExtension => ({
  id,
  data,
  compressed: false,
  cobs: false,
});

/** Decodes a whole QueryHit message and checks header + payload re-encode byte-identically. */
function roundTrip(message: Uint8Array): QueryHit {
  const header = decodeHeader(message);
  assert.ok(header.ok);
  assert.equal(header.value.type, MessageType.QueryHit);
  const hit = decodeQueryHit(message.subarray(23));
  assert.ok(hit.ok, hit.ok ? '' : hit.error.message);
  const { length: _, ...fields } = header.value;
  assert.deepEqual(encodeMessage(fields, encodeQueryHit(hit.value)), message);
  return hit.value;
}

const failsWith = (payload: Uint8Array, code: string, clause: string): void => {
  const result = decodeQueryHit(payload);
  assert.ok(!result.ok, `expected ${code}`);
  assert.equal(result.error.code, code);
  assert.equal(result.error.clause, clause);
};

test('MSG-28 MSG-29 MSG-31 GGEP-13 §13.6 query hit: 2 records, EQHD EXMP with BH and PUSH, servent id', () => {
  const hit = roundTrip(spec.queryHit);
  assert.deepEqual(
    { port: hit.port, address: hit.address, speed: hit.speed, servent: guidToHex(hit.serventId) },
    {
      port: 6346,
      address: '203.0.113.5',
      speed: 1000,
      servent: '5d0b8a11e7c34f2a9b6e04d1c2f3a4b5',
    },
  );
  assert.deepEqual(
    hit.results.map(({ index, size, name }) => ({ index, size, name })),
    [
      { index: 1, size: 4_356_789, name: 'free software song.ogg' },
      { index: 2, size: 1_048_576, name: 'gnutella spec.txt' },
    ],
  );
  assert.deepEqual(hit.results[0]!.extensions, [
    { kind: 'urn', bytes: ascii('urn:sha1:OMGYTATGFZ2VULZINLIMIT43UEZKNVP3') },
  ]);
  const [ggep] = hit.results[1]!.extensions;
  assert.ok(ggep?.kind === 'ggep');
  assert.deepEqual(decodeGgepUint(findGgep(ggep.extensions, 'CT')!.data), {
    ok: true,
    value: 1_262_304_000,
  });
  const trailer = hit.trailer!;
  assert.equal(trailer.vendor, 'EXMP');
  assert.deepEqual(trailer.openData, fromHex('3d 29'));
  // "Decoded flags: firewalled = yes, busy = no, has uploaded = yes, speed measured = no, GGEP = yes."
  assert.deepEqual(eqhdFlags(trailer.openData), {
    push: true,
    busy: false,
    uploaded: true,
    measuredSpeed: false,
    ggep: true,
  });
  assert.deepEqual(
    trailer.ggep.map((e) => e.id),
    ['BH', 'PUSH'],
  );
  assert.deepEqual(decodePackedHosts(findGgep(trailer.ggep, 'PUSH')!.data), {
    ok: true,
    value: [
      { address: '192.0.2.20', port: 6346 },
      { address: '192.0.2.21', port: 6347 },
    ],
  });
});

// Expected fields from Wireshark's decode of the same frames (plain/tshark_gnutella_verbose.txt:
// Count 1, Port, IP, Speed 16, Index 1, Size, Name, Servent ID).
const recordedHits = [
  {
    name: `${S04} frame 8 (B's hit, sent to A)`,
    bytes: s04In8,
    port: 6347,
    address: '127.0.0.2',
    size: 57,
    file: 'alpha_test_file.txt',
    urn: 'urn:sha1:5TR7FAGIBF4QT4AAY4KLBLDG6XWN6GI3',
    servent: '125231022629c32fc8285c9692222609',
    push: true,
  },
  {
    name: `${S06} frame 6 (A relaying B's hit)`,
    bytes: s06Out6,
    port: 6347,
    address: '127.0.0.2',
    size: 57,
    file: 'alpha_test_file.txt',
    urn: 'urn:sha1:5TR7FAGIBF4QT4AAY4KLBLDG6XWN6GI3',
    servent: '125231022629c32fc8285c9692222609',
    push: true,
  },
  {
    name: `${S07} frame 6 (A's own hit)`,
    bytes: s07Out6,
    port: 6346,
    address: '127.0.0.1',
    size: 340,
    file: 'delta_ultra_file.txt',
    urn: 'urn:sha1:K2XZ2AS3RN63R37KEA4W3R3I6D4HAKRR',
    servent: '76e33102daea35af8234deae86f00087',
    push: false,
  },
  {
    name: `${S09} frame 6 (B's hit, sent directly)`,
    bytes: s09Out6,
    port: 6347,
    address: '127.0.0.2',
    size: 57,
    file: 'alpha_test_file.txt',
    urn: 'urn:sha1:5TR7FAGIBF4QT4AAY4KLBLDG6XWN6GI3',
    servent: '125231022629c32fc8285c9692222609',
    push: false,
  },
];

for (const recorded of recordedHits) {
  test(`MSG-28 MSG-29 HUGE-5 GGEP-8 gtk-gnutella's query hit, ${recorded.name}`, () => {
    const hit = roundTrip(recorded.bytes);
    assert.deepEqual(
      { port: hit.port, address: hit.address, speed: hit.speed, servent: guidToHex(hit.serventId) },
      { port: recorded.port, address: recorded.address, speed: 16, servent: recorded.servent },
    );
    assert.equal(hit.results.length, 1);
    const [result] = hit.results;
    assert.deepEqual(
      [result!.index, result!.size, result!.name],
      [1, recorded.size, recorded.file],
    );
    // The record: GEM urn:sha1, 0x1C, then GGEP TT (Tiger root, 24 bytes) and CT (2025-06-01).
    const [urn, ggep] = result!.extensions;
    assert.ok(urn?.kind === 'urn' && ggep?.kind === 'ggep');
    const parsed = parseUrnBlock(urn.bytes);
    assert.ok(parsed.ok);
    assert.equal(formatUrn(parsed.value), recorded.urn);
    assert.deepEqual(
      ggep.extensions.map((e) => [e.id, e.data.length]),
      [
        ['TT', 24],
        ['CT', 4],
      ],
    );
    assert.deepEqual(decodeGgepUint(findGgep(ggep.extensions, 'CT')!.data), {
      ok: true,
      value: 1_748_755_602,
    });
    // EQHD: GTKG, open data 2, byte 1 = 0x04|0x08|0x20 (+0x01 when firewalled), byte 2 = 0x01|0x20.
    const trailer = hit.trailer!;
    assert.equal(trailer.vendor, 'GTKG');
    assert.deepEqual(trailer.openData, Uint8Array.of(recorded.push ? 0x2d : 0x2c, 0x21));
    assert.deepEqual(eqhdFlags(trailer.openData), {
      push: recorded.push,
      busy: false,
      uploaded: false,
      ggep: true,
    });
    assert.deepEqual(
      trailer.ggep.map((e) => e.id),
      ['GTKGV', 'BH'],
    );
    assert.deepEqual(
      [trailer.vendorData.length, trailer.afterGgep.length, trailer.xml.length],
      [0, 0, 0],
    );
  });
}

test('MSG-29 the enable/value rule: push value in byte 1 (valid by byte 2), others enabled by byte 1, value in byte 2', () => {
  assert.deepEqual(
    eqhdOpenData({ push: true, busy: false, uploaded: true, ggep: true }),
    fromHex('2d 29'),
  );
  assert.deepEqual(
    eqhdOpenData({ push: false, busy: false, uploaded: false, ggep: true }),
    fromHex('2c 21'),
  );
  assert.deepEqual(eqhdOpenData({}), fromHex('00 00'));
  assert.deepEqual(
    eqhdFlags(fromHex('01 00')),
    {},
    'push value without its valid bit says nothing',
  );
  assert.deepEqual(eqhdFlags(fromHex('00 3c')), {}, 'values without enable bits say nothing');
  assert.deepEqual(eqhdFlags(fromHex('3d')), {}, 'open data size 1 carries no usable flag');
  // Reserved bits 0x02, 0x40, 0x80 are never written.
  const all = eqhdOpenData(
    { push: true, busy: true, uploaded: true, measuredSpeed: true, ggep: true },
    0,
  );
  assert.deepEqual(all, fromHex('3d 3d 00 00'));
  for (const byte of all.subarray(0, 2)) assert.equal(byte & 0xc2, 0);
  assert.equal(
    EqhdFlag.Push | EqhdFlag.Busy | EqhdFlag.Uploaded | EqhdFlag.MeasuredSpeed | EqhdFlag.Ggep,
    0x3d,
  );
});

test(`MSG-30 a file ≥ 2^31 bytes: size field ${SIZE_IN_LF.toString(16)} and GGEP LF with the real size`, () => {
  const big = 5 * 2 ** 30;
  const { size, lf } = resultSizeFields(big);
  assert.equal(size, SIZE_IN_LF);
  assert.ok(lf);
  assert.deepEqual(lf, { id: 'LF', data: encodeGgepUint(big), compressed: false, cobs: true });
  const result: QueryHitResult = {
    index: 3,
    size,
    name: 'big.iso',
    extensions: [
      urnBlock('urn:sha1:CU67GO3XHIPQL7ULAHJSCIIM4V4NN727'),
      { kind: 'ggep', extensions: [lf] },
    ],
  };
  const hit: QueryHit = {
    port: 1,
    address: '10.0.0.1',
    speed: 0,
    results: [result],
    serventId: new Uint8Array(16),
  };
  const payload = encodeQueryHit(hit);
  // size ff ff ff ff; LF 5·2^30 = 00 00 00 40 01 holds zeros, so it is COBS-encoded (GGEP-8).
  assert.deepEqual(payload.subarray(15, 19), fromHex('ff ff ff ff'));
  const decoded = decodeQueryHit(payload);
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.value, hit);
  assert.deepEqual(resultFileSize(decoded.value.results[0]!), { ok: true, value: big });
  assert.deepEqual(resultSizeFields(LARGE_FILE_SIZE - 1), { size: LARGE_FILE_SIZE - 1 });
  assert.equal(resultSizeFields(LARGE_FILE_SIZE).size, SIZE_IN_LF);
});

test('MSG-30 LF: empty or zero is lf-zero; without LF the size field stands', () => {
  const withLf = (data: Uint8Array): QueryHitResult => ({
    index: 0,
    size: SIZE_IN_LF,
    name: 'x',
    extensions: [{ kind: 'ggep', extensions: [plain('LF', data)] }],
  });
  for (const data of [new Uint8Array(), Uint8Array.of(0)]) {
    const size = resultFileSize(withLf(data));
    assert.ok(!size.ok);
    assert.equal(size.error.code, 'lf-zero');
    assert.equal(size.error.clause, 'MSG-30');
  }
  assert.deepEqual(resultFileSize({ index: 0, size: SIZE_IN_LF, name: 'x', extensions: [] }), {
    ok: true,
    value: SIZE_IN_LF,
  });
  assert.deepEqual(resultFileSize({ index: 0, size: 12, name: 'x', extensions: [] }), {
    ok: true,
    value: 12,
  });
});

/** One record "a.txt", index 7, size 5, extensions urn:sha1. */
const record = concat(
  fromHex('07 00 00 00 05 00 00 00'),
  ascii('a.txt\0urn:sha1:CU67GO3XHIPQL7ULAHJSCIIM4V4NN727\0'),
);
const header = fromHex('01 ca 18 c0 00 02 01 10 00 00 00');
const servent = fromHex('00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff');

test('MSG-31 open data size 4 with XML size, chat byte before GGEP, XML at the end (LimeWire form)', () => {
  const xml = ascii('<?xml version="1.0"?><audios/>\0');
  // LIME, K = 4: byte 1 = 0x3c (push 0; busy, uploaded, measured, ggep enabled), byte 2 = 0x21, XML size.
  const trailer = concat(
    ascii('LIME'),
    Uint8Array.of(4, 0x3c, 0x21, xml.length, 0),
    Uint8Array.of(1),
    fromHex('c3 82 42 48 40'),
    xml,
  );
  const payload = concat(header, record, trailer, servent);
  const hit = decodeQueryHit(payload);
  assert.ok(hit.ok);
  assert.deepEqual(hit.value.trailer, {
    vendor: 'LIME',
    openData: Uint8Array.of(0x3c, 0x21, xml.length, 0),
    vendorData: Uint8Array.of(1),
    ggep: [plain('BH')],
    afterGgep: new Uint8Array(),
    xml,
  });
  assert.deepEqual(eqhdFlags(hit.value.trailer!.openData), {
    push: false,
    busy: false,
    uploaded: false,
    measuredSpeed: false,
    ggep: true,
  });
  assert.deepEqual(encodeQueryHit(hit.value), payload);
  assert.deepEqual(
    eqhdOpenData(
      { push: false, busy: false, uploaded: false, measuredSpeed: false, ggep: true },
      xml.length,
    ),
    hit.value.trailer!.openData,
  );
});

test('MSG-31 open data size 1 (old NapShare), an unknown vendor, vendor bytes and no trailer at all', () => {
  const napShare = concat(header, record, ascii('NAPS'), Uint8Array.of(1, 0x1c), servent);
  const one = decodeQueryHit(napShare);
  assert.ok(one.ok);
  assert.deepEqual(one.value.trailer?.openData, Uint8Array.of(0x1c));
  assert.deepEqual(encodeQueryHit(one.value), napShare);

  const vendorBytes = concat(
    header,
    record,
    ascii('RAZA'),
    Uint8Array.of(2, 0x20, 0x20),
    fromHex('01 02 03 c3 81 41 40 ff'),
    servent,
  );
  const raza = decodeQueryHit(vendorBytes);
  assert.ok(raza.ok);
  assert.deepEqual(raza.value.trailer?.vendorData, fromHex('01 02 03'));
  assert.deepEqual(raza.value.trailer?.ggep, [plain('A')]);
  assert.deepEqual(raza.value.trailer?.afterGgep, fromHex('ff'));
  assert.deepEqual(encodeQueryHit(raza.value), vendorBytes);

  const bare = concat(header, record, servent);
  const none = decodeQueryHit(bare);
  assert.ok(none.ok);
  assert.equal(none.value.trailer, undefined);
  assert.deepEqual(encodeQueryHit(none.value), bare);
});

test('MSG-31 without the GGEP flag a 0xC3 in the private area is vendor data; a malformed block stays raw', () => {
  for (const openData of [fromHex('00 00'), fromHex('20 20')]) {
    const payload = concat(
      header,
      record,
      ascii('GTKG'),
      Uint8Array.of(2),
      openData,
      fromHex('c3 91 41 40'),
      servent,
    );
    const hit = decodeQueryHit(payload);
    assert.ok(hit.ok);
    assert.deepEqual(hit.value.trailer?.ggep, []);
    assert.deepEqual(hit.value.trailer?.vendorData, fromHex('c3 91 41 40'));
    assert.deepEqual(encodeQueryHit(hit.value), payload);
  }
});

test('MSG-28 MSG-31 malformed hits fail with typed errors', () => {
  failsWith(servent, 'queryhit-too-short', 'MSG-28');
  failsWith(concat(Uint8Array.of(0), header.subarray(1), servent), 'queryhit-no-results', 'MSG-28');
  failsWith(
    concat(Uint8Array.of(2), header.subarray(1), record, servent),
    'queryhit-record-truncated',
    'MSG-28',
  );
  failsWith(concat(header, record.subarray(0, -1), servent), 'queryhit-record-truncated', 'MSG-28');
  failsWith(concat(header, record, ascii('GTK'), servent), 'queryhit-trailer-truncated', 'MSG-31');
  failsWith(
    concat(header, record, ascii('GTKG'), Uint8Array.of(4, 0, 0), servent),
    'queryhit-trailer-truncated',
    'MSG-31',
  );
  failsWith(
    concat(header, record, ascii('LIME'), Uint8Array.of(4, 0, 0, 9, 0), ascii('<x/>\0'), servent),
    'queryhit-xml-size',
    'MSG-31',
  );
});

test('GGEP-8 MSG-28 a record whose extensions would hold 0x00 is refused; avoidNul COBS-encodes instead', () => {
  const base: QueryHit = {
    port: 1,
    address: '10.0.0.1',
    speed: 0,
    results: [
      {
        index: 0,
        size: 1,
        name: 'x',
        extensions: [{ kind: 'ggep', extensions: [plain('CT', fromHex('00 3b 3d 4b'))] }],
      },
    ],
    serventId: servent,
  };
  assert.throws(() => encodeQueryHit(base), UsageError);
  const fixed = ggepExtension('CT', fromHex('00 3b 3d 4b'), { avoidNul: true });
  const payload = encodeQueryHit({
    ...base,
    results: [{ ...base.results[0]!, extensions: [{ kind: 'ggep', extensions: [fixed] }] }],
  });
  // Record: index, size, "x" NUL, then the block, then exactly one NUL.
  const area = payload.subarray(11 + 8 + 2, payload.length - 16 - 1);
  assert.ok(!area.includes(0));
  assert.equal(payload[payload.length - 17], 0);
});

test('MSG-28 encoding: 1–255 records, a 16-byte servent id, a consistent trailer', () => {
  const result: QueryHitResult = { index: 0, size: 1, name: 'x', extensions: [] };
  const base: QueryHit = {
    port: 1,
    address: '10.0.0.1',
    speed: 0,
    results: [result],
    serventId: servent,
  };
  assert.throws(() => encodeQueryHit({ ...base, results: [] }), UsageError);
  assert.throws(
    () => encodeQueryHit({ ...base, results: new Array(256).fill(result) }),
    UsageError,
  );
  assert.throws(() => encodeQueryHit({ ...base, serventId: new Uint8Array(15) }), UsageError);
  assert.throws(
    () => encodeQueryHit({ ...base, results: [{ ...result, name: 'a\0b' }] }),
    UsageError,
  );
  const trailer = {
    vendor: 'GTKG',
    openData: fromHex('00 00'),
    vendorData: new Uint8Array(),
    ggep: [plain('BH')],
    afterGgep: new Uint8Array(),
    xml: new Uint8Array(),
  };
  assert.throws(() => encodeQueryHit({ ...base, trailer }), UsageError, 'GGEP without its flag');
  assert.throws(
    () => encodeQueryHit({ ...base, trailer: { ...trailer, ggep: [], vendor: 'GTK' } }),
    UsageError,
  );
  assert.throws(
    () => encodeQueryHit({ ...base, trailer: { ...trailer, ggep: [], xml: ascii('<x/>') } }),
    UsageError,
  );
});

const extensionsArbitrary: fc.Arbitrary<ExtensionBlock[]> = fc.oneof(
  fc.constant([]).map((): ExtensionBlock[] => []),
  fc.uint8Array({ minLength: 20, maxLength: 20 }).map((sha1) => [urnBlock({ type: 'sha1', sha1 })]),
  fc
    .tuple(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.nat({ max: 2 ** 40 }))
    .map(([sha1, time]) => [
      urnBlock({ type: 'sha1', sha1 }),
      {
        kind: 'ggep' as const,
        extensions: [
          ggepExtension('H', Uint8Array.of(1, ...sha1), { avoidNul: true }),
          ggepExtension('CT', encodeGgepUint(time), { avoidNul: true }),
        ],
      },
    ]),
);

const hitArbitrary: fc.Arbitrary<QueryHit> = fc
  .record({
    port: fc.integer({ min: 0, max: 0xffff }),
    address: fc
      .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255))
      .map((parts) => parts.join('.')),
    speed: fc.nat(),
    results: fc.array(
      fc
        .record({
          index: fc.nat(),
          size: fc.nat(),
          name: fc
            .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
            .map((name) => name.replaceAll('\0', '_')),
          extensions: extensionsArbitrary,
        })
        .map((result) => ({ ...result })),
      { minLength: 1, maxLength: 10 },
    ),
    trailer: fc.option(
      fc
        .record({
          flags: fc.record({ push: fc.boolean(), busy: fc.boolean(), uploaded: fc.boolean() }),
          ggep: fc.boolean(),
          xml: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
        })
        .map(({ flags, ggep, xml }) => {
          const xmlBytes =
            xml === undefined ? new Uint8Array() : ascii(`<x>${xml.replaceAll('\0', '')}</x>\0`);
          return {
            vendor: 'GTKG',
            openData: eqhdOpenData(
              { ...flags, ggep },
              xml === undefined ? undefined : xmlBytes.length,
            ),
            vendorData: new Uint8Array(),
            ggep: ggep ? [plain('BH'), plain('PUSH', fromHex('c0 00 02 14 ca 18'))] : [],
            afterGgep: new Uint8Array(),
            xml: xmlBytes,
          };
        }),
      { nil: undefined },
    ),
    serventId: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  })
  .map(({ trailer, ...rest }) => ({ ...rest, ...(trailer === undefined ? {} : { trailer }) }));

test('MSG-28 MSG-29 decode(encode(hit)) = hit for generated hits', () => {
  fc.assert(
    fc.property(hitArbitrary, (hit) => {
      const payload = encodeQueryHit(hit);
      const decoded = decodeQueryHit(payload);
      assert.ok(decoded.ok);
      assert.deepEqual(decoded.value, hit);
      for (const result of decoded.value.results) {
        // Every generated block names the file's SHA-1: a urn:sha1 string or GGEP H.
        assert.equal(extensionSha1s(result.extensions).length, result.extensions.length);
      }
    }),
    { numRuns: UNIT_RUNS },
  );
});

test('robustness: decodeQueryHit never throws on arbitrary bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const result = decodeQueryHit(bytes);
      if (!result.ok) assert.match(result.error.code, /^queryhit-/);
    }),
    { numRuns: UNIT_RUNS },
  );
});
