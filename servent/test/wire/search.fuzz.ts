/**
 * Robustness of the search codecs on hostile input (`npm run fuzz`,
 * FUZZ_RUNS cases per property): Query, QueryHit, Push, GGEP, extension
 * areas, COBS, base32 and URNs. Decoders never throw; whatever decodes
 * re-encodes to the same bytes (when its text is UTF-8); and inflating GGEP
 * values never yields more than GGEP_MAX_INFLATED bytes per message, however
 * large the deflate bomb.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import type { ProtocolError, Result } from '../../src/core/errors.js';
import {
  base32Decode,
  cobsDecode,
  decodeExtensionArea,
  decodeGgep,
  decodeGgepH,
  decodePush,
  decodeQuery,
  decodeQueryHit,
  type ExtensionBlock,
  encodeGgep,
  encodePush,
  encodeQuery,
  encodeQueryHit,
  GGEP_MAX_INFLATED,
  type GgepExtension,
  parseUrn,
} from '../../src/core/wire/index.js';
import { FUZZ_RUNS } from '../fuzz-runs.js';
import { concat } from './hex.js';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const isUtf8 = (bytes: Uint8Array): boolean => {
  try {
    utf8Strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
};

/** Every error carries a stable code and, where given, a clause of the three specs. */
function checkError(error: ProtocolError): void {
  assert.match(error.code, /^[a-z0-9]+(-[a-z0-9]+)+$/);
  if (error.clause !== undefined) assert.match(error.clause, /^(MSG|GGEP|HUGE)-\d+$/);
}

function checkResult<T>(result: Result<T>): T | undefined {
  if (result.ok) return result.value;
  checkError(result.error);
  return undefined;
}

/** Deflated values of known inflated size, from empty to a 16 MiB bomb, made once. */
const streams = [
  0,
  1,
  1_000,
  30_000,
  GGEP_MAX_INFLATED,
  GGEP_MAX_INFLATED + 1,
  200_000,
  16 << 20,
].map((size) => ({
  size,
  stream: new Uint8Array(deflateSync(new Uint8Array(size).fill(size % 251))),
}));

const extension: fc.Arbitrary<GgepExtension> = fc.oneof(
  fc.record({
    id: fc.constantFrom('H', 'SO', 'LF', 'CT', 'ALT', 'PUSH', 'GTKGV', 'so', 'X.Y'),
    data: fc.uint8Array({ maxLength: 40 }),
    compressed: fc.boolean(),
    cobs: fc.boolean(),
  }),
  // A compressed value sent as a stream whose inflated size is known.
  fc.record({
    id: fc.constantFrom('PHC', 'Z'),
    data: fc.constant(new Uint8Array()),
    compressed: fc.constant(true),
    cobs: fc.constant(false),
    wire: fc.constantFrom(...streams.map((s) => s.stream)),
  }),
);

const ggepBlock = fc.array(extension, { minLength: 1, maxLength: 4 }).map(encodeGgep);

/** Bytes that look like parts of an extension area, to be glued in any order. */
const areaFragment: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc
    .constantFrom(
      'urn:',
      'urn:sha1:',
      'urn:sha1:CU67GO3XHIPQL7ULAHJSCIIM4V4NN727',
      'URN:BITPRINT:CU67GO3XHIPQL7ULAHJSCIIM4V4NN727.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'urn:tree:tiger/:AAAA',
      '<?xml version="1.0"?><audios/>',
      '{deflate}',
      '128 kbps 44 kHz',
    )
    .map(ascii),
  fc.constantFrom(Uint8Array.of(0x1c), Uint8Array.of(0)),
  ggepBlock,
  fc.uint8Array({ maxLength: 12 }).map((bytes) => concat(Uint8Array.of(0xc3), bytes)),
  fc.uint8Array({ maxLength: 12 }),
);

const area = fc.array(areaFragment, { maxLength: 6 }).map((parts) => concat(...parts));

/** Overwrites up to two bytes, to break otherwise well-formed input. */
const mutated = (bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> =>
  fc
    .tuple(bytes, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 2 }), fc.boolean())
    .map(([input, edits, edit]) => {
      if (!edit || input.length === 0) return input;
      const copy = input.slice();
      for (const [at, value] of edits) copy[at % copy.length] = value;
      return copy;
    });

const criteria = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((text) => ascii(text.replaceAll('\0', ' '))),
  fc.uint8Array({ maxLength: 20 }).map((bytes) => bytes.map((b) => b || 0x20)),
);

const queryPayload = mutated(
  fc
    .tuple(fc.uint8Array({ minLength: 2, maxLength: 2 }), criteria, area)
    .map(([flags, text, rest]) => concat(flags, text, Uint8Array.of(0), rest)),
);

const record = fc
  .tuple(fc.uint8Array({ minLength: 8, maxLength: 8 }), criteria, area)
  .map(([fixed, name, rest]) =>
    // Records cannot hold 0x00 between their NULs: COBS-less zeros end the record early.
    concat(
      fixed,
      name,
      Uint8Array.of(0),
      rest.map((b) => b || 0x1c),
      Uint8Array.of(0),
    ),
  );

const trailer = fc.oneof(
  fc.constant(new Uint8Array()),
  fc
    .tuple(
      fc.constantFrom('GTKG', 'LIME', 'BEAR', 'RAZA'),
      fc.uint8Array({ maxLength: 4 }),
      fc.uint8Array({ maxLength: 4 }),
      fc.option(ggepBlock, { nil: undefined }),
      fc.uint8Array({ maxLength: 8 }),
    )
    .map(([vendor, openData, before, ggep, after]) =>
      concat(
        ascii(vendor),
        Uint8Array.of(openData.length),
        openData,
        before,
        ggep ?? new Uint8Array(),
        after,
      ),
    ),
);

