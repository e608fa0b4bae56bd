import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  decodeHeader,
  decodeQuery,
  type ExtensionBlock,
  encodeMessage,
  encodeQuery,
  extensionSha1s,
  guidToHex,
  MessageType,
  oobReplyAddress,
  QUERY_MAX_HITS_MASK,
  type Query,
  QueryFlag,
  queryFlagSet,
  withOobReplyAddress,
} from '../../src/core/wire/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { fromHex } from './hex.js';
import { S04, s04Out7 } from './recorded.js';
import * as spec from './vectors.js';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Decodes a whole Query message and checks header + payload re-encode byte-identically. */
function roundTrip(message: Uint8Array): Query {
  const header = decodeHeader(message);
  assert.ok(header.ok);
  assert.equal(header.value.type, MessageType.Query);
  const query = decodeQuery(message.subarray(23));
  assert.ok(query.ok, query.ok ? '' : query.error.message);
  const { length: _, ...fields } = header.value;
  assert.deepEqual(encodeMessage(fields, encodeQuery(query.value)), message);
  return query.value;
}

test('MSG-24 MSG-26 §13.4 query: flags 0xA800, "free software", HUGE request urn:, final NUL', () => {
  const query = roundTrip(spec.query);
  assert.deepEqual(query, {
    flags: 0xa800,
    criteria: 'free software',
    extensions: [{ kind: 'urn', bytes: ascii('urn:') }],
    trailingNul: true,
  });
  assert.equal(queryFlagSet(query.flags), QueryFlag.Marked | QueryFlag.Xml | QueryFlag.GgepH);
});

test('MSG-24 MSG-26 MSG-27 §13.5 OOB URN query: \\ criteria, urn:sha1, 0x1C, GGEP SO, trailing NUL', () => {
  const query = roundTrip(spec.oobQuery);
  assert.equal(query.flags, 0x8c00);
  assert.equal(query.criteria, '\\');
  assert.deepEqual(query.extensions, [
    { kind: 'urn', bytes: ascii('urn:sha1:CU67GO3XHIPQL7ULAHJSCIIM4V4NN727') },
    {
      kind: 'ggep',
      extensions: [{ id: 'SO', data: new Uint8Array(), compressed: false, cobs: false }],
    },
  ]);
  assert.equal(query.trailingNul, true);
  assert.deepEqual(extensionSha1s(query.extensions), [
    fromHex('15 3d f3 3b 77 3a 1f 05 fe 8b 01 d3 21 21 0c e5 78 d6 ff 5f'),
  ]);
  const header = decodeHeader(spec.oobQuery);
  assert.ok(header.ok);
  assert.deepEqual(oobReplyAddress(header.value.guid), { address: '198.51.100.7', port: 6346 });
});

test(`MSG-26 gtk-gnutella's relayed query (${S04} frame 7): flags bytes 00 80 kept, urn: dropped`, () => {
  const query = roundTrip(s04Out7);
  // Expected fields from Wireshark's decode of the frame (tshark_gnutella_verbose.txt:
  // "Min Speed: 32768, Search: alpha"): the field is not marked when read big-endian.
  assert.deepEqual(query, { flags: 0x0080, criteria: 'alpha', extensions: [], trailingNul: false });
  assert.equal(
    queryFlagSet(query.flags),
    undefined,
    'a legacy speed: neither reading is a flag set',
  );
  const header = decodeHeader(s04Out7);
  assert.ok(header.ok);
  assert.equal(guidToHex(header.value.guid), '4e1f9063f962f3608c82bdb49aa5c09a');
  assert.deepEqual([header.value.ttl, header.value.hops], [3, 1]);
});

test('MSG-24 the marker is bit 7 of byte 0: flags are written big-endian', () => {
  const payload = encodeQuery({
    flags: QueryFlag.Marked | QueryFlag.Firewalled | QueryFlag.LeafGuided | 25,
    criteria: 'x',
    extensions: [],
    trailingNul: false,
  });
  assert.deepEqual(payload, fromHex('d0 19 78 00'));
  assert.equal(payload[0]! & 0x80, 0x80);
});

test('MSG-25 the firewalled bit is 0x40 of byte 0, meaningful only with the marker', () => {
  const marked = decodeQuery(fromHex('c0 00 61 00'));
  assert.ok(marked.ok);
  assert.equal(
    (queryFlagSet(marked.value.flags) ?? 0) & QueryFlag.Firewalled,
    QueryFlag.Firewalled,
  );
  const legacy = decodeQuery(fromHex('40 00 61 00'));
  assert.ok(legacy.ok);
  assert.equal(queryFlagSet(legacy.value.flags), undefined, '0x4000 without 0x8000 is a speed');
});

test("MSG-24 Shareaza's little-endian flags count only with 0x8000, 0x1000 and 0x0800 all set", () => {
  assert.equal(queryFlagSet(0x0098), 0x9800);
  assert.equal(queryFlagSet(0x0080), undefined);
  assert.equal(queryFlagSet(0x0000), undefined);
  assert.equal(queryFlagSet(0x8000) ?? 0, 0x8000);
  assert.equal(0x80ff & QUERY_MAX_HITS_MASK, 255, 'low byte of a marked field: max hits (gtk)');
});

