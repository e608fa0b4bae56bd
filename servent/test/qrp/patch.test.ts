import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  buildTable,
  type EntryBits,
  encodeRouteTableMessage,
  encodeRouteTableUpdate,
  fileKeywords,
  MAX_PATCH_CHUNK_BYTES,
  MAX_PATCH_MESSAGES,
  maxCompressedPatchBytes,
  type PatchOptions,
  QueryRouteTable,
  qrpHash,
  type RouteTablePatch,
  RouteTableReceiver,
  RouteTableSender,
  type RouteTableUpdate,
  routeTableUpdates,
} from '../../src/core/qrp/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { concat, fromHex } from '../wire/hex.js';
import { tablePair } from './arbitraries.js';
import { frames, presentSlotsOf } from './helpers.js';
import * as spec from './vectors.js';

/** The §10.2 table: LimeWire's keywords of `Gnutella Protocol.txt` in 64 slots. */
function specTable(infinity = 7): QueryRouteTable {
  const table = new QueryRouteTable({ bits: 6, infinity });
  for (const word of Object.keys(spec.lwKeywordSlots)) table.addKeyword(word);
  return table;
}

const patches = (updates: RouteTableUpdate[]) =>
  updates.filter((u): u is RouteTablePatch => u.variant === 'patch');

/** Feeds every update as payload bytes; returns the events, failing on any error. */
function receive(receiver: RouteTableReceiver, updates: RouteTableUpdate[]) {
  return updates.map((update) => {
    const result = receiver.handlePayload(encodeRouteTableUpdate(update));
    assert.ok(result.ok, result.ok ? '' : `${result.error.code}: ${result.error.message}`);
    return result.value;
  });
}

/** Feeds raw payloads; returns the last result. */
function feed(receiver: RouteTableReceiver, payloads: Uint8Array[]) {
  let last: ReturnType<RouteTableReceiver['handlePayload']> | undefined;
  for (const payload of payloads) last = receiver.handlePayload(payload);
  assert.ok(last);
  return last;
}

const payloadOf = (message: Uint8Array) => frames(message)[0]!.payload;

test('QRP-4 QRP-6 §10.2 the producer writes the spec’s RESET and 4-bit PATCH byte for byte', () => {
  const updates = routeTableUpdates(undefined, specTable(), { compression: 'none' });
  assert.deepEqual(
    updates.map((u) => encodeRouteTableMessage(spec.guid, u)),
    [spec.reset, spec.patch4],
  );
});

test('QRP-6 §10.2 compressed: ours and the spec’s zlib stream inflate to the same entries', () => {
  const [, patch, ...rest] = routeTableUpdates(undefined, specTable(), { compression: 'zlib' });
  assert.equal(rest.length, 0);
  assert.ok(patch?.variant === 'patch' && patch.compressor === 1);
  const specData = spec.patch4Zlib.subarray(28);
  assert.deepEqual(new Uint8Array(inflateSync(specData)), spec.patch4.subarray(28));
  assert.deepEqual(new Uint8Array(inflateSync(patch.data)), spec.patch4.subarray(28));
});

test('QRP-5 §10.2 split into 16-byte chunks: the spec’s two PATCH payloads', () => {
  const updates = patches(
    routeTableUpdates(undefined, specTable(), { compression: 'none', chunkBytes: 16 }),
  );
  assert.deepEqual(updates.map(encodeRouteTableUpdate), spec.patch4SplitPayloads);
});

test('QRP-6 §10.2 8-bit entries: −6 (0xfa) at the present slots', () => {
  const [patch] = patches(
    routeTableUpdates(undefined, specTable(), { compression: 'none', entryBits: 8 }),
  );
  assert.deepEqual(patch?.data, spec.entries8);
});

