import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { encodeMessage, MAX_SENT_PAYLOAD, MessageType } from '../../src/core/wire/index.js';
import * as spec from './vectors.js';

test('message: encodeMessage fills the length (§13.2 SCP ping)', () => {
  const fields = { guid: spec.scpPing.subarray(0, 16), type: MessageType.Ping, ttl: 3, hops: 0 };
  assert.deepEqual(encodeMessage(fields, spec.scpPing.subarray(23)), spec.scpPing);
});

test('message: payloads over 65 535 bytes are refused (MSG-3)', () => {
  const fields = { guid: new Uint8Array(16), type: MessageType.Query, ttl: 1, hops: 0 };
  assert.equal(encodeMessage(fields, new Uint8Array(MAX_SENT_PAYLOAD)).length, 23 + 65_535);
  assert.throws(() => encodeMessage(fields, new Uint8Array(MAX_SENT_PAYLOAD + 1)), UsageError);
});
