import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  type QueueDropReason,
  SendClass,
  type SendClassCode,
  SendQueue,
} from '../../src/core/routing/send-queue.js';

/** A message whose first byte names it and whose length is `size`. */
const msg = (id: number, size = 30) => {
  const m = new Uint8Array(size);
  m[0] = id;
  return m;
};

function queue(maxBytes = 1_000) {
  const drops: [number, QueueDropReason][] = [];
  const q = new SendQueue({ maxBytes, onDrop: (m, reason) => drops.push([m[0]!, reason]) });
  const all = () => {
    const out: number[] = [];
    for (let m = q.shift(); m; m = q.shift()) out.push(m[0]!);
    return out;
  };
  return { q, drops, all };
}

test('RT-9 classes leave in order: control, Push, QueryHit, Pong, Query, Ping', () => {
  const { q, all } = queue();
  q.push(msg(6), SendClass.Ping, 0);
  q.push(msg(5), SendClass.Query, 0);
  q.push(msg(4), SendClass.Pong, 0);
  q.push(msg(3), SendClass.QueryHit, 0);
  q.push(msg(2), SendClass.Push, 0);
  q.push(msg(1), SendClass.Control, 0);
  assert.deepEqual(all(), [1, 2, 3, 4, 5, 6]);
});

test('§7.1 queries with fewer hops first, replies with more hops first, equal hops in order', () => {
  const { q, all } = queue();
  q.push(msg(1), SendClass.Query, 3);
  q.push(msg(2), SendClass.Query, 1);
  q.push(msg(3), SendClass.Query, 1);
  q.push(msg(4), SendClass.QueryHit, 1);
  q.push(msg(5), SendClass.QueryHit, 4);
  q.push(msg(6), SendClass.Control, 0);
  q.push(msg(7), SendClass.Control, 0);
  assert.deepEqual(all(), [6, 7, 5, 4, 2, 3, 1]);
});

test('RT-9 when full, droppable messages worth less make room; otherwise the new droppable one is refused', () => {
  const { q, drops, all } = queue(100);
  q.push(msg(1), SendClass.Query, 2);
  q.push(msg(2), SendClass.Query, 1);
  q.push(msg(3), SendClass.Ping, 0);
  assert.equal(q.push(msg(4), SendClass.Query, 3), 'queued', 'the ping is worth less');
  assert.equal(q.push(msg(5), SendClass.Query, 3), 'dropped', 'nothing worth less is left');
  assert.equal(q.push(msg(6), SendClass.QueryHit, 0), 'queued', 'evicts the 3-hop query');
  assert.deepEqual(drops, [
    [3, 'queue-evicted'],
    [5, 'queue-full'],
    [4, 'queue-evicted'],
  ]);
  assert.equal(q.bytes, 90);
  assert.deepEqual(all(), [6, 2, 1]);
});

test('a message that may not be dropped overflows when even evicting cannot make room', () => {
  const { q, drops } = queue(100);
  q.push(msg(1), SendClass.QueryHit, 0);
  q.push(msg(2), SendClass.QueryHit, 0);
  q.push(msg(3), SendClass.Query, 0);
  assert.equal(q.push(msg(4, 50), SendClass.Push, 0), 'overflow');
  assert.deepEqual(drops, [
    [3, 'queue-evicted'],
    [4, 'queue-overflow'],
  ]);
});

test('flow control drops queued droppable messages and refuses new ones until lifted', () => {
  const { q, drops, all } = queue();
  q.push(msg(1), SendClass.Query, 0);
  q.push(msg(2), SendClass.Pong, 0);
  q.push(msg(3), SendClass.QueryHit, 0);
  q.setFlowControl(true);
  assert.equal(q.push(msg(4), SendClass.Ping, 0), 'dropped');
  assert.equal(q.push(msg(5), SendClass.Control, 0), 'queued');
  assert.deepEqual(drops.map(([id, r]) => `${id}:${r}`).sort(), [
    '1:flow-control',
    '2:flow-control',
    '4:flow-control',
  ]);
  q.setFlowControl(false);
  q.push(msg(6), SendClass.Query, 0);
  assert.deepEqual(all(), [5, 3, 6]);
});

test('MSG-34 closing keeps what may not be dropped and sends the final message last', () => {
  const { q, drops, all } = queue();
  q.push(msg(1), SendClass.Query, 0);
  q.push(msg(2), SendClass.QueryHit, 0);
  q.close(msg(9));
  assert.equal(q.push(msg(3), SendClass.Control, 0), 'dropped');
  assert.equal(q.drained, false);
  assert.deepEqual(all(), [2, 9]);
  assert.equal(q.drained, true);
  assert.deepEqual(drops, [
    [1, 'link-closing'],
    [3, 'link-closing'],
  ]);
});

const classes = fc.constantFrom<SendClassCode>(...(Object.values(SendClass) as SendClassCode[]));

test('RT-9 property: bytes stay bounded, nothing but Ping, Pong and Query is dropped short of overflow, order follows rank', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          cls: classes,
          hops: fc.integer({ min: 0, max: 20 }),
          size: fc.integer({ min: 23, max: 400 }),
        }),
        { maxLength: 200 },
      ),
      (items) => {
        const dropped: [number, QueueDropReason][] = [];
        const q = new SendQueue({ maxBytes: 2_000, onDrop: (m, r) => dropped.push([m[1]!, r]) });
        const meta = items.map((item, i) => ({ ...item, id: i }));
        let overflowed = false;
        for (const item of meta) {
          const m = new Uint8Array(item.size);
          new DataView(m.buffer).setUint16(0, item.id, true);
          if (q.push(m, item.cls, item.hops) === 'overflow') overflowed = true;
          assert.ok(q.bytes <= 2_000);
        }
        if (!overflowed) {
          for (const [, reason] of dropped)
            assert.ok(reason === 'queue-full' || reason === 'queue-evicted');
        }
        const out: (typeof meta)[number][] = [];
        for (let m = q.shift(); m; m = q.shift())
          out.push(meta[new DataView(m.buffer).getUint16(0, true)]!);
        const rank = (x: { cls: number; hops: number }) => {
          const h = Math.min(x.hops, 15);
          const pos = x.cls <= 1 ? 0 : x.cls <= 3 ? 15 - h : h;
          return x.cls * 16 + pos;
        };
        for (let i = 1; i < out.length; i++) {
          const a = out[i - 1]!;
          const b = out[i]!;
          assert.ok(rank(a) < rank(b) || (rank(a) === rank(b) && a.id < b.id));
        }
        const droppable = (cls: number) => cls >= SendClass.Pong;
        const kept = new Set(out.map((x) => x.id));
        for (const item of meta)
          if (!droppable(item.cls) && !kept.has(item.id)) assert.ok(overflowed);
      },
    ),
  );
});