test('QRP-9 §10.2 a rename is one PATCH, no RESET, non-zero only at the changed slots; no change sends nothing', () => {
  const sender = new RouteTableSender({ compression: 'none' });
  assert.equal(sender.update(specTable())[0]?.variant, 'reset');
  assert.deepEqual(sender.update(specTable()), [], 'unchanged table');
  const renamed = new QueryRouteTable({ bits: 6, infinity: 7 });
  for (const word of Object.keys(spec.lwKeywordSlots)) if (word !== 'txt') renamed.addKeyword(word);
  renamed.addKeyword('pdf');
  assert.equal(qrpHash('pdf', 6), spec.renameSlots.pdf);
  const updates = sender.update(renamed);
  assert.equal(updates.length, 1);
  assert.deepEqual((updates[0] as RouteTablePatch).data, spec.renamePatch4Data);
  assert.ok(sender.lastSent?.equals(renamed));
});

test('QRP-3 QRP-6 QRP-20 §10.2 gtk-gnutella style: RESET with infinity 2, 4-bit and 1-bit data', () => {
  const table = specTable(2);
  const four = routeTableUpdates(undefined, table, { compression: 'none' });
  assert.deepEqual(encodeRouteTableUpdate(four[0]!), spec.gtkgResetPayload);
  assert.deepEqual((four[1] as RouteTablePatch).data, spec.gtkgData4);
  const one = routeTableUpdates(undefined, table, { compression: 'none', entryBits: 1 });
  assert.deepEqual((one[1] as RouteTablePatch).data, spec.gtkgData1);
});

test('QRP-7 QRP-10 the receiver assembles every §10.2 form into the table of slots {2, 6, 20, 27, 53, 61, 63}', () => {
  const forms: [string, Uint8Array[]][] = [
    ['4-bit', [payloadOf(spec.reset), payloadOf(spec.patch4)]],
    ['zlib', [payloadOf(spec.reset), payloadOf(spec.patch4Zlib)]],
    ['split', [payloadOf(spec.reset), ...spec.patch4SplitPayloads]],
    ['8-bit', [payloadOf(spec.reset), concat(fromHex('01 01 01 00 08'), spec.entries8)]],
    ['gtkg 4-bit', [spec.gtkgResetPayload, concat(fromHex('01 01 01 00 04'), spec.gtkgData4)]],
    ['gtkg 1-bit', [spec.gtkgResetPayload, concat(fromHex('01 01 01 00 01'), spec.gtkgData1)]],
  ];
  for (const [name, payloads] of forms) {
    const receiver = new RouteTableReceiver();
    const last = feed(receiver, payloads);
    assert.ok(last.ok && last.value.kind === 'table-installed', name);
    assert.deepEqual(presentSlotsOf(last.value.table), spec.presentSlots, name);
  }
});

test('QRP-7 applying our patches to an empty table gives exactly the slots of our keywords', () => {
  const names = ['Gnutella Protocol.txt', 'alpha_test_file.txt', 'Café – Naïve (live).flac'];
  const table = buildTable(
    names.map((name) => ({ name })),
    { bits: 16, infinity: 7 },
  );
  const receiver = new RouteTableReceiver();
  receive(receiver, routeTableUpdates(undefined, table));
  const expected = new Set(names.flatMap(fileKeywords).map((word) => qrpHash(word, 16)));
  assert.deepEqual(
    presentSlotsOf(receiver.table!),
    [...expected].sort((a, b) => a - b),
  );
});

test('QRP-4 §6.5 §6.6 RESET first, again when the size or infinity changes; an empty first table is a RESET alone', () => {
  const sender = new RouteTableSender();
  assert.deepEqual(sender.update(new QueryRouteTable({ bits: 8, infinity: 7 })), [
    { variant: 'reset', tableLength: 256, infinity: 7 },
  ]);
  const table = buildTable([{ name: 'x.txt' }], { bits: 8, infinity: 7 });
  const next = sender.update(table);
  assert.deepEqual(
    next.map((u) => u.variant),
    ['patch'],
    'same size: no RESET',
  );
  assert.equal((next[0] as RouteTablePatch).seqNo, 1);
  const bigger = sender.update(buildTable([{ name: 'x.txt' }], { bits: 9, infinity: 7 }));
  assert.deepEqual(
    bigger.map((u) => u.variant),
    ['reset', 'patch'],
  );
  const otherInfinity = sender.update(buildTable([{ name: 'x.txt' }], { bits: 9, infinity: 2 }));
  assert.deepEqual(
    otherInfinity.map((u) => u.variant),
    ['reset', 'patch'],
  );
});

