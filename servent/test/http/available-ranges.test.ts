import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  type ByteRange,
  formatAvailableRanges,
  MAX_RANGES_READ,
  parseAvailableRanges,
} from '../../src/core/http/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';

// http-transfers.md §12 D: a partial file of 252450 bytes.
const HELD_D = 'bytes 50-102499, 150050-252449';
const RANGES_D: ByteRange[] = [
  { start: 50, end: 102499 },
  { start: 150050, end: 252449 },
];

test('parseAvailableRanges: the §12 D list, and the bytes= spelling', () => {
  assert.deepEqual(parseAvailableRanges(HELD_D), { ok: true, value: RANGES_D });
  assert.deepEqual(parseAvailableRanges('bytes=50-102499,150050-252449'), {
    ok: true,
    value: RANGES_D,
  });
  assert.deepEqual(parseAvailableRanges('bytes 2-6'), { ok: true, value: [{ start: 2, end: 6 }] });
  assert.deepEqual(parseAvailableRanges('bytes'), { ok: true, value: [] });
  assert.deepEqual(parseAvailableRanges('bytes 0-1,,4-5 ,'), {
    ok: true,
    value: [
      { start: 0, end: 1 },
      { start: 4, end: 5 },
    ],
  });
});

test('parseAvailableRanges: sorted, overlapping and touching ranges merged', () => {
  assert.deepEqual(parseAvailableRanges('bytes 20-29, 0-9, 5-12, 30-31, 40-40, 13-13'), {
    ok: true,
    value: [
      { start: 0, end: 13 },
      { start: 20, end: 31 },
      { start: 40, end: 40 },
    ],
  });
});

test('parseAvailableRanges: any malformed item fails the value (HTTP-31)', () => {
  for (const value of [
    '50-60',
    'bytes 9-5',
    'bytes a-b',
    'bytes 1-',
    'bytes -5',
    'bytes 1-2, x',
    'bytes 1-2; 3-4',
    'bytes 0-99999999999999999999',
  ]) {
    const result = parseAvailableRanges(value);
    assert.ok(!result.ok, value);
    assert.equal(result.error.code, 'bad-available-ranges');
  }
});

test(`parseAvailableRanges: reads at most ${MAX_RANGES_READ} ranges, ignoring the rest`, () => {
  const items = Array.from({ length: 1500 }, (_, i) => `${4 * i}-${4 * i + 1}`);
  const result = parseAvailableRanges(`bytes ${items.join(', ')}, junk`);
  assert.ok(result.ok);
  assert.equal(result.value.length, MAX_RANGES_READ);
  assert.deepEqual(result.value.at(-1), { start: 4 * 999, end: 4 * 999 + 1 });
});

test('formatAvailableRanges: the §12 D header; merged; truncated to the first ranges', () => {
  assert.equal(formatAvailableRanges(RANGES_D), HELD_D);
  assert.equal(
    formatAvailableRanges([
      { start: 150050, end: 252449 },
      { start: 50, end: 102499 },
      { start: 100, end: 200 },
    ]),
    HELD_D,
  );
  assert.equal(formatAvailableRanges([]), 'bytes');
  const many = Array.from({ length: 100 }, (_, i) => ({ start: 3 * i, end: 3 * i + 1 }));
  assert.equal(formatAvailableRanges(many).split(', ').length, 64);
  assert.equal(formatAvailableRanges(many, 2), 'bytes 0-1, 3-4');
  assert.throws(() => formatAvailableRanges([{ start: 5, end: 2 }]), UsageError);
  assert.throws(() => formatAvailableRanges([{ start: -1, end: 2 }]), UsageError);
});

test('property: format then parse gives the merged ranges back', () => {
  const byteRange = fc
    .tuple(fc.nat(1_000_000), fc.nat(1_000))
    .map(([start, length]) => ({ start, end: start + length }));
  fc.assert(
    fc.property(fc.array(byteRange, { maxLength: 30 }), (ranges) => {
      const value = formatAvailableRanges(ranges, 1000);
      const parsed = parseAvailableRanges(value);
      assert.ok(parsed.ok);
      assert.equal(formatAvailableRanges(parsed.value, 1000), value);
      for (let i = 1; i < parsed.value.length; i++) {
        assert.ok(parsed.value[i]!.start > parsed.value[i - 1]!.end + 1);
      }
    }),
    { numRuns: UNIT_RUNS },
  );
  fc.assert(
    fc.property(fc.string(), (value) => void parseAvailableRanges(value)),
    {
      numRuns: UNIT_RUNS,
    },
  );
});
