import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  encodeHeader,
  type Frame,
  type FrameResult,
  MAX_RECEIVED_PAYLOAD,
  MessageFramer,
  MessageType,
} from '../../src/core/wire/index.js';
import { concat, fromHex } from './hex.js';
import { S00, S04, s00In4, s00Out3, s00Out5, s00Out6, s00Out11, s04In4 } from './recorded.js';
import * as spec from './vectors.js';

/** The frames' header and payload; checks on the way that `raw` is exactly header bytes then payload. */
const frames = (results: FrameResult[]): Array<Omit<Frame, 'raw'>> =>
  results.map((result) => {
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    const { header, payload, raw } = result.value;
    assert.deepEqual(raw, concat(encodeHeader(header), payload));
    return { header, payload };
  });

const summary = (list: Array<Omit<Frame, 'raw'>>) =>
  list.map((f) => [f.header.type, f.payload.length]);

/** Feeds `bytes` cut at the given offsets, collecting every result. */
function feed(framer: MessageFramer, bytes: Uint8Array, cuts: number[]): FrameResult[] {
  const points = [...new Set([0, ...cuts, bytes.length])].sort((a, b) => a - b);
  const results: FrameResult[] = [];
  for (let i = 1; i < points.length; i++) {
    results.push(...framer.write(bytes.subarray(points[i - 1], points[i])));
  }
  return results;
}

const specStream = concat(
  spec.alivePing,
  spec.scpPing,
  spec.ggepPong,
  spec.plainPong,
  spec.longBye,
);
const specSummary = [
  [MessageType.Ping, 0],
  [MessageType.Ping, 7],
  [MessageType.Pong, 37],
  [MessageType.Pong, 14],
  [MessageType.Bye, 51],
];

test('framer: §13 vectors in one chunk give five frames with their payloads', () => {
  const list = frames(new MessageFramer().write(specStream));
  assert.deepEqual(summary(list), specSummary);
  assert.deepEqual(list[2]!.payload, spec.ggepPong.subarray(23));
  assert.deepEqual(list[4]!.payload, spec.longBye.subarray(23));
});

test('framer: §13 vectors fed byte at a time give the same frames', () => {
  const framer = new MessageFramer();
  const cuts = Array.from({ length: specStream.length }, (_, i) => i);
  const list = frames(feed(framer, specStream, cuts));
  assert.deepEqual(list, frames(new MessageFramer().write(specStream)));
  assert.equal(framer.bufferedBytes, 0);
});

test(`framer: gtk-gnutella A's segments as captured (${S00} frames 3, 5, 6, 11)`, () => {
  const framer = new MessageFramer();
  const list = [s00Out3, s00Out5, s00Out6, s00Out11].flatMap((segment) =>
    frames(framer.write(segment)),
  );
  assert.deepEqual(summary(list), [
    [MessageType.Vendor, 218],
    [MessageType.Vendor, 40],
    [MessageType.Pong, 42],
    [MessageType.Pong, 42],
    [0xcd, 48], // HSEP: an unknown type to us, still framed by its length (MSG-5)
  ]);
});

test(`framer: gtk-gnutella B's segments with many messages each (${S00} frame 4, ${S04} frame 4)`, () => {
  assert.deepEqual(summary(frames(new MessageFramer().write(s00In4))), [
    [MessageType.Ping, 7],
    [MessageType.Vendor, 218],
    [MessageType.Vendor, 40],
    [MessageType.Vendor, 10],
    [MessageType.Vendor, 8],
  ]);
  assert.deepEqual(summary(frames(new MessageFramer().write(s04In4))), [
    [MessageType.RouteTableUpdate, 6],
    [MessageType.RouteTableUpdate, 67],
    [MessageType.Ping, 7],
    [MessageType.Vendor, 218],
    [MessageType.Vendor, 40],
    [MessageType.Vendor, 10],
    [MessageType.Vendor, 8],
  ]);
});

test('framer: random splits of real and spec streams give the same frames (MSG-2)', () => {
  const stream = concat(specStream, s00Out3, s00Out5, s00Out6, s00Out11, s04In4);
  const whole = frames(new MessageFramer().write(stream));
  fc.assert(
    fc.property(fc.array(fc.nat({ max: stream.length }), { maxLength: 60 }), (cuts) => {
      assert.deepEqual(frames(feed(new MessageFramer(), stream, cuts)), whole);
    }),
  );
});