test('QRP-5 QRP-8 sequences: consecutive seq nos, constant fields, seq size = count ≤ 255, payload ≤ 4096 + 5', () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ minLength: 1, maxLength: 10 }), { maxLength: 3000 }),
      fc.integer({ min: 3, max: 16 }),
      fc.constantFrom<PatchOptions['compression']>('zlib', 'none', 'smaller'),
      fc.option(fc.integer({ min: 1, max: MAX_PATCH_CHUNK_BYTES }), { nil: undefined }),
      (words, bits, compression, chunkBytes) => {
        const table = new QueryRouteTable({ bits, infinity: 7 });
        for (const word of words) table.addKeyword(word);
        let updates: RouteTableUpdate[];
        try {
          updates = patches(routeTableUpdates(undefined, table, { compression, chunkBytes }));
        } catch (error) {
          // Tiny chunks of a large uncompressed patch need more than 255 messages.
          assert.ok(error instanceof UsageError && /over 255/.test(error.message));
          return;
        }
        const limit = chunkBytes ?? 1024;
        for (const [index, patch] of patches(updates).entries()) {
          assert.equal(patch.seqNo, index + 1);
          assert.equal(patch.seqSize, updates.length);
          assert.ok(patch.seqSize <= 255);
          assert.equal(
            patch.compressor,
            updates[0]!.variant === 'patch' ? updates[0]!.compressor : -1,
          );
          assert.equal(patch.entryBits, 4);
          assert.ok(patch.data.length <= limit);
          assert.ok(encodeRouteTableUpdate(patch).length <= MAX_PATCH_CHUNK_BYTES + 5);
        }
      },
    ),
    { numRuns: UNIT_RUNS },
  );
});

test('§6.2 QRP-20 entry width: 4 bits when deltas fit a nibble, else 8; 1 bit only when asked', () => {
  const wide = buildTable([{ name: 'x.txt' }], { bits: 8, infinity: 12 });
  assert.equal(patches(routeTableUpdates(undefined, wide))[0]?.entryBits, 8, '−11 needs 8 bits');
  assert.equal(patches(routeTableUpdates(undefined, specTable(8)))[0]?.entryBits, 4, '−7 fits');
  assert.throws(
    () => routeTableUpdates(undefined, wide, { entryBits: 4 }),
    (e: unknown) => e instanceof UsageError && /do not fit 4-bit/.test(e.message),
  );
  const huge = buildTable([{ name: 'x.txt' }], { bits: 8, infinity: 200 });
  assert.throws(
    () => routeTableUpdates(undefined, huge),
    (e: unknown) => e instanceof UsageError && /±199 do not fit 8-bit/.test(e.message),
  );
  assert.equal(patches(routeTableUpdates(undefined, huge, { entryBits: 1 }))[0]?.entryBits, 1);
  assert.throws(() => routeTableUpdates(undefined, specTable(), { chunkBytes: 4097 }), UsageError);
  assert.throws(
    () => routeTableUpdates(undefined, new QueryRouteTable({ bits: 2, infinity: 7 })),
    UsageError,
  );
});

/** The smallest chunk that keeps any patch of this table, compressed or not, within 255 messages. */
const minimumChunk = (length: number, entryBits: EntryBits) =>
  Math.ceil(maxCompressedPatchBytes((length * entryBits) / 8) / MAX_PATCH_MESSAGES);

