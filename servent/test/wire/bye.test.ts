import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import {
  type Bye,
  ByeCode,
  decodeBye,
  decodeHeader,
  encodeBye,
  encodeMessage,
} from '../../src/core/wire/index.js';
import { fromHex } from './hex.js';
import { S00, S04, s00In13, s04In12 } from './recorded.js';
import * as spec from './vectors.js';

/** Decodes a whole Bye message and checks it re-encodes to the same bytes. */
function roundTrip(message: Uint8Array): Bye {
  const header = decodeHeader(message);
  assert.ok(header.ok);
  assert.equal(message.length, 23 + header.value.length);
  const bye = decodeBye(message.subarray(23));
  assert.ok(bye.ok);
  const { length: _, ...fields } = header.value;
  assert.deepEqual(encodeMessage(fields, encodeBye(bye.value)), message);
  return bye.value;
}

test('bye: §13.8 code 200, long form', () => {
  assert.deepEqual(roundTrip(spec.longBye), {
    code: ByeCode.Shutdown,
    reason: 'Servent shutdown\r\nServer: ExampleServent/0.1\r\n\r\n',
  });
});

test('bye: §13.8 code 502, short form', () => {
  const result = decodeBye(spec.shortByePayload);
  assert.ok(result.ok);
  assert.deepEqual(result.value, { code: ByeCode.SendQueueFull, reason: 'Send queue full' });
  assert.deepEqual(encodeBye(result.value), spec.shortByePayload);
  assert.equal(spec.shortByePayload.length, spec.shortByeHeaderTail[3]);
});

test(`bye: gtk-gnutella's Bye 201, long form (${S00} frame 13)`, () => {
  assert.deepEqual(roundTrip(s00In13), {
    code: ByeCode.UserRemoved,
    reason:
      'User manual removal\r\nServer: gtk-gnutella/1.2.3 (2024-03-03; Topless; Linux x86_64)\r\n\r\n',
  });
});

test(`bye: gtk-gnutella's Bye 200, short form (${S04} frame 12)`, () => {
  assert.deepEqual(roundTrip(s04In12), { code: 200, reason: 'Servent shutdown' });
});

test('bye: decoding is liberal: no NUL, bytes after the NUL, bare code', () => {
  assert.deepEqual(decodeBye(fromHex('c8 00 4f 4b')), {
    ok: true,
    value: { code: 200, reason: 'OK' },
  });
  assert.deepEqual(decodeBye(fromHex('c8 00 4f 4b 00 ff ff')), {
    ok: true,
    value: { code: 200, reason: 'OK' },
  });
  assert.deepEqual(decodeBye(fromHex('f5 01')), { ok: true, value: { code: 501, reason: '' } });
  const bad = decodeBye(fromHex('90 01 ff fe 00'));
  assert.ok(bad.ok, 'invalid UTF-8 is replaced, not rejected');
  assert.equal(bad.value.code, 400);
});

test('bye: fewer than 2 bytes is bye-too-short', () => {
  for (const payload of [new Uint8Array(), fromHex('c8')]) {
    const result = decodeBye(payload);
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'bye-too-short');
    assert.equal(result.error.clause, 'MSG-34');
  }
});

test('bye: encoding a NUL in the reason or a code over 16 bits is a UsageError', () => {
  assert.throws(() => encodeBye({ code: 200, reason: 'a\0b' }), UsageError);
  assert.throws(() => encodeBye({ code: 65_536, reason: '' }), UsageError);
});