const hitPayload = mutated(
  fc
    .tuple(
      fc.uint8Array({ minLength: 10, maxLength: 10 }),
      fc.array(record, { minLength: 1, maxLength: 4 }),
      trailer,
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.boolean(),
    )
    .map(([fixed, records, eqhd, servent, honest]) =>
      concat(
        Uint8Array.of(honest ? records.length : records.length + 1),
        fixed,
        ...records,
        eqhd,
        servent,
      ),
    ),
);

const pushPayload = mutated(
  fc
    .tuple(
      fc.uint8Array({ minLength: 26, maxLength: 26 }),
      fc.option(ggepBlock, { nil: undefined }),
    )
    .map(([fixed, ggep]) => concat(fixed, ggep ?? new Uint8Array())),
);

/** Inflated bytes a decoded area holds: never more than the bound. */
function inflatedBytes(blocks: readonly ExtensionBlock[]): number {
  let total = 0;
  for (const block of blocks) {
    if (block.kind !== 'ggep') continue;
    for (const e of block.extensions) if (e.compressed) total += e.data.length;
  }
  return total;
}

test('MSG-26 GGEP-11 GGEP-12 fuzz: queries never throw, stay within the inflate bound, and re-encode exactly', () => {
  fc.assert(
    fc.property(fc.oneof(queryPayload, fc.uint8Array({ maxLength: 200 })), (payload) => {
      const query = checkResult(decodeQuery(payload));
      if (query === undefined) return;
      assert.ok(inflatedBytes(query.extensions) <= GGEP_MAX_INFLATED);
      if (isUtf8(payload.subarray(2, payload.indexOf(0, 2)))) {
        assert.deepEqual(encodeQuery(query), payload);
      }
    }),
    { numRuns: FUZZ_RUNS },
  );
});

test('MSG-28 MSG-31 GGEP-12 fuzz: query hits never throw, stay within the inflate bound, and re-encode exactly', () => {
  fc.assert(
    fc.property(fc.oneof(hitPayload, fc.uint8Array({ maxLength: 200 })), (payload) => {
      const hit = checkResult(decodeQueryHit(payload));
      if (hit === undefined) return;
      let inflated = 0;
      for (const result of hit.results) inflated += inflatedBytes(result.extensions);
      for (const e of hit.trailer?.ggep ?? []) if (e.compressed) inflated += e.data.length;
      assert.ok(inflated <= GGEP_MAX_INFLATED);
      // Names that were not UTF-8 come back with U+FFFD and cannot re-encode exactly.
      if (hit.results.every((result) => !result.name.includes('\ufffd'))) {
        assert.deepEqual(encodeQueryHit(hit), payload);
      }
    }),
    { numRuns: FUZZ_RUNS },
  );
});

test('MSG-32 GGEP-12 fuzz: pushes never throw and re-encode exactly', () => {
  fc.assert(
    fc.property(fc.oneof(pushPayload, fc.uint8Array({ maxLength: 60 })), (payload) => {
      const push = checkResult(decodePush(payload));
      if (push !== undefined) assert.deepEqual(encodePush(push), payload);
    }),
    { numRuns: FUZZ_RUNS },
  );
});

test('GGEP-3 GGEP-6 GGEP-7 GGEP-12 fuzz: GGEP blocks, areas, COBS never throw; inflating stays within the bound', () => {
  fc.assert(
    fc.property(fc.oneof(mutated(ggepBlock), area, fc.uint8Array({ maxLength: 100 })), (bytes) => {
      const extensions = checkResult(decodeGgep(bytes));
      if (extensions !== undefined) {
        const inflated = extensions.reduce((n, e) => n + (e.compressed ? e.data.length : 0), 0);
        assert.ok(inflated <= GGEP_MAX_INFLATED);
      }
      assert.ok(inflatedBytes(decodeExtensionArea(bytes)) <= GGEP_MAX_INFLATED);
      checkResult(cobsDecode(bytes));
      checkResult(decodeGgepH(bytes));
    }),
    { numRuns: FUZZ_RUNS },
  );
});

const base32ish = fc.constantFrom(...'ABCXYZabcxyz234567=.1'.split(''));

test('HUGE-1 HUGE-2 fuzz: base32 and URN parsing never throw on arbitrary text', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 90 }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({ maxLength: 60 }).map((text) => `urn:${text}`),
        fc
          .tuple(
            fc.constantFrom('sha1:', 'bitprint:', 'tree:tiger/:', 'ttroot:'),
            fc.string({ unit: base32ish, maxLength: 80 }),
          )
          .map(([ns, text]) => `urn:${ns}${text}`),
      ),
      (text) => {
        checkResult(base32Decode(text));
        checkResult(parseUrn(text));
      },
    ),
    { numRuns: FUZZ_RUNS },
  );
});

test(`GGEP-12 a 16 MiB deflate bomb fails as ggep-inflate-limit without allocating its size`, () => {
  const bomb = streams.at(-1)!;
  const block = encodeGgep([
    { id: 'PHC', data: new Uint8Array(), compressed: true, cobs: false, wire: bomb.stream },
  ]);
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 20; i++) {
    const result = decodeGgep(block);
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'ggep-inflate-limit');
    assert.equal(result.error.clause, 'GGEP-12');
  }
  // Twenty unbounded inflations would hold 320 MiB until the next GC.
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 20 * 4 * GGEP_MAX_INFLATED, `array buffers grew by ${grown} bytes`);
  const query = decodeQuery(concat(Uint8Array.of(0x80, 0, 0x61, 0), block));
  assert.ok(query.ok);
  const [bad] = query.value.extensions;
  assert.ok(bad?.kind === 'bad-ggep');
  assert.equal(bad.error.code, 'ggep-inflate-limit');
});
