import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeBye,
  decodePing,
  decodePong,
  decodePush,
  decodeQuery,
  decodeQueryHit,
  encodeHeader,
  type Frame,
  MessageFramer,
  MessageType,
} from '../../src/core/wire/index.js';
import { concat } from './hex.js';
import { s04In8, s04Out7, s07Out6 } from './recorded.js';
import * as spec from './vectors.js';

const decoders: Record<number, (payload: Uint8Array) => { ok: boolean }> = {
  [MessageType.Ping]: decodePing,
  [MessageType.Pong]: decodePong,
  [MessageType.Bye]: decodeBye,
  [MessageType.Push]: decodePush,
  [MessageType.Query]: decodeQuery,
  [MessageType.QueryHit]: decodeQueryHit,
};

/** An unknown type 0x55 with a 5-byte payload, as MSG-5 describes it. */
const unknown = concat(
  encodeHeader({ guid: new Uint8Array(16).fill(0x55), type: 0x55, ttl: 1, hops: 0, length: 5 }),
  Uint8Array.of(1, 2, 3, 4, 5),
);

test('MSG-5 an unknown payload type (0x55, length 5) is skipped by its length; the next message reads normally', () => {
  const framer = new MessageFramer();
  const frames = framer.write(concat(unknown, spec.query));
  assert.equal(frames.length, 2);
  const [skipped, query] = frames.map((result) => {
    assert.ok(result.ok);
    return result.value;
  }) as [Frame, Frame];
  assert.equal(skipped.header.type, 0x55);
  assert.equal(skipped.payload.length, 5);
  assert.equal(decoders[skipped.header.type], undefined);
  assert.equal(query.header.type, MessageType.Query);
  assert.ok(decodeQuery(query.payload).ok);
});

test('MSG-2 a stream of every message type, fed a byte at a time, frames and decodes message by message', () => {
  const stream = concat(
    spec.alivePing,
    spec.ggepPong,
    spec.query,
    spec.oobQuery,
    spec.queryHit,
    unknown,
    spec.push,
    s04Out7,
    s04In8,
    s07Out6,
    spec.longBye,
  );
  const framer = new MessageFramer();
  const types: number[] = [];
  for (const byte of stream) {
    for (const result of framer.write(Uint8Array.of(byte))) {
      assert.ok(result.ok);
      const { header, payload } = result.value;
      types.push(header.type);
      const decode = decoders[header.type];
      if (decode !== undefined) assert.ok(decode(payload).ok, `type 0x${header.type.toString(16)}`);
    }
  }
  assert.deepEqual(types, [0x00, 0x01, 0x80, 0x80, 0x81, 0x55, 0x40, 0x80, 0x81, 0x81, 0x02]);
});
