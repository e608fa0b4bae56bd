/**
 * gtk-gnutella 1.2.3 leaf B's real QRP frames (shared/recordings/gtk-gnutella-1.2.3/plain/):
 * decoded and re-encoded byte for byte, assembled into the tables B announced,
 * and checked against what we know independently — the names of B's shared
 * files, hashed with the §10.1-checked function.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';
import {
  fileKeywords,
  prepareQuery,
  QueryRouteTable,
  qrpHash,
  type RouteTablePatch,
  RouteTableReceiver,
  routeTableUpdates,
} from '../../src/core/qrp/index.js';
import { encodeMessage, MessageType } from '../../src/core/wire/index.js';
import { S00, S04, s04In4 } from '../wire/recorded.js';
import { decodeMessage, frames, presentSlotsOf } from './helpers.js';
import { s00In7, s00In8, s04In11 } from './recorded-qrp.js';

/**
 * gtk-gnutella's keywords for B's three files, by hand from qrp.md §2.3–2.4:
 * words split on non-alphanumerics, extension included, prefixes cut while
 * longer than 3 bytes.
 */
const bKeywords = [
  ...['alpha', 'alph', 'test', 'file', 'txt'],
  ...['bravo', 'brav', 'bin'],
  ...['charlie', 'charli', 'charl', 'char', 'song', 'mp3'],
];
/** The same for `delta_ultra_file.txt`, which B seeds after downloading it from A (shell_B_downloads.txt). */
const deltaKeywords = ['delta', 'delt', 'ultra', 'ultr'];
const bFiles = ['alpha_test_file.txt', 'bravo_test_file.bin', 'charlie_song_test.mp3'];

const slots14 = (words: string[]) =>
  [...new Set(words.map((w) => qrpHash(w, 14)))].sort((a, b) => a - b);

/** s04 frame 4 holds B's RESET, its PATCH, then a Ping and four vendor messages. */
const s04Frames = frames(s04In4);
const s04Messages = s04Frames.map(({ header, payload }) => {
  const { length: _, ...fields } = header;
  return encodeMessage(fields, payload);
});

test(`QRP-2 QRP-3 ${S00} frames 7, 8: B's first RESET (16384, infinity 1) and 1-bit PATCH re-encode byte for byte`, () => {
  assert.deepEqual(decodeMessage(s00In7), { variant: 'reset', tableLength: 16384, infinity: 1 });
  const patch = decodeMessage(s00In8) as RouteTablePatch;
  assert.deepEqual(
    { ...patch, data: patch.data.length },
    {
      variant: 'patch',
      seqNo: 1,
      seqSize: 1,
      compressor: 1,
      entryBits: 1,
      data: 59,
    },
  );
});

test(`QRP-2 QRP-3 ${S04} frame 4: B's RESET (16384, infinity 2) and 4-bit PATCH re-encode byte for byte`, () => {
  assert.deepEqual(
    s04Frames.map((f) => f.header.type),
    [
      MessageType.RouteTableUpdate,
      MessageType.RouteTableUpdate,
      MessageType.Ping,
      0x31,
      0x31,
      0x31,
      0x31,
    ],
  );
  assert.deepEqual(decodeMessage(s04Messages[0]!), {
    variant: 'reset',
    tableLength: 16384,
    infinity: 2,
  });
  const patch = decodeMessage(s04Messages[1]!) as RouteTablePatch;
  assert.deepEqual(
    { ...patch, data: patch.data.length },
    {
      variant: 'patch',
      seqNo: 1,
      seqSize: 1,
      compressor: 1,
      entryBits: 4,
      data: 62,
    },
  );
});

test(`QRP-6 QRP-7 ${S00} frames 7–8: B's 1-bit table is exactly the 14 slots of its files' keywords`, () => {
  const receiver = new RouteTableReceiver();
  for (const message of [s00In7, s00In8])
    assert.ok(receiver.handlePayload(frames(message)[0]!.payload).ok);
  const table = receiver.table!;
  assert.equal(table.length, 16384);
  assert.equal(table.presentCount(), 14);
  assert.deepEqual(presentSlotsOf(table), slots14(bKeywords));
  // Exactly table-length entries: 16384 bits.
  assert.equal(inflateSync((decodeMessage(s00In8) as RouteTablePatch).data).length, 2048);
});

