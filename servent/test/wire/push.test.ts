import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  decodeHeader,
  decodePush,
  encodeMessage,
  encodePush,
  FW_TO_FW_INDEX,
  type GgepExtension,
  guidToHex,
  MessageType,
  type Push,
} from '../../src/core/wire/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { concat, fromHex } from './hex.js';
import * as spec from './vectors.js';

/** Decodes a whole Push message and checks header + payload re-encode byte-identically. */
function roundTrip(message: Uint8Array): Push {
  const header = decodeHeader(message);
  assert.ok(header.ok);
  assert.equal(header.value.type, MessageType.Push);
  const push = decodePush(message.subarray(23));
  assert.ok(push.ok, push.ok ? '' : push.error.message);
  const { length: _, ...fields } = header.value;
  assert.deepEqual(encodeMessage(fields, encodePush(push.value)), message);
  return push.value;
}

const failsWith = (payload: Uint8Array, code: string, clause: string): void => {
  const result = decodePush(payload);
  assert.ok(!result.ok, `expected ${code}`);
  assert.equal(result.error.code, code);
  assert.equal(result.error.clause, clause);
};

test('MSG-32 §13.7 push: servent id and index 2 from the §13.6 hit, 198.51.100.7:6346, a new GUID', () => {
  const push = roundTrip(spec.push);
  assert.deepEqual(push, {
    serventId: spec.queryHit.subarray(-16),
    fileIndex: 2,
    address: '198.51.100.7',
    port: 6346,
    ggep: [],
  });
  const [pushHeader, hitHeader] = [decodeHeader(spec.push), decodeHeader(spec.queryHit)];
  assert.ok(pushHeader.ok && hitHeader.ok);
  assert.notEqual(guidToHex(pushHeader.value.guid), guidToHex(hitHeader.value.guid));
  assert.equal(spec.push.length, 23 + 26);
});

test('MSG-32 IPv4 in network order, port and index little-endian', () => {
  const payload = encodePush({
    serventId: new Uint8Array(16).fill(0xab),
    fileIndex: FW_TO_FW_INDEX,
    address: '208.17.50.4',
    port: 0x1234,
    ggep: [],
  });
  assert.deepEqual(payload.subarray(16), fromHex('fd ff ff 7f d0 11 32 04 34 12'));
});

test('MSG-32 a GGEP block after the 26 bytes (LimeWire TLS) is read and written back', () => {
  const payload = concat(spec.push.subarray(23), fromHex('c3 83 54 4c 53 40'));
  const push = decodePush(payload);
  assert.ok(push.ok);
  assert.deepEqual(push.value.ggep, [
    { id: 'TLS', data: new Uint8Array(), compressed: false, cobs: false },
  ]);
  assert.deepEqual(encodePush(push.value), payload);
});

test('MSG-32 GGEP-12 short payloads, non-GGEP tails, malformed GGEP and bytes after it fail (the Push is dropped)', () => {
  const base = spec.push.subarray(23);
  failsWith(base.subarray(0, 25), 'push-too-short', 'MSG-32');
  failsWith(concat(base, fromHex('00')), 'push-extension-not-ggep', 'MSG-32');
  failsWith(concat(base, fromHex('c3 93 54 4c 53 40')), 'ggep-reserved-bit', 'GGEP-12');
  failsWith(concat(base, fromHex('c3 83 54 4c 53 40 00')), 'push-trailing-bytes', 'MSG-32');
});

test('MSG-32 encoding bad fields is a UsageError', () => {
  const base: Push = {
    serventId: new Uint8Array(16),
    fileIndex: 0,
    address: '1.2.3.4',
    port: 1,
    ggep: [],
  };
  assert.throws(() => encodePush({ ...base, serventId: new Uint8Array(15) }), UsageError);
  assert.throws(() => encodePush({ ...base, fileIndex: 2 ** 32 }), UsageError);
  assert.throws(() => encodePush({ ...base, port: 65_536 }), UsageError);
  assert.throws(() => encodePush({ ...base, address: '1.2.3' }), UsageError);
});

const pushArbitrary: fc.Arbitrary<Push> = fc
  .record({
    serventId: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    fileIndex: fc.nat(),
    address: fc
      .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255))
      .map((parts) => parts.join('.')),
    port: fc.integer({ min: 0, max: 0xffff }),
    ggep: fc
      .boolean()
      .map((tls): GgepExtension[] =>
        tls ? [{ id: 'TLS', data: new Uint8Array(), compressed: false, cobs: false }] : [],
      ),
  })
  .map((push) => ({ ...push }));

test('MSG-32 decode(encode(push)) = push for generated pushes', () => {
  fc.assert(
    fc.property(pushArbitrary, (push) => {
      assert.deepEqual(decodePush(encodePush(push)), { ok: true, value: push });
    }),
    { numRuns: UNIT_RUNS },
  );
});

test('robustness: decodePush never throws on arbitrary bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      const result = decodePush(bytes);
      if (!result.ok) assert.match(result.error.code, /^(push|ggep)-/);
    }),
    { numRuns: UNIT_RUNS },
  );
});
