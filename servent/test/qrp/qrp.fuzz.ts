/**
 * Robustness of the QRP decoders under FUZZ_RUNS cases each (`npm run fuzz`):
 * arbitrary ROUTE_TABLE_UPDATE payloads and patch sequences never throw, every
 * refusal is a typed ProtocolError citing a QRP clause, and the receiver never
 * holds more than the bound its RESET allows (constants.ts). Zlib bombs end in
 * a typed error without being inflated.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constants, deflateRawSync, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { ProtocolError, type Result } from '../../src/core/errors.js';
import { patchBytes } from '../../src/core/qrp/entries.js';
import {
  decodeRouteTableUpdate,
  encodeRouteTableUpdate,
  MAX_TABLE_SLOTS,
  maxCompressedPatchBytes,
  QueryRouteTable,
  type ReceiverEvent,
  RouteTableReceiver,
  routeTableUpdates,
} from '../../src/core/qrp/index.js';
import { FUZZ_RUNS } from '../fuzz-runs.js';
import { concat } from '../wire/hex.js';

const runs = { numRuns: FUZZ_RUNS };

function checkResult(result: Result<unknown>): void {
  if (result.ok) return;
  assert.ok(result.error instanceof ProtocolError);
  assert.match(result.error.code, /^[a-z0-9-]+$/);
  assert.match(result.error.clause ?? '', /^QRP-\d+$/);
}

/** The receiver's memory bound (patch-receiver.ts): its table and at most this much buffered data. */
function checkBounds(receiver: RouteTableReceiver): void {
  const shape = receiver.shape;
  if (shape === undefined) {
    assert.equal(receiver.table, undefined);
    return;
  }
  const length = 2 ** shape.bits;
  assert.ok(length <= MAX_TABLE_SLOTS);
  assert.ok(receiver.bufferedBytes <= maxCompressedPatchBytes(patchBytes(length, 8)));
  if (receiver.table) assert.equal(receiver.table.length, length);
}

test('fuzz QRP-2 QRP-3 QRP-13 QRP-14: arbitrary payloads decode or fail typed; decoded ones re-encode exactly', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        fc
          .tuple(fc.constantFrom(0, 1), fc.uint8Array({ minLength: 4, maxLength: 64 }))
          .map(([v, rest]) => concat(Uint8Array.of(v), rest)),
      ),
      (payload) => {
        const result = decodeRouteTableUpdate(payload);
        checkResult(result);
        if (result.ok) assert.deepEqual(encodeRouteTableUpdate(result.value), payload);
      },
    ),
    runs,
  );
});

/** RESETs small enough to fill often, now and then the largest and one too large. */
const resetPayload = fc
  .tuple(
    fc.oneof({ weight: 20, arbitrary: fc.nat({ max: 10 }) }, fc.constantFrom(21, 22, 31)),
    fc.nat({ max: 16 }),
  )
  .map(([bits, infinity]) => {
    const payload = new Uint8Array(6);
    new DataView(payload.buffer).setUint32(1, 2 ** bits, true);
    payload[5] = infinity;
    return payload;
  });

/** PATCHes with plausible headers and data that is noise, a zlib stream of noise, or zeros. */
const patchPayload = fc
  .record({
    seqNo: fc.nat({ max: 4 }),
    seqSize: fc.nat({ max: 4 }),
    compressor: fc.nat({ max: 2 }),
    entryBits: fc.constantFrom(1, 2, 4, 8),
    data: fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      fc.uint8Array({ maxLength: 600 }).map((bytes) => new Uint8Array(deflateSync(bytes))),
      fc.nat({ max: 2048 }).map((n) => new Uint8Array(deflateSync(new Uint8Array(n)))),
    ),
  })
  .map(({ seqNo, seqSize, compressor, entryBits, data }) =>
    concat(Uint8Array.of(1, seqNo, seqSize, compressor, entryBits), data),
  );

test('fuzz QRP-10 QRP-13 QRP-14: arbitrary update sequences never throw and stay within the bound', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(resetPayload, patchPayload, fc.uint8Array({ maxLength: 40 })), {
        maxLength: 12,
      }),
      (payloads) => {
        const receiver = new RouteTableReceiver();
        for (const payload of payloads) {
          checkResult(receiver.handlePayload(payload));
          checkBounds(receiver);
        }
      },
    ),
    runs,
  );
});

/** A valid RESET + PATCH sequence for a random small table, as payloads. */
const validSequence = fc
  .record({
    bits: fc.integer({ min: 3, max: 10 }),
    infinity: fc.integer({ min: 1, max: 7 }),
    words: fc.array(fc.string({ maxLength: 8 }), { maxLength: 30 }),
    entryBits: fc.constantFrom(1 as const, 4 as const, 8 as const),
    compression: fc.constantFrom('zlib' as const, 'none' as const),
    chunkBytes: fc.integer({ min: 16, max: 200 }),
  })
  .map(({ bits, infinity, words, ...options }) => {
    const table = new QueryRouteTable({ bits, infinity });
    for (const word of words) table.addKeyword(word);
    return {
      table,
      payloads: routeTableUpdates(undefined, table, options).map(encodeRouteTableUpdate),
    };
  });