test(`QRP-6 QRP-7 ${S04} frame 4: B's 4-bit table holds the same 14 slots at one hop, the rest at infinity 2`, () => {
  const receiver = new RouteTableReceiver();
  for (const message of s04Messages.slice(0, 2))
    assert.ok(receiver.handlePayload(frames(message)[0]!.payload).ok);
  const table = receiver.table!;
  assert.deepEqual(presentSlotsOf(table), slots14(bKeywords));
  const values = new Map<number, number>();
  for (let slot = 0; slot < table.length; slot++) {
    const value = table.valueAt(slot);
    values.set(value, (values.get(value) ?? 0) + 1);
  }
  assert.deepEqual([...values].sort(), [
    [1, 14],
    [2, 16370],
  ]);
  assert.equal(inflateSync((decodeMessage(s04Messages[1]!) as RouteTablePatch).data).length, 8192);
  // A passed B the query "alpha" (s04 frame 6, out) and B answered it (frame 8): the table agrees.
  assert.ok(table.matches(prepareQuery({ text: 'alpha' })));
  assert.ok(table.matches(prepareQuery({ text: 'charlie song' })));
  assert.ok(!table.matches(prepareQuery({ text: 'delta' })));
});

test(`QRP-7 QRP-19 our keywords for B's files cover every slot of B's table`, () => {
  const ours = new QueryRouteTable({ bits: 14, infinity: 2 });
  for (const name of bFiles) ours.addFile({ name });
  for (const slot of slots14(bKeywords)) assert.ok(ours.isPresent(slot), `slot ${slot}`);
  for (const name of bFiles) {
    const keywords = fileKeywords(name);
    for (const word of bKeywords.filter((w) => name.includes(w)))
      assert.ok(keywords.includes(word), word);
  }
});

test(`QRP-6 ${S00} ${S04}: our producer packs B's tables into the same entries gtk-gnutella did`, () => {
  const table = (infinity: number) => {
    const t = new QueryRouteTable({ bits: 14, infinity });
    for (const word of bKeywords) t.addKeyword(word);
    return t;
  };
  const entries = (patch: RouteTablePatch) => new Uint8Array(inflateSync(patch.data));
  const [, one] = routeTableUpdates(undefined, table(1), { entryBits: 1, compression: 'zlib' });
  assert.deepEqual(
    entries(one as RouteTablePatch),
    entries(decodeMessage(s00In8) as RouteTablePatch),
  );
  const [, four] = routeTableUpdates(undefined, table(2), { compression: 'zlib' });
  assert.equal((four as RouteTablePatch).entryBits, 4);
  assert.deepEqual(
    entries(four as RouteTablePatch),
    entries(decodeMessage(s04Messages[1]!) as RouteTablePatch),
  );
});

test(`QRP-9 QRP-20 ${S04} frame 11: B's later 1-bit PATCH on its infinity-2 table adds just delta_ultra_file.txt's new keywords`, () => {
  const patch = decodeMessage(s04In11) as RouteTablePatch;
  assert.deepEqual(
    { ...patch, data: patch.data.length },
    {
      variant: 'patch',
      seqNo: 1,
      seqSize: 1,
      compressor: 1,
      entryBits: 1,
      data: 34,
    },
  );
  const receiver = new RouteTableReceiver();
  for (const message of [...s04Messages.slice(0, 2), s04In11]) {
    assert.ok(receiver.handlePayload(frames(message)[0]!.payload).ok);
  }
  const table = receiver.table!;
  assert.equal(table.infinity, 2);
  assert.deepEqual(presentSlotsOf(table), slots14([...bKeywords, ...deltaKeywords]));
  assert.equal(table.presentCount(), 18, '`file` and `txt` were present already');
  assert.ok(table.matches(prepareQuery({ text: 'delta ultra' })));
  // Our producer, asked for 1 bit, toggles the same four slots.
  const before = new QueryRouteTable({ bits: 14, infinity: 2 });
  for (const word of bKeywords) before.addKeyword(word);
  const after = before.clone();
  for (const word of deltaKeywords) after.addKeyword(word);
  const [ours] = routeTableUpdates(before, after, { entryBits: 1, compression: 'zlib' });
  assert.deepEqual(
    new Uint8Array(inflateSync((ours as RouteTablePatch).data)),
    new Uint8Array(inflateSync(patch.data)),
  );
});
