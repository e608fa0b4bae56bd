/** Test helpers: cut captured bytes into messages, decode and re-encode QRP messages. */
import assert from 'node:assert/strict';
import {
  decodeRouteTableUpdate,
  encodeRouteTableUpdate,
  type RouteTableUpdate,
} from '../../src/core/qrp/index.js';
import {
  encodeMessage,
  type Frame,
  MessageFramer,
  MessageType,
} from '../../src/core/wire/index.js';

/** Every whole message in `bytes`, which must end on a message boundary. */
export function frames(bytes: Uint8Array): Frame[] {
  const framer = new MessageFramer();
  const out = framer.write(bytes).map((result) => {
    assert.ok(result.ok);
    return result.value;
  });
  assert.equal(framer.bufferedBytes, 0, 'bytes end on a message boundary');
  return out;
}

/**
 * Decodes a whole ROUTE_TABLE_UPDATE message, checks its header (QRP-2) and
 * that header plus re-encoded payload give back exactly the same bytes.
 */
export function decodeMessage(message: Uint8Array): RouteTableUpdate {
  const [frame, ...rest] = frames(message);
  assert.ok(frame);
  assert.equal(rest.length, 0);
  const { length: _, ...fields } = frame.header;
  assert.equal(fields.type, MessageType.RouteTableUpdate);
  assert.equal(fields.ttl, 1);
  assert.equal(fields.hops, 0);
  const update = decodeRouteTableUpdate(frame.payload);
  assert.ok(update.ok, update.ok ? '' : update.error.message);
  assert.deepEqual(encodeMessage(fields, encodeRouteTableUpdate(update.value)), message);
  return update.value;
}

/** The present slots of a table, ascending. */
export const presentSlotsOf = (table: {
  length: number;
  isPresent(slot: number): boolean;
}): number[] => Array.from({ length: table.length }, (_, s) => s).filter((s) => table.isPresent(s));
