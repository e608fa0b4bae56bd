/**
 * Robustness of the vendor codec on hostile input (`npm run fuzz`, FUZZ_RUNS
 * cases per property). Decoders must never throw, anything that decodes must
 * re-encode to the same bytes, and decoded lists must stay within what the
 * payload has room for: an n-byte payload gives at most ⌊(n − 10) / 8⌋
 * Messages Supported entries and ⌊(n − 10) / 6⌋ Features Supported entries,
 * whatever count it claims (≤ 8 190 and ≤ 10 921 in a 65 536-byte payload).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeVendorMessage,
  encodeVendorMessage,
  VENDOR_MESSAGE_TYPES,
} from '../../../src/core/wire/vendor/index.js';
import { FUZZ_RUNS } from '../../fuzz-runs.js';
import { concat } from '../hex.js';

const ERROR_CODES = new Set([
  'vendor-too-short',
  'vendor-body-length',
  'vendor-entry-count',
  'vendor-ggep-missing',
]);

/** Decodes without throwing and checks every outcome against the bounds above. */
function check(payload: Uint8Array): void {
  const result = decodeVendorMessage(payload);
  if (!result.ok) {
    assert.ok(ERROR_CODES.has(result.error.code), result.error.code);
    assert.ok(result.error.clause === undefined || /^VM-\d+$/.test(result.error.clause));
    return;
  }
  assert.deepEqual(encodeVendorMessage(result.value), payload);
  const message = result.value;
  const room = payload.length - 10;
  if (message.kind === 'messages-supported') {
    assert.ok(message.entries.length <= Math.floor(room / 8));
  } else if (message.kind === 'features-supported') {
    const count = message.features.length + (message.wideFeatures?.length ?? 0);
    assert.ok(count <= Math.floor(room / 6));
  } else if (message.kind === 'unknown') {
    assert.equal(message.body.length, payload.length - 8);
  }
}

const envelope = (vendor: string, selector: number, version: number): number[] => [
  ...Array.from(vendor, (c) => c.charCodeAt(0)),
  selector & 0xff,
  selector >> 8,
  version & 0xff,
  version >> 8,
];

const typedEnvelope = fc
  .constantFrom(...VENDOR_MESSAGE_TYPES)
  .map(({ vendor, selector, version }) => envelope(vendor, selector, version));

test('VM-3 fuzz: arbitrary payloads never make the decoder throw', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), check), { numRuns: FUZZ_RUNS });
});

test('VM-3 fuzz: every typed envelope with an arbitrary body never makes the decoder throw', () => {
  fc.assert(
    fc.property(
      typedEnvelope,
      fc.oneof(fc.uint8Array({ maxLength: 24 }), fc.uint8Array({ maxLength: 400 })),
      (head, body) => check(Uint8Array.of(...head, ...body)),
    ),
    { numRuns: FUZZ_RUNS },
  );
});

test('VM-7 fuzz: claimed entry counts never yield more entries than the bytes hold', () => {
  const NUL = '\0\0\0\0';
  const lists = fc.constantFrom(
    { head: envelope(NUL, 0, 0), size: 8 },
    { head: envelope(NUL, 10, 0), size: 6 },
    { head: envelope(NUL, 10, 1), size: 6 },
  );
  /** k entries of `size` bytes under a count that is k, near k, or anything. */
  const vector = (size: number) =>
    fc
      .integer({ min: 0, max: 30 })
      .chain((k) =>
        fc
          .tuple(
            fc.oneof(
              fc.constant(k),
              fc.constant(k + 1),
              fc.constant(Math.max(0, k - 1)),
              fc.integer({ min: 0, max: 0xffff }),
            ),
            fc.uint8Array({ minLength: k * size, maxLength: k * size }),
          )
          .map(([count, entries]) => concat(Uint8Array.of(count & 0xff, count >> 8), entries)),
      );
  const none = fc.constant(new Uint8Array());
  let decoded = 0;
  fc.assert(
    fc.property(
      lists.chain(({ head, size }) =>
        fc.tuple(
          fc.constant(Uint8Array.from(head)),
          vector(size),
          // LimeWire's second vector, after Features Supported only.
          size === 6 ? fc.oneof(none, vector(8)) : none,
          fc.oneof(none, fc.uint8Array({ maxLength: 3 })),
        ),
      ),
      (parts) => {
        const payload = concat(...parts);
        check(payload);
        if (decodeVendorMessage(payload).ok) decoded++;
      },
    ),
    { numRuns: FUZZ_RUNS },
  );
  assert.ok(decoded > 0, 'some generated lists must be well-formed');
});