// A changed slot moves by ±(infinity − 1): 4 bits take infinity ≤ 8, 8 bits ≤ 128; toggles any.
const widths: [EntryBits, number][] = [
  [1, 255],
  [4, 8],
  [8, 128],
];
for (const [entryBits, maxInfinity] of widths) {
  test(`QRP-6 QRP-7 QRP-20 property: the patch from A to B (${entryBits}-bit, split, zlib or not) turns A into B`, () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 3, max: 9 })
          .chain((bits) =>
            fc.integer({ min: 1, max: maxInfinity }).chain((infinity) => tablePair(bits, infinity)),
          ),
        fc.constantFrom<PatchOptions['compression']>('zlib', 'none', 'smaller'),
        fc.integer({ min: 1, max: 64 }),
        ([a, b], compression, chunk) => {
          const chunkBytes = Math.max(chunk, minimumChunk(a.length, entryBits));
          const receiver = new RouteTableReceiver();
          const options = { entryBits, compression, chunkBytes };
          const first = routeTableUpdates(undefined, a, options);
          const second = routeTableUpdates(a, b, options);
          assert.ok(second.every((u) => u.variant === 'patch'));
          receive(receiver, [...first, ...second]);
          assert.ok(receiver.table?.equals(b) ?? b.presentCount() === 0);
        },
      ),
      { numRuns: UNIT_RUNS },
    );
  });
}

test('QRP-7 §4.2 the receiver reads deltas by sign, as LimeWire and gtk-gnutella do: −1 adds, +1 removes', () => {
  const receiver = new RouteTableReceiver();
  // Slot 0 becomes present by a full swing (−6), slot 1 by −1: both present at infinity 7.
  const added = feed(receiver, [
    fromHex('00 08 00 00 00 07'),
    fromHex('01 01 01 00 08 fa ff 00 00 00 00 00 00'),
  ]);
  assert.ok(added.ok && added.value.kind === 'table-installed');
  assert.deepEqual(presentSlotsOf(added.value.table), [0, 1]);
  // +1 on slot 0 (hop 1 → 2 in the arithmetic of the original design) removes it all the same.
  const removed = feed(receiver, [fromHex('01 01 01 00 08 01 00 00 00 00 00 00 00')]);
  assert.ok(removed.ok && removed.value.kind === 'table-installed');
  assert.deepEqual(presentSlotsOf(removed.value.table), [1]);
});

test('QRP-10 the receiver takes 2^14 … 2^21 slots, infinities 1 … 15, 4 and 8 bits, zlib or not, 1-byte chunks', () => {
  const words = ['gnutella', 'limewire', 'a', 'mp3', '日本'];
  for (let bits = 14; bits <= 21; bits++) {
    for (const infinity of [1, 2, 7, 8, 15]) {
      const table = new QueryRouteTable({ bits, infinity });
      for (const word of words) table.addKeyword(word);
      for (const entryBits of infinity <= 8 ? [4, 8] : [8]) {
        const receiver = new RouteTableReceiver();
        receive(
          receiver,
          routeTableUpdates(undefined, table, {
            entryBits: entryBits as EntryBits,
            compression: 'zlib',
            chunkBytes: 4096,
          }),
        );
        assert.ok(receiver.table?.equals(table), `2^${bits} inf ${infinity} ${entryBits}-bit`);
      }
    }
  }
  // Uncompressed, in messages as large as a peer may send (64 KiB payloads).
  const big = new QueryRouteTable({ bits: 21, infinity: 7 });
  for (const word of words) big.addKeyword(word);
  // 2^20 bytes of 4-bit entries: −6 (0xa) in the nibble of each present slot.
  const data = new Uint8Array(2 ** 20);
  for (const slot of presentSlotsOf(big)) data[slot >>> 1]! |= slot & 1 ? 0x0a : 0xa0;
  const chunk = 65_000;
  const seqSize = Math.ceil(data.length / chunk);
  const receiver = new RouteTableReceiver();
  receive(receiver, [
    { variant: 'reset', tableLength: 2 ** 21, infinity: 7 },
    ...Array.from(
      { length: seqSize },
      (_, i): RouteTablePatch => ({
        variant: 'patch',
        seqNo: i + 1,
        seqSize,
        compressor: 0,
        entryBits: 4,
        data: data.subarray(i * chunk, (i + 1) * chunk),
      }),
    ),
  ]);
  assert.ok(receiver.table?.equals(big));
  // One-byte chunks of a compressed patch.
  const small = buildTable([{ name: 'Gnutella Protocol.txt' }], { bits: 14, infinity: 2 });
  const tiny = routeTableUpdates(undefined, small, { compression: 'zlib', chunkBytes: 1 });
  assert.ok(tiny.length > 20);
  const one = new RouteTableReceiver();
  receive(one, tiny);
  assert.ok(one.table?.equals(small));
});