test('MSG-24 OOB GUID: IPv4 in bytes 0–3, UDP port u16le in bytes 13–14', () => {
  const guid = fromHex('00 11 22 33 44 55 66 77 ff 99 aa bb cc dd ee 00');
  const marked = withOobReplyAddress(guid, { address: '198.51.100.7', port: 6346 });
  assert.deepEqual(marked, fromHex('c6 33 64 07 44 55 66 77 ff 99 aa bb cc ca 18 00'));
  assert.deepEqual(oobReplyAddress(marked), { address: '198.51.100.7', port: 6346 });
  assert.deepEqual(
    guid,
    fromHex('00 11 22 33 44 55 66 77 ff 99 aa bb cc dd ee 00'),
    'input untouched',
  );
});

test('query: UTF-8 criteria decode and re-encode exactly', () => {
  const payload = encodeQuery({
    flags: 0x8000,
    criteria: 'Café 東京 ♫',
    extensions: [],
    trailingNul: false,
  });
  assert.deepEqual(decodeQuery(payload), {
    ok: true,
    value: { flags: 0x8000, criteria: 'Café 東京 ♫', extensions: [], trailingNul: false },
  });
});

test('query: too short or no criteria NUL fail with typed errors', () => {
  for (const [bytes, code] of [
    ['', 'query-too-short'],
    ['80 00', 'query-too-short'],
    ['80 00 61', 'query-criteria-unterminated'],
    ['80 00 61 62 63', 'query-criteria-unterminated'],
  ] as const) {
    const result = decodeQuery(fromHex(bytes));
    assert.ok(!result.ok, bytes);
    assert.equal(result.error.code, code, bytes);
  }
});

test('query: decoded values are copies, not views of the payload', () => {
  const payload = spec.oobQuery.slice(23);
  const query = decodeQuery(payload);
  assert.ok(query.ok);
  payload.fill(0x20);
  assert.deepEqual(query.value.extensions[0], {
    kind: 'urn',
    bytes: ascii('urn:sha1:CU67GO3XHIPQL7ULAHJSCIIM4V4NN727'),
  });
});

test('query: encoding bad fields is a UsageError', () => {
  const base: Query = { flags: 0x8000, criteria: 'a', extensions: [], trailingNul: false };
  assert.throws(() => encodeQuery({ ...base, flags: 0x10000 }), UsageError);
  assert.throws(() => encodeQuery({ ...base, criteria: 'a\0b' }), UsageError);
  assert.throws(
    () => withOobReplyAddress(new Uint8Array(15), { address: '1.2.3.4', port: 1 }),
    UsageError,
  );
});

const blockArbitrary: fc.Arbitrary<ExtensionBlock> = fc.oneof(
  fc.constantFrom('urn:', 'urn:sha1:', 'urn:sha1:CU67GO3XHIPQL7ULAHJSCIIM4V4NN727').map((text) => ({
    kind: 'urn' as const,
    bytes: ascii(text),
  })),
  fc.string({ minLength: 1, maxLength: 40 }).map((text) => ({
    kind: 'xml' as const,
    bytes: ascii(`<q>${text.replaceAll('\0', ' ').replaceAll('\x1c', ' ')}</q>`),
  })),
);
const ggepBlock = fc
  .subarray(['SO', 'NP', 'M', 'WH', 'XQ', 'PR', 'Z', 'QK'], { minLength: 1 })
  .chain((ids) =>
    fc.tuple(
      ...ids.map((id) =>
        fc
          .uint8Array({ maxLength: 12 })
          .map((data) => ({ id, data, compressed: false, cobs: data.includes(0) })),
      ),
    ),
  )
  .map((extensions): ExtensionBlock => ({ kind: 'ggep', extensions }));

const queryArbitrary: fc.Arbitrary<Query> = fc
  .record({
    flags: fc.integer({ min: 0, max: 0xffff }),
    criteria: fc
      .string({ unit: 'grapheme', maxLength: 30 })
      .map((text) => text.replaceAll('\0', ' ')),
    extensions: fc
      .tuple(fc.array(blockArbitrary, { maxLength: 3 }), fc.option(ggepBlock, { nil: undefined }))
      .map(([strings, ggep]) => (ggep ? [...strings, ggep] : strings)),
    trailingNul: fc.boolean(),
  })
  .map((query) => ({ ...query }));

test('MSG-26 decode(encode(query)) = query for generated queries', () => {
  fc.assert(
    fc.property(queryArbitrary, (query) => {
      assert.deepEqual(decodeQuery(encodeQuery(query)), { ok: true, value: query });
    }),
    { numRuns: UNIT_RUNS },
  );
});

test('robustness: decodeQuery never throws on arbitrary bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const result = decodeQuery(bytes);
      if (!result.ok) assert.match(result.error.code, /^query-/);
    }),
    { numRuns: UNIT_RUNS },
  );
});
