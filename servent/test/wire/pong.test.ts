import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import {
  decodeHeader,
  decodePong,
  encodeMessage,
  encodePong,
  guidToHex,
  type Pong,
} from '../../src/core/wire/index.js';
import { fromHex } from './hex.js';
import { S00, S04, s00Out6, s04Out6 } from './recorded.js';
import * as spec from './vectors.js';

/** Decodes the first message of `bytes` as a Pong and checks it re-encodes to the same bytes. */
function roundTrip(bytes: Uint8Array): Pong {
  const header = decodeHeader(bytes);
  assert.ok(header.ok);
  const message = bytes.subarray(0, 23 + header.value.length);
  const pong = decodePong(message.subarray(23));
  assert.ok(pong.ok);
  const { length: _, ...fields } = header.value;
  assert.deepEqual(encodeMessage(fields, encodePong(pong.value)), message);
  return pong.value;
}

test('pong: §13.3 pong with GGEP (203.0.113.5:6346, 120 files, 524 288 KB)', () => {
  assert.deepEqual(roundTrip(spec.ggepPong), {
    port: 6346,
    address: '203.0.113.5',
    sharedFiles: 120,
    sharedKilobytes: 524_288,
    ggep: fromHex(`c3 02 44 55 42 10 0e 02 55 50 43 01 05 02
      82 56 43 45 45 58 4d 50 01`),
  });
});

test('pong: §13.3 plain 14-byte form', () => {
  assert.deepEqual(roundTrip(spec.plainPong), {
    port: 6346,
    address: '203.0.113.5',
    sharedFiles: 120,
    sharedKilobytes: 524_288,
    ggep: new Uint8Array(),
  });
});

// Expected fields from Wireshark's decode of the same frames
// (plain/tshark_gnutella_verbose.txt: Port 6346, IP 127.0.0.1, Files 1, KBytes 8).
const gtkPong = { port: 6346, address: '127.0.0.1', sharedFiles: 1, sharedKilobytes: 8 };

test(`pong: gtk-gnutella's pongs (${S00} frame 6), both in one segment`, () => {
  const first = s00Out6.subarray(0, 65);
  assert.deepEqual(s00Out6.subarray(65), first, 'the recording shows two identical pongs');
  const pong = roundTrip(first);
  assert.deepEqual({ ...pong, ggep: undefined }, { ...gtkPong, ggep: undefined });
  // GGEP VC "GTKG" 0x83, GUE 0x02, UP 02 ff 32, DU 0x02, kept as sent.
  assert.deepEqual(
    pong.ggep,
    fromHex('c3 02 5643 45 47544b4783 03 475545 41 02 02 5550 43 02ff32 82 4455 41 02'),
  );
  const header = decodeHeader(first);
  assert.ok(header.ok);
  // Same GUID as B's ping in the same conversation (MSG-16).
  assert.equal(guidToHex(header.value.guid), '642e3102d06af18fff27caa11d903b03');
});

test(`pong: gtk-gnutella's pong after reconnect (${S04} frame 6)`, () => {
  const pong = roundTrip(s04Out6);
  assert.deepEqual({ ...pong, ggep: undefined }, { ...gtkPong, ggep: undefined });
  assert.equal(pong.ggep.at(-1), 0x0c, 'DU grew to 12 s');
});

test('pong: under 14 bytes is pong-too-short (MSG-23)', () => {
  for (const length of [0, 1, 13]) {
    const result = decodePong(spec.plainPong.subarray(23, 23 + length));
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'pong-too-short');
    assert.equal(result.error.clause, 'MSG-23');
  }
});

test('pong: trailing bytes that are not GGEP are pong-extension-not-ggep (MSG-23)', () => {
  const payload = new Uint8Array(15);
  payload[14] = 0x1c;
  const result = decodePong(payload);
  assert.ok(!result.ok);
  assert.equal(result.error.code, 'pong-extension-not-ggep');
  assert.equal(result.error.clause, 'MSG-23');
});

test('pong: encoding bad fields is a UsageError', () => {
  const base: Pong = {
    port: 6346,
    address: '203.0.113.5',
    sharedFiles: 0,
    sharedKilobytes: 0,
    ggep: new Uint8Array(),
  };
  assert.throws(() => encodePong({ ...base, port: 65_536 }), UsageError);
  assert.throws(() => encodePong({ ...base, address: 'localhost' }), UsageError);
  assert.throws(() => encodePong({ ...base, sharedFiles: -1 }), UsageError);
  assert.throws(() => encodePong({ ...base, sharedKilobytes: 2 ** 32 }), UsageError);
  assert.throws(() => encodePong({ ...base, ggep: fromHex('00') }), UsageError);
});
