import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import { type Interval, IntervalSet } from '../../src/core/transfer/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';

const set = (...pairs: Array<[number, number]>): IntervalSet => {
  const s = new IntervalSet();
  for (const [start, end] of pairs) s.add(start, end);
  return s;
};

test('add merges overlapping and touching intervals, keeps the others apart', () => {
  const s = set([10, 20], [30, 40], [20, 25], [0, 5], [38, 50]);
  assert.deepEqual(s.toJSON(), [
    [0, 5],
    [10, 25],
    [30, 50],
  ]);
  assert.equal(s.total, 5 + 15 + 20);
  assert.equal(s.count, 3);
  s.add(4, 31);
  assert.deepEqual(s.toJSON(), [[0, 50]]);
  assert.equal(s.total, 50);
});

test('an empty range adds and removes nothing', () => {
  const s = set([5, 5], [1, 2]).remove(1, 1);
  assert.deepEqual(s.toJSON(), [[1, 2]]);
});

test('remove cuts holes and trims ends', () => {
  const s = set([0, 100]).remove(10, 20).remove(90, 200).remove(0, 5);
  assert.deepEqual(s.toJSON(), [
    [5, 10],
    [20, 90],
  ]);
  assert.equal(s.total, 75);
});

test('has, covers, intersect and missing are half-open', () => {
  const s = set([2, 7], [10, 12]);
  assert.deepEqual(
    [1, 2, 6, 7, 9, 10, 11, 12].map((o) => s.has(o)),
    [false, true, true, false, false, true, true, false],
  );
  assert.ok(s.covers(2, 7));
  assert.ok(!s.covers(2, 8));
  assert.ok(!s.covers(6, 11));
  assert.ok(s.covers(8, 8));
  // The PFSP example of http-transfers.md §9: held 2..6, requests 1-3, 3-10, 0-20 (inclusive).
  assert.deepEqual(set([2, 7]).intersect(1, 4), [{ start: 2, end: 4 }]);
  assert.deepEqual(set([2, 7]).intersect(3, 11), [{ start: 3, end: 7 }]);
  assert.deepEqual(set([2, 7]).intersect(0, 21), [{ start: 2, end: 7 }]);
  assert.deepEqual(s.missing(0, 20), [
    { start: 0, end: 2 },
    { start: 7, end: 10 },
    { start: 12, end: 20 },
  ]);
  assert.deepEqual(s.missing(3, 6), []);
});

test('bad ranges are our bug', () => {
  const s = new IntervalSet();
  assert.throws(() => s.add(5, 4), UsageError);
  assert.throws(() => s.add(-1, 4), UsageError);
  assert.throws(() => s.remove(0.5, 4), UsageError);
  assert.throws(() => s.intersect(0, Number.POSITIVE_INFINITY), UsageError);
});

test('toJSON and fromJSON round-trip; fromJSON merges touching pairs', () => {
  const s = set([0, 3], [8, 9]);
  const back = IntervalSet.fromJSON(JSON.parse(JSON.stringify(s)));
  assert.ok(back.ok);
  assert.ok(back.value.equals(s));
  const touching = IntervalSet.fromJSON([
    [0, 3],
    [3, 9],
  ]);
  assert.ok(touching.ok);
  assert.deepEqual(touching.value.toJSON(), [[0, 9]]);
});

test('fromJSON rejects overlapping, unsorted, negative, empty and malformed records', () => {
  for (const bad of [
    [
      [0, 5],
      [4, 9],
    ],
    [
      [6, 9],
      [0, 5],
    ],
    [[-1, 5]],
    [[3, 3]],
    [[5, 3]],
    [[0, 1.5]],
    [[0, '5']],
    [[0, 1, 2]],
    [0, 1],
    { 0: [0, 1] },
    'x',
  ]) {
    const result = IntervalSet.fromJSON(bad);
    assert.ok(!result.ok, JSON.stringify(bad));
    assert.equal(result.error.code, 'intervals-bad-json');
  }
});

test('clone is independent; equals compares contents', () => {
  const s = set([0, 10]);
  const copy = s.clone();
  copy.remove(2, 3);
  assert.equal(s.total, 10);
  assert.equal(copy.total, 9);
  assert.ok(!s.equals(copy));
  assert.ok(set([0, 5], [5, 10]).equals(s));
});

test('iteration yields copies in order', () => {
  const s = set([4, 6], [0, 1]);
  const items: Interval[] = [...s];
  assert.deepEqual(items, [
    { start: 0, end: 1 },
    { start: 4, end: 6 },
  ]);
  items[0]!.end = 99;
  assert.deepEqual(s.toJSON(), [
    [0, 1],
    [4, 6],
  ]);
});

test('thousands of pieces stay fast (binary search)', () => {
  const s = new IntervalSet();
  for (let i = 0; i < 20_000; i++) s.add(i * 10, i * 10 + 5);
  let hits = 0;
  for (let o = 0; o < 200_000; o += 7) if (s.has(o)) hits++;
  assert.equal(s.count, 20_000);
  assert.ok(hits > 0);
  assert.ok(s.covers(199_990, 199_995));
});

// Property: the set agrees with a boolean per byte over a small universe.
const UNIVERSE = 64;
const range = fc
  .tuple(fc.nat({ max: UNIVERSE }), fc.nat({ max: UNIVERSE }))
  .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
const op = fc.tuple(fc.boolean(), range);

function intervalsOf(bits: boolean[], start: number, end: number, value: boolean): Interval[] {
  const out: Interval[] = [];
  for (let o = start; o < end; o++) {
    if (bits[o] !== value) continue;
    const last = out.at(-1);
    if (last && last.end === o) last.end++;
    else out.push({ start: o, end: o + 1 });
  }
  return out;
}

test('matches a boolean-array model under any sequence of adds and removes', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 30 }), range, (ops, [qs, qe]) => {
      const s = new IntervalSet();
      const bits = new Array<boolean>(UNIVERSE).fill(false);
      for (const [adding, [start, end]] of ops) {
        if (adding) s.add(start, end);
        else s.remove(start, end);
        bits.fill(adding, start, end);
      }
      assert.deepEqual([...s], intervalsOf(bits, 0, UNIVERSE, true));
      assert.equal(s.total, bits.filter(Boolean).length);
      for (let o = 0; o <= UNIVERSE; o++) assert.equal(s.has(o), bits[o] === true);
      assert.equal(
        s.covers(qs, qe),
        bits.slice(qs, qe).every((b) => b),
      );
      assert.deepEqual(s.intersect(qs, qe), intervalsOf(bits, qs, qe, true));
      assert.deepEqual(s.missing(qs, qe), intervalsOf(bits, qs, qe, false));
      const back = IntervalSet.fromJSON(s.toJSON());
      assert.ok(back.ok && back.value.equals(s));
    }),
    { numRuns: UNIT_RUNS * 5 },
  );
});