test('QRP-10 a RESET past the bound is refused: 2^22 slots, or past maxTableSlots', () => {
  const receiver = new RouteTableReceiver();
  const result = receiver.handleUpdate({ variant: 'reset', tableLength: 2 ** 22, infinity: 7 });
  assert.ok(!result.ok);
  assert.equal(result.error.code, 'reset-table-too-large');
  assert.equal(result.error.clause, 'QRP-10');
  const small = new RouteTableReceiver({ maxTableSlots: 2 ** 16 });
  assert.ok(!small.handleUpdate({ variant: 'reset', tableLength: 2 ** 17, infinity: 7 }).ok);
  assert.throws(() => new RouteTableReceiver({ maxTableSlots: 2 ** 22 }), UsageError);
});

test('QRP-11 QRP-15 no table until a sequence completes; a RESET drops the table', () => {
  const receiver = new RouteTableReceiver();
  const table = buildTable([{ name: 'Gnutella Protocol.txt' }], { bits: 10, infinity: 7 });
  const updates = routeTableUpdates(undefined, table, { compression: 'none', chunkBytes: 100 });
  assert.equal(updates.length, 7);
  const events = receive(receiver, updates.slice(0, -1));
  assert.deepEqual(events[0], { kind: 'reset', shape: { bits: 10, infinity: 7 } });
  assert.deepEqual(events[1], { kind: 'patch-buffered', seqNo: 1, seqSize: 6 });
  assert.ok(receiver.table === undefined, 'incomplete');
  assert.equal(receiver.bufferedBytes, 500);
  const [done] = receive(receiver, updates.slice(-1));
  assert.ok(done?.kind === 'table-installed');
  const installed = done.table;
  assert.equal(receiver.table, installed);
  assert.ok(installed.equals(table));
  receive(receiver, [{ variant: 'reset', tableLength: 1024, infinity: 7 }]);
  assert.ok(receiver.table === undefined, 'RESET(n) without PATCH');
  assert.ok(installed.equals(table), 'a table handed out is never changed');
});

test('QRP-9 an incremental sequence replaces the table only when it completes', () => {
  const receiver = new RouteTableReceiver();
  const a = buildTable([{ name: 'alpha.txt' }], { bits: 10, infinity: 7 });
  const b = buildTable([{ name: 'alpha.txt' }, { name: 'bravo.txt' }], { bits: 10, infinity: 7 });
  receive(receiver, routeTableUpdates(undefined, a));
  const before = receiver.table;
  const step = routeTableUpdates(a, b, { compression: 'none', chunkBytes: 200 });
  receive(receiver, step.slice(0, -1));
  assert.equal(receiver.table, before, 'the old table routes meanwhile');
  receive(receiver, step.slice(-1));
  assert.ok(receiver.table?.equals(b));
  assert.ok(before?.equals(a));
});

/** A receiver after RESET(64, 7) and, optionally, PATCH 1/2. */
function midSequence(entryBits = 4, compressor = 0) {
  const receiver = new RouteTableReceiver();
  feed(receiver, [payloadOf(spec.reset), fromHex(`01 01 02 0${compressor} 0${entryBits} 00 00`)]);
  return receiver;
}

