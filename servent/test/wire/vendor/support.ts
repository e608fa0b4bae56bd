/** Shared checks for vendor tests. */
import assert from 'node:assert/strict';
import type { ProtocolError } from '../../../src/core/errors.js';
import { decodeHeader, type MessageHeader } from '../../../src/core/wire/header.js';
import {
  decodeVendorMessage,
  encodeVendorFrame,
  type VendorMessage,
} from '../../../src/core/wire/vendor/index.js';

/**
 * Decodes one whole vendor message (header + payload), checks that our
 * encoder gives back exactly the same bytes from the decoded fields and the
 * header's GUID and type, and returns both.
 */
export function roundTripFrame(bytes: Uint8Array): {
  header: MessageHeader;
  message: VendorMessage;
} {
  const header = decodeHeader(bytes);
  assert.ok(header.ok);
  assert.equal(bytes.length, 23 + header.value.length, 'one whole message');
  const message = decodeVendorMessage(bytes.subarray(23));
  assert.ok(message.ok, message.ok ? '' : message.error.message);
  assert.deepEqual(encodeVendorFrame(message.value, header.value.guid, header.value.type), bytes);
  return { header: header.value, message: message.value };
}

/** Asserts that decoding `payload` fails with `code` and `clause`. */
export function assertDecodeError(
  payload: Uint8Array,
  code: string,
  clause: string | undefined,
): ProtocolError {
  const result = decodeVendorMessage(payload);
  assert.ok(!result.ok, `expected ${code}, decoded ${JSON.stringify(result.ok && result.value)}`);
  assert.equal(result.error.code, code);
  assert.equal(result.error.clause, clause);
  return result.error;
}