const arbitraryFrame = fc.record({
  guid: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  type: fc.nat({ max: 255 }),
  ttl: fc.nat({ max: 255 }),
  hops: fc.nat({ max: 255 }),
  payload: fc.uint8Array({ maxLength: 80 }),
});

test('framer: any sequence of messages, any splits, comes back intact', () => {
  fc.assert(
    fc.property(
      fc.array(arbitraryFrame, { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      (list, cuts) => {
        const stream = concat(
          ...list.flatMap(({ payload, ...fields }) => [
            encodeHeader({ ...fields, length: payload.length }),
            payload,
          ]),
        );
        const got = frames(
          feed(
            new MessageFramer(),
            stream,
            cuts.map((c) => c % (stream.length + 1)),
          ),
        );
        assert.deepEqual(
          got,
          list.map(({ payload, ...fields }) => ({
            header: { ...fields, length: payload.length },
            payload,
          })),
        );
      },
    ),
  );
});

test('framer: a zero-length payload completes with its header, even at the end of a chunk', () => {
  const framer = new MessageFramer();
  assert.equal(framer.write(spec.alivePing.subarray(0, 22)).length, 0);
  assert.equal(framer.bufferedBytes, 22);
  const list = frames(framer.write(spec.alivePing.subarray(22)));
  assert.equal(list.length, 1);
  assert.equal(framer.bufferedBytes, 0);
});

test('framer: payloads are copies, not views of the written chunk', () => {
  const chunk = new Uint8Array(spec.scpPing);
  const [frame] = frames(new MessageFramer().write(chunk));
  chunk.fill(0);
  assert.deepEqual(frame!.payload, fromHex('c3 83 53 43 50 41 01'));
});

const headerWithLength = (length: number): Uint8Array =>
  encodeHeader({ guid: new Uint8Array(16), type: MessageType.Query, ttl: 1, hops: 0, length });

test('framer: default limit accepts 65 536 and fails 65 537 (MSG-4)', () => {
  assert.equal(MAX_RECEIVED_PAYLOAD, 65_536);
  const framer = new MessageFramer();
  assert.equal(framer.maxPayload, 65_536);
  const list = frames(framer.write(concat(headerWithLength(65_536), new Uint8Array(65_536))));
  assert.equal(list[0]!.payload.length, 65_536);
  const [result] = framer.write(headerWithLength(65_537));
  assert.ok(result && !result.ok);
  assert.equal(result.error.code, 'payload-too-large');
  assert.equal(result.error.clause, 'MSG-4');
});

test('framer: an oversized length fails at once without buffering its payload', () => {
  const framer = new MessageFramer({ maxPayload: 100 });
  const results = framer.write(
    concat(spec.scpPing, headerWithLength(0xffffffff), new Uint8Array(1000)),
  );
  assert.equal(results.length, 2);
  assert.ok(results[0]!.ok, 'the message before the bad header is still delivered');
  assert.ok(!results[1]!.ok);
  assert.equal(results[1]!.error.code, 'payload-too-large');
  assert.equal(framer.bufferedBytes, 0);
  assert.equal(framer.error, results[1]!.error);
});

test('framer: after an error the framer stays failed', () => {
  const framer = new MessageFramer({ maxPayload: 10 });
  const [first] = framer.write(headerWithLength(11));
  assert.ok(first && !first.ok);
  for (const later of [spec.alivePing, new Uint8Array()]) {
    const results = framer.write(later);
    assert.equal(results.length, 1);
    assert.ok(!results[0]!.ok);
    assert.equal(results[0]!.error, first.error);
  }
});

test('framer: buffered bytes never exceed one header plus maxPayload', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 40 }), (chunks) => {
      const framer = new MessageFramer({ maxPayload: 50 });
      for (const chunk of chunks) {
        framer.write(chunk);
        assert.ok(framer.bufferedBytes <= 23 + 50);
      }
    }),
  );
});

test('framer: a bad maxPayload option is a UsageError', () => {
  assert.throws(() => new MessageFramer({ maxPayload: -1 }), UsageError);
  assert.throws(() => new MessageFramer({ maxPayload: 2 ** 32 }), UsageError);
  assert.throws(() => new MessageFramer({ maxPayload: Number.NaN }), UsageError);
});
