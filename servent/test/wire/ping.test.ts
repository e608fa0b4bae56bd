import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { decodeHeader, decodePing, encodeMessage, encodePing } from '../../src/core/wire/index.js';
import { fromHex } from './hex.js';
import { S00, S04, s00In4, s04In4 } from './recorded.js';
import * as spec from './vectors.js';

/** Decodes a whole Ping message and checks it re-encodes to the same bytes. */
function roundTrip(message: Uint8Array) {
  const header = decodeHeader(message);
  assert.ok(header.ok);
  const payload = message.subarray(23, 23 + header.value.length);
  const ping = decodePing(payload);
  assert.ok(ping.ok);
  const { length: _, ...fields } = header.value;
  assert.deepEqual(
    encodeMessage(fields, encodePing(ping.value)),
    message.subarray(0, 23 + header.value.length),
  );
  return ping.value;
}

test('ping: §13.1 alive ping has an empty payload', () => {
  assert.equal(roundTrip(spec.alivePing).ggep.length, 0);
});

test('ping: §13.2 ping keeps its GGEP SCP block opaque', () => {
  assert.deepEqual(roundTrip(spec.scpPing).ggep, fromHex('c3 83 53 43 50 41 01'));
});

test(`ping: gtk-gnutella's ping with GGEP SCP (${S00} frame 4, first message)`, () => {
  assert.deepEqual(roundTrip(s00In4).ggep, fromHex('c3 83 53 43 50 41 00'));
});

test(`ping: gtk-gnutella's ping after reconnect (${S04} frame 4, third message)`, () => {
  // The segment starts with a 6-byte and a 67-byte QRP message: 29 + 90 bytes.
  const ping = s04In4.subarray(29 + 90);
  assert.deepEqual(roundTrip(ping).ggep, fromHex('c3 83 53 43 50 41 00'));
});

test('ping: a payload that is not a GGEP block is ping-payload-not-ggep', () => {
  const result = decodePing(fromHex('00 01'));
  assert.ok(!result.ok);
  assert.equal(result.error.code, 'ping-payload-not-ggep');
});

test('ping: encoding a non-GGEP payload is a UsageError', () => {
  assert.throws(() => encodePing({ ggep: fromHex('41') }), UsageError);
  assert.deepEqual(encodePing(), new Uint8Array());
});
