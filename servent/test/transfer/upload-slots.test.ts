/**
 * Upload slots and the legacy active queue (http-transfers.md §7, HTTP-19):
 * a fake clock in milliseconds, keys standing for connections.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import { type SlotDecision, UploadSlots } from '../../src/core/transfer/upload-slots.js';
import { UNIT_RUNS } from '../fuzz-runs.js';

const POLL_MIN = 45_000;
const POLL_MAX = 120_000;

const slots = (n: number, queueLength = 3) =>
  new UploadSlots({ slots: n, queueLength, pollMinMs: POLL_MIN, pollMaxMs: POLL_MAX });

const GRANTED: SlotDecision = { kind: 'granted' };
const queued = (position: number, length: number): SlotDecision => ({
  kind: 'queued',
  position,
  length,
});

test('options are checked', () => {
  assert.throws(() => slots(0), UsageError);
  assert.throws(() => slots(1, -1), UsageError);
  assert.throws(
    () => new UploadSlots({ slots: 1, queueLength: 1, pollMinMs: 2, pollMaxMs: 1 }),
    UsageError,
  );
  assert.doesNotThrow(() => slots(1, 0));
});

test('up to `slots` are granted; a key that holds one keeps it', () => {
  const s = slots(2);
  assert.deepEqual(s.request(1, 0), GRANTED);
  assert.deepEqual(s.request(2, 0), GRANTED);
  assert.equal(s.active, 2);
  // The next chunk on the same connection: still granted, at any time.
  assert.deepEqual(s.request(1, 1), GRANTED);
  assert.deepEqual(s.request(1, 10 * POLL_MAX), GRANTED);
  assert.equal(s.active, 2);
  assert.equal(s.queued, 0);
});

test('then queued at positions 1, 2, 3…; busy past queueLength (HTTP-19)', () => {
  const s = slots(1, 3);
  assert.deepEqual(s.request(1, 0), GRANTED);
  assert.deepEqual(s.request(2, 0), queued(1, 1));
  assert.deepEqual(s.request(3, 0), queued(2, 2));
  assert.deepEqual(s.request(4, 0), queued(3, 3));
  assert.deepEqual(s.request(5, 0), { kind: 'busy' });
  assert.equal(s.queued, 3);
  assert.equal(s.active, 1);
  // A queue of length 0: busy straight away.
  const none = slots(1, 0);
  none.request(1, 0);
  assert.deepEqual(none.request(2, 0), { kind: 'busy' });
});

test('polling within [pollMin, pollMax] keeps the place and reports it', () => {
  const s = slots(1, 3);
  s.request(1, 0);
  s.request(2, 0);
  s.request(3, 1_000);
  assert.deepEqual(s.request(2, POLL_MIN), queued(1, 2));
  assert.deepEqual(s.request(3, 1_000 + POLL_MAX), queued(2, 2));
  assert.deepEqual(s.request(2, POLL_MIN + POLL_MAX), queued(1, 2));
});

test('polling before pollMin is too soon and loses the place (LimeWire 403)', () => {
  const s = slots(1, 3);
  s.request(1, 0);
  s.request(2, 0);
  s.request(3, 0);
  assert.deepEqual(s.request(2, POLL_MIN - 1), { kind: 'too-soon' });
  assert.equal(s.queued, 1);
  // Number 3 moved up.
  assert.deepEqual(s.request(3, POLL_MIN), queued(1, 1));
  // Number 2 asking again is a newcomer at the end.
  assert.deepEqual(s.request(2, POLL_MIN), queued(2, 2));
});

test('a place not polled by pollMax expires', () => {
  const s = slots(1, 3);
  s.request(1, 0);
  s.request(2, 0);
  s.request(3, 0);
  // 3 polls in time; 2 does not.
  assert.deepEqual(s.request(3, POLL_MAX), queued(2, 2));
  assert.deepEqual(s.request(2, POLL_MAX + 1), queued(2, 2), 'back in line, behind 3');
  assert.deepEqual(s.request(3, POLL_MAX + POLL_MIN), queued(1, 2));
  // The count forgets expired places at the next request.
  s.request(9, 10 * POLL_MAX);
  assert.equal(s.queued, 1, 'only 9, just queued');
});

test('after a release the head of the queue gets the slot when it polls; a newcomer does not jump the queue', () => {
  const s = slots(1, 3);
  s.request(1, 0);
  s.request(2, 0);
  s.request(3, 0);
  s.release(1);
  assert.equal(s.active, 0);
  // A newcomer finds a free slot but people waiting: it queues behind them.
  assert.deepEqual(s.request(4, 10), queued(3, 3));
  // Number 3 is not the head: it stays queued although a slot is free.
  assert.deepEqual(s.request(3, POLL_MIN), queued(2, 3));
  // The head polls: granted, and everyone moves up.
  assert.deepEqual(s.request(2, POLL_MIN), GRANTED);
  assert.equal(s.active, 1);
  assert.equal(s.queued, 2);
  assert.deepEqual(s.request(3, 2 * POLL_MIN), queued(1, 2));
  assert.deepEqual(s.request(4, POLL_MIN + 10), queued(2, 2));
});

test('with two free slots the second in line is served too, without waiting for the head to poll', () => {
  const s = slots(2, 3);
  s.request(1, 0);
  s.request(2, 0);
  s.request(3, 0);
  s.request(4, 0);
  s.release(1);
  s.release(2);
  // Two slots are free and two wait: whoever of them polls first is served.
  assert.deepEqual(s.request(4, POLL_MIN), GRANTED);
});

test('with nobody waiting a freed slot goes to the next asker', () => {
  const s = slots(1, 3);
  s.request(1, 0);
  s.release(1);
  assert.deepEqual(s.request(2, 1), GRANTED);
});

test('an expired head does not hold the slot: the next in line gets it', () => {
  const s = slots(1, 3);
  s.request(1, 0);
  s.request(2, 0);
  s.request(3, 60_000);
  s.release(1);
  // 2 never polled again; by 3's poll its place has expired.
  assert.deepEqual(s.request(3, 60_000 + POLL_MAX), GRANTED);
});

test('release of a queued key removes it; release of an unknown key is harmless', () => {
  const s = slots(1, 3);
  s.request(1, 0);
  s.request(2, 0);
  s.request(3, 0);
  s.release(2);
  assert.equal(s.queued, 1);
  assert.deepEqual(s.request(3, POLL_MIN), queued(1, 1));
  s.release(42);
  assert.equal(s.queued, 1);
  assert.equal(s.active, 1);
});

test('property: never more active than slots, never more queued than queueLength, positions 1..length', () => {
  const step = fc.record({
    op: fc.constantFrom('request', 'request', 'request', 'release'),
    key: fc.integer({ min: 1, max: 6 }),
    dt: fc.integer({ min: 0, max: 2 * POLL_MAX }),
  });
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 0, max: 4 }),
      fc.array(step, { maxLength: 60 }),
      (n, queueLength, steps) => {
        const s = slots(n, queueLength);
        const holders = new Set<number>();
        let now = 0;
        for (const { op, key, dt } of steps) {
          now += dt;
          if (op === 'release') {
            s.release(key);
            holders.delete(key);
            continue;
          }
          const decision = s.request(key, now);
          if (decision.kind === 'granted') holders.add(key);
          if (decision.kind === 'queued') {
            assert.ok(decision.position >= 1 && decision.position <= decision.length);
            assert.ok(decision.length <= queueLength);
            assert.ok(!holders.has(key), 'a holder is never queued');
          }
          assert.ok(s.active <= n);
          assert.equal(s.active, holders.size);
          assert.ok(s.queued <= queueLength);
        }
      },
    ),
    { numRuns: UNIT_RUNS },
  );
});
