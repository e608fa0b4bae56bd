/**
 * The plan of a swarmed download (core/transfer/swarm.ts, http-transfers.md
 * §11): aligned leases, PFSP restrictions, verification and blame, resume.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import { type Interval, IntervalSet } from '../../src/core/transfer/intervals.js';
import { DEFAULT_CHUNK_SIZE, Swarm } from '../../src/core/transfer/swarm.js';
import { UNIT_RUNS } from '../fuzz-runs.js';

const KIB = 1024;
const CHUNK = 4 * KIB;

const set = (...pairs: Array<[number, number]>): IntervalSet => {
  const s = new IntervalSet();
  for (const [start, end] of pairs) s.add(start, end);
  return s;
};

const overlaps = (a: Interval, b: Interval): boolean => a.start < b.end && b.start < a.end;

test('options are checked', () => {
  assert.throws(() => new Swarm(-1), UsageError);
  assert.throws(() => new Swarm(1.5), UsageError);
  assert.throws(() => new Swarm(10, undefined, 512), UsageError);
  assert.throws(() => new Swarm(10, undefined, 3 * KIB), UsageError);
  assert.equal(new Swarm(10).chunkSize, DEFAULT_CHUNK_SIZE);
  assert.equal(new Swarm(10, undefined, 2 * KIB).chunkSize, 2 * KIB);
});

test('leases are aligned chunks, the last one short, one per source, never shared', () => {
  const size = 3 * CHUNK + 100;
  const swarm = new Swarm(size, undefined, CHUNK);
  const leases = [1, 2, 3, 4].map((source) => swarm.lease(source));
  assert.deepEqual(leases, [
    { start: 0, end: CHUNK },
    { start: CHUNK, end: 2 * CHUNK },
    { start: 2 * CHUNK, end: 3 * CHUNK },
    { start: 3 * CHUNK, end: size },
  ]);
  // Nothing left for a fifth source; a source asking again keeps its lease.
  assert.equal(swarm.lease(5), undefined);
  assert.deepEqual(swarm.lease(2), { start: CHUNK, end: 2 * CHUNK });
  // A released lease goes to the next asker.
  swarm.release(3);
  assert.deepEqual(swarm.lease(5), { start: 2 * CHUNK, end: 3 * CHUNK });
});

test('a released lease with bytes written: only the missing part is leased again, in the same chunk', () => {
  const swarm = new Swarm(2 * CHUNK, undefined, CHUNK);
  assert.deepEqual(swarm.lease(1), { start: 0, end: CHUNK });
  swarm.received(1, 0, 1000);
  swarm.release(1);
  assert.deepEqual(swarm.lease(2), { start: 1000, end: CHUNK });
  // Another source does not get a piece of the chunk source 2 works in.
  assert.deepEqual(swarm.lease(3), { start: CHUNK, end: 2 * CHUNK });
});

test('PFSP: `available` restricts leases to what the source holds (HTTP-31)', () => {
  const swarm = new Swarm(4 * CHUNK, undefined, CHUNK);
  assert.deepEqual(swarm.lease(1, set([CHUNK + 10, CHUNK + 20], [3 * CHUNK, 4 * CHUNK])), {
    start: CHUNK + 10,
    end: CHUNK + 20,
  });
  assert.deepEqual(swarm.lease(2, set([CHUNK, 2 * CHUNK])), undefined, 'chunk 1 is taken');
  assert.deepEqual(swarm.lease(2, set([CHUNK, 4 * CHUNK])), { start: 2 * CHUNK, end: 3 * CHUNK });
  assert.equal(swarm.lease(3, new IntervalSet()), undefined, 'a source holding nothing');
  // A full source gets what is left.
  assert.deepEqual(swarm.lease(4), { start: 0, end: CHUNK });
});

test('received, verifiable blocks, passed: verified bytes leave the written set', () => {
  const size = 2 * CHUNK + 500;
  const block = 2 * KIB;
  const swarm = new Swarm(size, undefined, CHUNK);
  swarm.lease(1);
  swarm.received(1, 0, 3000);
  assert.deepEqual(swarm.verifiable(block), [0], 'block 0 whole, block 1 half');
  swarm.received(1, 3000, CHUNK);
  assert.deepEqual(swarm.verifiable(block), [0, 1]);
  assert.equal(swarm.written.total, CHUNK);
  swarm.passed(0, block);
  assert.deepEqual(swarm.verifiable(block), [1]);
  assert.equal(swarm.verified.total, block);
  assert.equal(swarm.written.total, CHUNK - block);
  // The short last block is verifiable once its bytes are in.
  swarm.received(2, 2 * CHUNK, size);
  assert.deepEqual(swarm.verifiable(block), [1, 4]);
  // Empty or reversed writes are nothing.
  swarm.received(3, 10, 10);
  swarm.received(3, 10, 5);
  assert.equal(swarm.written.total, CHUNK - block + 500);
});

test('a bad block written by one source bans it; its bytes are fetched again (HTTP-35)', () => {
  const swarm = new Swarm(2 * CHUNK, undefined, CHUNK);
  swarm.lease(1);
  swarm.received(1, 0, CHUNK);
  swarm.release(1);
  assert.deepEqual(swarm.failed(0, CHUNK), [1]);
  assert.ok(swarm.isBanned(1));
  assert.deepEqual([...swarm.banned], [1]);
  assert.equal(swarm.written.total, 0, 'the bad bytes are discarded');
  assert.equal(swarm.lease(1), undefined, 'a banned source gets no lease');
  assert.deepEqual(swarm.lease(2), { start: 0, end: CHUNK }, 'the block is leased again');
});

test('a bad block written by two sources: a strike each; the second strike bans', () => {
  const swarm = new Swarm(4 * CHUNK, undefined, CHUNK);
  swarm.received(1, 0, 1000);
  swarm.received(2, 1000, CHUNK);
  assert.deepEqual(swarm.failed(0, CHUNK), [], 'one strike each: nobody banned yet');
  assert.ok(!swarm.isBanned(1) && !swarm.isBanned(2));
  // Again with a third source: 1 and 2 reach two strikes, 3 has one.
  swarm.received(1, CHUNK, CHUNK + 10);
  swarm.received(2, CHUNK + 10, CHUNK + 20);
  swarm.received(3, CHUNK + 20, 2 * CHUNK);
  assert.deepEqual(swarm.failed(CHUNK, 2 * CHUNK).sort(), [1, 2]);
  assert.ok(swarm.isBanned(1) && swarm.isBanned(2) && !swarm.isBanned(3));
  assert.equal(swarm.lease(1), undefined);
  assert.equal(swarm.lease(2), undefined);
  assert.ok(swarm.lease(3));
});

test('a good block clears its writers: a later bad block elsewhere is blamed only on who wrote it', () => {
  const swarm = new Swarm(2 * CHUNK, undefined, CHUNK);
  swarm.received(1, 0, CHUNK);
  swarm.received(2, CHUNK, 2 * CHUNK);
  swarm.passed(0, CHUNK);
  assert.deepEqual(swarm.failed(CHUNK, 2 * CHUNK), [2]);
  assert.ok(!swarm.isBanned(1));
});

test('fetched when every byte is written or verified; complete when every byte is verified', () => {
  const swarm = new Swarm(2 * CHUNK, undefined, CHUNK);
  assert.ok(!swarm.fetched && !swarm.complete);
  swarm.received(1, 0, CHUNK);
  swarm.passed(0, CHUNK);
  swarm.received(2, CHUNK, 2 * CHUNK - 1);
  assert.ok(!swarm.fetched);
  swarm.received(2, 2 * CHUNK - 1, 2 * CHUNK);
  assert.ok(swarm.fetched && !swarm.complete);
  swarm.passed(CHUNK, 2 * CHUNK);
  assert.ok(swarm.fetched && swarm.complete);
  assert.equal(swarm.lease(3), undefined);
  // startOver forgets every byte, verified or not, and leases from the start again.
  const other = new Swarm(2 * CHUNK, undefined, CHUNK);
  other.received(1, 0, 2 * CHUNK);
  other.passed(0, CHUNK);
  assert.deepEqual(other.lease(2), undefined, 'nothing left to fetch before');
  other.startOver();
  assert.equal(other.written.total, 0);
  assert.equal(other.verified.total, 0);
  assert.deepEqual(other.lease(1), { start: 0, end: CHUNK });
  // An empty file is complete from the start.
  assert.ok(new Swarm(0).complete);
  assert.equal(new Swarm(0).lease(1), undefined);
});

test('fetched is not fooled by bytes written again over verified ones', () => {
  // A source that sends bytes already verified (a wider 206 than leased, say).
  const swarm = new Swarm(2 * CHUNK, undefined, CHUNK);
  swarm.received(1, 0, CHUNK);
  swarm.passed(0, CHUNK);
  swarm.received(2, 0, CHUNK);
  assert.ok(!swarm.fetched, 'bytes CHUNK..2*CHUNK are neither written nor verified');
});

test('resume: restored verified ranges are never leased again ("fetches no verified range twice")', () => {
  const size = 6 * CHUNK + 123;
  const restored = set([0, 2 * CHUNK], [3 * CHUNK, 3 * CHUNK + 100], [5 * CHUNK, 6 * CHUNK]);
  const swarm = new Swarm(size, restored, CHUNK);
  const leased: Interval[] = [];
  for (let source = 1; source <= 10; source++) {
    const lease = swarm.lease(source);
    if (lease) leased.push(lease);
  }
  assert.deepEqual(leased, [
    { start: 2 * CHUNK, end: 3 * CHUNK },
    { start: 3 * CHUNK + 100, end: 4 * CHUNK },
    { start: 4 * CHUNK, end: 5 * CHUNK },
    { start: 6 * CHUNK, end: size },
  ]);
  for (const lease of leased) {
    assert.deepEqual(restored.intersect(lease.start, lease.end), [], JSON.stringify(lease));
  }
});

// ---- property ----

type Step =
  | { op: 'lease'; source: number; partial: boolean }
  | { op: 'receive'; source: number; fraction: number }
  | { op: 'release'; source: number }
  | { op: 'verify' }
  | { op: 'fail' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant('lease' as const),
    source: fc.integer({ min: 1, max: 5 }),
    partial: fc.boolean(),
  }),
  fc.record({
    op: fc.constant('receive' as const),
    source: fc.integer({ min: 1, max: 5 }),
    fraction: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  fc.record({ op: fc.constant('release' as const), source: fc.integer({ min: 1, max: 5 }) }),
  fc.constant({ op: 'verify' as const }),
  fc.constant({ op: 'fail' as const }),
);

test('property: leases never cover verified bytes and never overlap another live lease', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 10 * CHUNK }),
      fc.array(fc.tuple(fc.nat(10 * CHUNK), fc.nat(2 * CHUNK)), { maxLength: 3 }),
      fc.array(fc.tuple(fc.nat(10 * CHUNK), fc.nat(2 * CHUNK)), { maxLength: 3 }),
      fc.array(stepArb, { maxLength: 80 }),
      (size, restoredPairs, availablePairs, steps) => {
        const restored = new IntervalSet();
        for (const [start, length] of restoredPairs) {
          if (start < size) restored.add(start, Math.min(size, start + length));
        }
        const available = new IntervalSet();
        for (const [start, length] of availablePairs) {
          if (start < size) available.add(start, Math.min(size, start + length));
        }
        const swarm = new Swarm(size, restored.clone(), CHUNK);
        const live = new Map<number, Interval>();
        /** Bytes received so far from each live lease's start. */
        const progress = new Map<number, number>();
        const block = 2 * KIB;
        for (const step of steps) {
          switch (step.op) {
            case 'lease': {
              const lease = swarm.lease(step.source, step.partial ? available : undefined);
              if (lease === undefined) break;
              const held = live.get(step.source);
              if (held) {
                assert.deepEqual(lease, held, 'a source keeps its lease');
                break;
              }
              assert.ok(lease.start < lease.end, 'a lease is not empty');
              assert.ok(lease.end <= size);
              assert.equal(
                Math.floor(lease.start / CHUNK),
                Math.floor((lease.end - 1) / CHUNK),
                'a lease lies within one chunk',
              );
              assert.deepEqual(
                swarm.verified.intersect(lease.start, lease.end),
                [],
                'no verified byte is leased',
              );
              assert.deepEqual(
                swarm.written.intersect(lease.start, lease.end),
                [],
                'no written byte is leased',
              );
              if (step.partial) assert.ok(available.covers(lease.start, lease.end));
              for (const [other, theirs] of live) {
                assert.ok(!overlaps(lease, theirs), `overlaps source ${other}'s lease`);
              }
              live.set(step.source, lease);
              progress.set(step.source, lease.start);
              break;
            }
            case 'receive': {
              const lease = live.get(step.source);
              if (!lease) break;
              const from = progress.get(step.source)!;
              const to = from + Math.floor((lease.end - from) * step.fraction);
              swarm.received(step.source, from, to);
              progress.set(step.source, to);
              break;
            }
            case 'release':
              swarm.release(step.source);
              live.delete(step.source);
              break;
            case 'verify': {
              const [first] = swarm.verifiable(block);
              if (first !== undefined) {
                swarm.passed(first * block, Math.min(size, (first + 1) * block));
              }
              break;
            }
            case 'fail': {
              const [first] = swarm.verifiable(block);
              if (first !== undefined) {
                for (const id of swarm.failed(first * block, Math.min(size, (first + 1) * block))) {
                  // A banned source's lease may stand, but it gets no new one.
                  assert.equal(swarm.lease(id), undefined);
                }
              }
              break;
            }
          }
          // Restored bytes stay verified whatever happens.
          for (const { start, end } of restored) assert.ok(swarm.verified.covers(start, end));
          assert.ok(swarm.verified.total + swarm.written.total <= size);
        }
      },
    ),
    { numRuns: UNIT_RUNS },
  );
});
