import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  decodeRouteTableUpdate,
  encodeRouteTableMessage,
  encodeRouteTableUpdate,
  type RouteTablePatch,
} from '../../src/core/qrp/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { concat, fromHex } from '../wire/hex.js';
import { decodeMessage } from './helpers.js';
import * as spec from './vectors.js';

test('QRP-2 QRP-3 §10.2 RESET (64 slots, infinity 7) decodes and re-encodes byte for byte', () => {
  assert.deepEqual(decodeMessage(spec.reset), { variant: 'reset', tableLength: 64, infinity: 7 });
  assert.deepEqual(
    encodeRouteTableMessage(spec.guid, { variant: 'reset', tableLength: 64, infinity: 7 }),
    spec.reset,
  );
});

test('QRP-2 QRP-5 §10.2 PATCH 1/1 uncompressed 4-bit decodes and re-encodes byte for byte', () => {
  const patch = decodeMessage(spec.patch4);
  assert.equal(patch.variant, 'patch');
  assert.deepEqual(
    { ...patch, data: undefined },
    {
      variant: 'patch',
      seqNo: 1,
      seqSize: 1,
      compressor: 0,
      entryBits: 4,
      data: undefined,
    },
  );
  assert.deepEqual(patch.data, spec.patch4.subarray(28));
  assert.deepEqual(encodeRouteTableMessage(spec.guid, patch), spec.patch4);
});

test('QRP-2 §10.2 PATCH 1/1 zlib decodes and re-encodes byte for byte', () => {
  const patch = decodeMessage(spec.patch4Zlib) as RouteTablePatch;
  assert.equal(patch.compressor, 1);
  assert.equal(patch.entryBits, 4);
  assert.equal(patch.data.length, 25);
});

test('QRP-2 QRP-5 §10.2 the two-message split decodes and re-encodes byte for byte', () => {
  for (const [index, payload] of spec.patch4SplitPayloads.entries()) {
    const message = concat(spec.guid, spec.patch4SplitHeaderTail, payload);
    const patch = decodeMessage(message) as RouteTablePatch;
    assert.equal(patch.seqNo, index + 1);
    assert.equal(patch.seqSize, 2);
    assert.equal(patch.data.length, 16);
  }
});

test('QRP-3 QRP-10 RESET lengths 2^0 … 2^31 and infinities 1 … 255 decode', () => {
  for (let bits = 0; bits <= 31; bits++) {
    const payload = encodeRouteTableUpdate({
      variant: 'reset',
      tableLength: 2 ** bits,
      infinity: 15,
    });
    const decoded = decodeRouteTableUpdate(payload);
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value, { variant: 'reset', tableLength: 2 ** bits, infinity: 15 });
  }
  for (const infinity of [1, 2, 7, 15, 255]) {
    assert.ok(
      decodeRouteTableUpdate(fromHex(`00 00 40 00 00 ${infinity.toString(16).padStart(2, '0')}`))
        .ok,
    );
  }
});

const refusals: [string, string, string, string][] = [
  ['empty payload', '', 'rtu-empty', 'QRP-2'],
  ['variant 2', '02 00 40 00 00 07', 'rtu-unknown-variant', 'QRP-2'],
  ['RESET of 5 bytes', '00 00 40 00 00', 'reset-bad-length', 'QRP-3'],
  [
    'RESET of 7 bytes (LimeWire would ignore the extra byte)',
    '00 00 40 00 00 07 00',
    'reset-bad-length',
    'QRP-3',
  ],
  ['RESET length 0', '00 00 00 00 00 07', 'reset-length-not-power-of-two', 'QRP-14'],
  ['RESET length 65535', '00 ff ff 00 00 07', 'reset-length-not-power-of-two', 'QRP-14'],
  ['RESET length 3·2^30', '00 00 00 00 c0 07', 'reset-length-not-power-of-two', 'QRP-14'],
  ['RESET infinity 0', '00 00 40 00 00 00', 'reset-infinity-zero', 'QRP-14'],
  ['PATCH without data', '01 01 01 00 04', 'patch-truncated', 'QRP-13'],
  ['PATCH seq no 0', '01 00 01 00 04 00', 'patch-bad-sequence', 'QRP-13'],
  ['PATCH seq size 0', '01 01 00 00 04 00', 'patch-bad-sequence', 'QRP-13'],
  ['PATCH seq no > seq size', '01 03 02 00 04 00', 'patch-bad-sequence', 'QRP-13'],
  ['PATCH compressor 2', '01 01 01 02 04 00', 'patch-bad-compressor', 'QRP-13'],
  [
    'PATCH entry bits 2 (gtk-gnutella only)',
    '01 01 01 00 02 00',
    'patch-unsupported-entry-bits',
    'QRP-13',
  ],
  ['PATCH entry bits 16', '01 01 01 00 10 00', 'patch-unsupported-entry-bits', 'QRP-13'],
];

for (const [what, hex, code, clause] of refusals) {
  test(`${clause} ${what} is ${code}`, () => {
    const result = decodeRouteTableUpdate(fromHex(hex));
    assert.ok(!result.ok);
    assert.equal(result.error.code, code);
    assert.equal(result.error.clause, clause);
  });
}

test('QRP-2 any payload that decodes re-encodes to the same bytes', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 12 }),
        fc
          .tuple(fc.constantFrom(0, 1), fc.uint8Array({ minLength: 5, maxLength: 40 }))
          .map(([variant, rest]) => concat(Uint8Array.of(variant), rest)),
      ),
      (payload) => {
        const result = decodeRouteTableUpdate(payload);
        if (result.ok) assert.deepEqual(encodeRouteTableUpdate(result.value), payload);
      },
    ),
    { numRuns: UNIT_RUNS },
  );
});

test('QRP-3 QRP-5 the encoder refuses what a decoder would refuse (UsageError)', () => {
  const patch: RouteTablePatch = {
    variant: 'patch',
    seqNo: 1,
    seqSize: 1,
    compressor: 0,
    entryBits: 4,
    data: Uint8Array.of(0),
  };
  assert.throws(
    () => encodeRouteTableUpdate({ variant: 'reset', tableLength: 48, infinity: 7 }),
    UsageError,
  );
  assert.throws(
    () => encodeRouteTableUpdate({ variant: 'reset', tableLength: 64, infinity: 0 }),
    UsageError,
  );
  assert.throws(
    () => encodeRouteTableUpdate({ variant: 'reset', tableLength: 2 ** 32, infinity: 7 }),
    UsageError,
  );
  assert.throws(() => encodeRouteTableUpdate({ ...patch, seqNo: 2 }), UsageError);
  assert.throws(() => encodeRouteTableUpdate({ ...patch, seqSize: 256, seqNo: 1 }), UsageError);
  assert.throws(() => encodeRouteTableUpdate({ ...patch, data: new Uint8Array() }), UsageError);
  assert.throws(() => encodeRouteTableUpdate({ ...patch, entryBits: 2 as 4 }), UsageError);
  assert.throws(() => encodeRouteTableUpdate({ ...patch, compressor: 2 as 0 }), UsageError);
});