function feedReset() {
  const receiver = new RouteTableReceiver();
  feed(receiver, [payloadOf(spec.reset)]);
  return receiver;
}
const zlib = (n: number) => new Uint8Array(deflateSync(new Uint8Array(n)));
const rawDeflate = (n: number) =>
  new Uint8Array(deflateSync(new Uint8Array(n), { windowBits: 15 })).subarray(2, -4);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const sequenceErrors: [string, () => RouteTableReceiver, string, string, string][] = [
  [
    'PATCH before any RESET',
    () => new RouteTableReceiver(),
    '01 01 01 00 04 00',
    'patch-without-reset',
    'QRP-4',
  ],
  [
    'sequence starting at 2',
    () => feedReset(),
    '01 02 02 00 04 00',
    'patch-out-of-order',
    'QRP-13',
  ],
  ['seq no repeated', () => midSequence(), '01 01 02 00 04 00', 'patch-out-of-order', 'QRP-13'],
  ['seq no skipped', () => midSequence(), '01 03 03 00 04 00', 'patch-out-of-order', 'QRP-13'],
  [
    'seq size changed',
    () => midSequence(),
    '01 02 03 00 04 00',
    'patch-sequence-changed',
    'QRP-13',
  ],
  [
    'entry bits changed',
    () => midSequence(),
    '01 02 02 00 08 00',
    'patch-sequence-changed',
    'QRP-13',
  ],
  [
    'compressor changed',
    () => midSequence(),
    '01 02 02 01 04 00',
    'patch-sequence-changed',
    'QRP-13',
  ],
  [
    'more 4-bit entries than slots',
    () => feedReset(),
    `01 01 01 00 04 ${'00 '.repeat(33)}`,
    'patch-overflow',
    'QRP-13',
  ],
  [
    'fewer entries than slots',
    () => feedReset(),
    `01 01 01 00 04 ${'00 '.repeat(31)}`,
    'patch-too-short',
    'QRP-6',
  ],
  [
    'corrupt zlib stream',
    () => feedReset(),
    '01 01 01 01 04 78 9c ff ff ff',
    'patch-bad-zlib',
    'QRP-13',
  ],
  [
    'raw deflate instead of zlib',
    () => feedReset(),
    `01 01 01 01 04 ${hex(rawDeflate(32))}`,
    'patch-bad-zlib',
    'QRP-13',
  ],
  [
    'zlib stream cut short',
    () => feedReset(),
    `01 01 01 01 04 ${hex(zlib(32).subarray(0, 8))}`,
    'patch-bad-zlib',
    'QRP-13',
  ],
  [
    'zlib stream inflating past the table',
    () => feedReset(),
    `01 01 01 01 04 ${hex(zlib(33))}`,
    'patch-overflow',
    'QRP-13',
  ],
  [
    'zlib stream inflating short of the table',
    () => feedReset(),
    `01 01 01 01 04 ${hex(zlib(31))}`,
    'patch-too-short',
    'QRP-6',
  ],
  [
    'bytes after the zlib stream',
    () => feedReset(),
    `01 01 01 01 04 ${hex(zlib(32))} 00`,
    'patch-trailing-data',
    'QRP-6',
  ],
  [
    'compressed data far larger than the patch',
    () => feedReset(),
    `01 01 01 01 04 ${'00 '.repeat(200)}`,
    'patch-too-large',
    'QRP-13',
  ],
];

for (const [what, setup, patchHex, code, clause] of sequenceErrors) {
  test(`${clause} ${what}: ${code}, the table is dropped, a RESET starts over`, () => {
    const receiver = setup();
    const result = receiver.handlePayload(fromHex(patchHex));
    assert.ok(!result.ok);
    assert.equal(result.error.code, code);
    assert.equal(result.error.clause, clause);
    assert.equal(receiver.table, undefined);
    assert.equal(receiver.shape, undefined);
    assert.equal(receiver.bufferedBytes, 0);
    const after = receiver.handlePayload(fromHex('01 01 01 00 04 00'));
    assert.ok(!after.ok && after.error.code === 'patch-without-reset');
    const again = feed(receiver, [payloadOf(spec.reset), payloadOf(spec.patch4)]);
    assert.ok(again.ok && again.value.kind === 'table-installed');
  });
}

test('QRP-13 QRP-14 an error after a complete table stops its use', () => {
  const receiver = new RouteTableReceiver();
  feed(receiver, [payloadOf(spec.reset), payloadOf(spec.patch4)]);
  assert.ok(receiver.table);
  const result = receiver.handlePayload(fromHex('00 30 00 00 00 07'));
  assert.ok(!result.ok && result.error.clause === 'QRP-14');
  assert.equal(receiver.table, undefined);
});
