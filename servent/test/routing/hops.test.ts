import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { guidKey } from '../../src/core/routing/guid-key.js';
import {
  headerFault,
  relayCopy,
  relayedTtl,
  withoutPushGgep,
} from '../../src/core/routing/hops.js';

test('MSG-10 MSG-11 routed headers: TTL or hops ≥ 128 and hops + TTL over the hard limit are faults', () => {
  assert.equal(headerFault(7, 0, 15), undefined);
  assert.equal(headerFault(10, 6, 15), 'over-hard-ttl-limit');
  assert.equal(headerFault(128, 0, 15), 'ttl-or-hops-over-127');
  assert.equal(headerFault(1, 255, 15), 'ttl-or-hops-over-127');
});

test('MSG-8 RT-6 property: the relayed TTL is trimmed to hops + TTL ≤ max and decremented, never above the received sum', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 15 }),
      fc.integer({ min: 0, max: 15 }),
      fc.integer({ min: 2, max: 7 }),
      (ttl, hops, max) => {
        const out = relayedTtl(ttl, hops, max);
        assert.ok(out <= ttl - 1);
        assert.ok(out + hops + 1 <= Math.min(ttl + hops, max));
      },
    ),
  );
});

test('a relayed copy changes only TTL and hops; a push loses its GGEP', () => {
  const raw = Uint8Array.from({ length: 23 + 30 }, (_, i) => i);
  new DataView(raw.buffer).setUint32(19, 30, true);
  const copy = relayCopy(raw, 2, 3);
  assert.notEqual(copy, raw);
  assert.deepEqual([...copy.subarray(0, 17)], [...raw.subarray(0, 17)]);
  assert.deepEqual([copy[17], copy[18]], [2, 3]);
  const plain = withoutPushGgep(copy);
  assert.equal(plain.length, 23 + 26);
  assert.equal(new DataView(plain.buffer).getUint32(19, true), 26);
});

test('GUID keys tell every pair of distinct GUIDs apart and read at an offset', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      (a, b) => {
        assert.equal(guidKey(a) === guidKey(b), Buffer.from(a).equals(Buffer.from(b)));
        const framed = new Uint8Array(40);
        framed.set(a, 23);
        assert.equal(guidKey(framed, 23), guidKey(a));
      },
    ),
  );
});