test('fuzz QRP-6 QRP-13: valid sequences with one byte changed, a message dropped or repeated never throw', () => {
  fc.assert(
    fc.property(
      validSequence,
      fc.nat(),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      fc.constantFrom('flip', 'drop', 'repeat', 'none'),
      ({ table, payloads }, at, offset, xor, change) => {
        const index = at % payloads.length;
        const changed = payloads.map((p) => p.slice());
        if (change === 'flip') changed[index]![offset % changed[index]!.length]! ^= xor;
        else if (change === 'drop') changed.splice(index, 1);
        else if (change === 'repeat') changed.splice(index, 0, changed[index]!);
        const receiver = new RouteTableReceiver();
        let last: Result<ReceiverEvent> | undefined;
        for (const payload of changed) {
          last = receiver.handlePayload(payload);
          checkResult(last);
          checkBounds(receiver);
        }
        if (change === 'none')
          assert.ok(receiver.table?.equals(table) ?? table.presentCount() === 0);
      },
    ),
    runs,
  );
});

/**
 * A zlib stream of `mebibytes` MiB of zeros built without holding them: one
 * sync-flushed deflate block of 1 MiB of zeros (its back-references stay
 * inside zeros), repeated, then an empty final block and the Adler-32 of the
 * whole (a = 1, b = length mod 65521).
 */
function zlibBomb(mebibytes: number): Uint8Array {
  const block = new Uint8Array(
    deflateRawSync(new Uint8Array(1 << 20), { level: 9, finishFlush: constants.Z_SYNC_FLUSH }),
  );
  const out = new Uint8Array(2 + block.length * mebibytes + 2 + 4);
  out.set([0x78, 0xda]);
  for (let i = 0; i < mebibytes; i++) out.set(block, 2 + i * block.length);
  const end = 2 + block.length * mebibytes;
  out.set([0x03, 0x00], end);
  const b = (mebibytes * 2 ** 20) % 65521;
  new DataView(out.buffer).setUint32(end + 2, ((b << 16) | 1) >>> 0);
  return out;
}

/** Cuts `data` into PATCH payloads of at most 60 000 data bytes. */
function patchSequence(data: Uint8Array, entryBits: number): Uint8Array[] {
  const chunk = 60_000;
  const seqSize = Math.ceil(data.length / chunk);
  return Array.from({ length: seqSize }, (_, i) =>
    concat(
      Uint8Array.of(1, i + 1, seqSize, 1, entryBits),
      data.subarray(i * chunk, (i + 1) * chunk),
    ),
  );
}

const reset = (slots: number) =>
  encodeRouteTableUpdate({ variant: 'reset', tableLength: slots, infinity: 7 });

test('fuzz helper: the bomb is a real zlib stream (4 MiB version inflates in full)', async () => {
  const { inflateSync } = await import('node:zlib');
  assert.equal(inflateSync(zlibBomb(4)).length, 4 * 2 ** 20);
});

test('QRP-13 a zlib bomb larger than the compressed bound is refused before inflating: patch-too-large', () => {
  const bomb = zlibBomb(64); // 64 MiB of zeros in ~64 KiB
  const receiver = new RouteTableReceiver();
  assert.ok(receiver.handlePayload(reset(2 ** 14)).ok);
  const [first] = patchSequence(bomb, 4);
  const result = receiver.handlePayload(first!);
  assert.ok(!result.ok);
  assert.equal(result.error.code, 'patch-too-large');
  assert.equal(result.error.clause, 'QRP-13');
  assert.equal(receiver.bufferedBytes, 0);
});

test('QRP-13 a 1 GiB zlib bomb inside the compressed bound inflates no further than the table: patch-overflow', () => {
  const bomb = zlibBomb(1024); // 1 GiB of zeros in ~1 MiB, under the 2.25 MiB bound of a 2^21-slot 8-bit patch
  const receiver = new RouteTableReceiver();
  assert.ok(receiver.handlePayload(reset(2 ** 21)).ok);
  const before = process.resourceUsage().maxRSS;
  const started = performance.now();
  const results = patchSequence(bomb, 8).map((p) => receiver.handlePayload(p));
  const elapsed = performance.now() - started;
  const last = results.at(-1)!;
  assert.ok(!last.ok);
  assert.equal(last.error.code, 'patch-overflow');
  assert.equal(last.error.clause, 'QRP-13');
  assert.ok(results.slice(0, -1).every((r) => r.ok));
  // Inflating it all would raise the peak resident set by at least 1 GiB.
  const grownKiB = process.resourceUsage().maxRSS - before;
  assert.ok(grownKiB < 64 * 1024, `peak RSS grew by ${grownKiB} KiB`);
  console.log(
    `1 GiB bomb (${bomb.length} bytes) refused in ${elapsed.toFixed(1)} ms; peak RSS ${before} KiB before, +${grownKiB} KiB`,
  );
});
