import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  buildMessagesSupported,
  decodeVendorMessage,
  encodeVendorFrame,
  encodeVendorMessage,
  vendorMessageId,
  vendorSupport,
} from '../../../src/core/wire/vendor/index.js';
import { UNIT_RUNS } from '../../fuzz-runs.js';
import { anyVendorMessage, generated } from './arbitraries.js';

for (const { label, clause, arbitrary } of generated) {
  test(`${clause} property: decode(encode(m)) equals m for ${label}`, () => {
    fc.assert(
      fc.property(arbitrary, (message) => {
        const payload = encodeVendorMessage(message);
        const decoded = decodeVendorMessage(payload);
        assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
        assert.deepEqual(decoded.value, message);
        assert.deepEqual(vendorMessageId(decoded.value), vendorMessageId(message));
      }),
      { numRuns: UNIT_RUNS },
    );
  });
}

test('VM-1 property: every encoded frame has TTL 1, Hops 0 and its payload length', () => {
  fc.assert(
    fc.property(
      anyVendorMessage,
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.constantFrom(0x31, 0x32),
      (message, guid, type) => {
        const frame = encodeVendorFrame(message, guid, type);
        assert.deepEqual(frame.subarray(0, 16), guid);
        assert.deepEqual([frame[16], frame[17], frame[18]], [type, 1, 0]);
        assert.equal(frame.length - 23, encodeVendorMessage(message).length);
        assert.ok(frame.length - 23 >= 8);
      },
    ),
    { numRuns: UNIT_RUNS },
  );
});

test('VM-6 VM-7 property: a built list round-trips and the lookup gives the highest version per pair', () => {
  const id = fc.record({
    vendor: fc.constantFrom('BEAR', 'GTKG', 'LIME', 'bear'),
    selector: fc.integer({ min: 0, max: 30 }),
    version: fc.integer({ min: 0, max: 5 }),
  });
  fc.assert(
    fc.property(fc.array(id, { maxLength: 60 }), (table) => {
      const built = buildMessagesSupported(table);
      const decoded = decodeVendorMessage(encodeVendorMessage(built));
      assert.ok(decoded.ok && decoded.value.kind === 'messages-supported');
      assert.deepEqual(decoded.value, built);
      const support = vendorSupport(decoded.value);
      for (const { vendor, selector } of table) {
        const versions = table
          .filter((e) => e.vendor === vendor && e.selector === selector)
          .map((e) => e.version);
        assert.equal(support.supports(vendor, selector), Math.max(...versions));
      }
    }),
    { numRuns: UNIT_RUNS },
  );
});
