import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  formatContentRange,
  formatUnsatisfiedRange,
  parseContentRange,
  parseRange,
  type RangeRequest,
} from '../../src/core/http/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';

const range = (start: number, end: number): RangeRequest => ({ kind: 'range', start, end });
const UNSATISFIABLE: RangeRequest = { kind: 'unsatisfiable' };

// The 26-byte file of http-transfers.md §12.
const SIZE = 26;

test('parseRange: the three forms and the §12 exchanges (HTTP-6)', () => {
  assert.deepEqual(parseRange(undefined, SIZE), { kind: 'whole' });
  assert.deepEqual(parseRange('bytes=2-5', SIZE), range(2, 5)); // §12 A: cdef
  assert.deepEqual(parseRange('bytes=-5', SIZE), range(21, 25)); // §12 B: vwxyz
  assert.deepEqual(parseRange('bytes=26-30', SIZE), UNSATISFIABLE); // §12 C: 416
  assert.deepEqual(parseRange('bytes=0-25', SIZE), range(0, 25)); // push.md §8: the caller answers 200
  assert.deepEqual(parseRange('bytes=0-', SIZE), range(0, 25));
  assert.deepEqual(parseRange('bytes=25-', SIZE), range(25, 25));
  assert.deepEqual(parseRange('bytes=7-7', SIZE), range(7, 7));
});

test('parseRange: tolerated spellings (HTTP-6)', () => {
  for (const value of [
    'bytes 2-5', // old BearShare, no '='
    'bytes=  2  -  5 ', // §6: `Range:   bytes=  2  -  5 `, the value as a reader gets it
    '  bytes=  2  -  5 ',
    'bytes = 2-5',
    'BYTES=2-5',
    'bytes=\t2-5',
    'bytes=2-5,',
  ]) {
    assert.deepEqual(parseRange(value, SIZE), range(2, 5), JSON.stringify(value));
  }
});

test('parseRange: clamping and suffixes (HTTP-7), unsatisfiable starts (HTTP-8)', () => {
  assert.deepEqual(parseRange('bytes=20-100', SIZE), range(20, 25));
  assert.deepEqual(parseRange('bytes=0-99999999999999999999999', SIZE), range(0, 25));
  assert.deepEqual(parseRange('bytes=-26', SIZE), range(0, 25));
  assert.deepEqual(parseRange('bytes=-100', SIZE), range(0, 25));
  assert.deepEqual(parseRange('bytes=-1', SIZE), range(25, 25));
  assert.deepEqual(parseRange('bytes=-0', SIZE), UNSATISFIABLE);
  assert.deepEqual(parseRange('bytes=26-', SIZE), UNSATISFIABLE);
  assert.deepEqual(parseRange('bytes=99999999999999999999-', SIZE), UNSATISFIABLE);
});

test('parseRange: several ranges serve the first satisfiable one (HTTP-9)', () => {
  assert.deepEqual(parseRange('bytes=0-9,20-29', SIZE), range(0, 9));
  assert.deepEqual(parseRange('bytes=30-40, 20-29', SIZE), range(20, 25));
  assert.deepEqual(parseRange('bytes=30-40,-0,50-', SIZE), UNSATISFIABLE);
  // One malformed part spoils the header: it is 400, not a partial guess.
  assert.equal(parseRange('bytes=0-9,x', SIZE).kind, 'malformed');
  assert.equal(parseRange('bytes=0-9,9-0', SIZE).kind, 'malformed');
});

test('parseRange: malformed values are 400 (HTTP-6)', () => {
  for (const value of [
    '2-5', // §6: no unit
    '',
    'bytes',
    'bytes=',
    'bytes=,',
    'bytes2-5',
    'bits=2-5',
    'bytes=5-2', // a > b
    'bytes=30-2', // a > b even past EOF
    'bytes=-',
    'bytes=abc',
    'bytes=5',
    'bytes=1-2-3',
    'bytes=--5',
    'bytes=+1-2',
    'bytes=1e3-',
    'bytes=0x10-',
    'bytes=1.5-2',
  ]) {
    const result = parseRange(value, SIZE);
    assert.equal(result.kind, 'malformed', JSON.stringify(value));
  }
});

test('parseRange: an empty file has no satisfiable range, and no Range is still the whole file', () => {
  assert.deepEqual(parseRange(undefined, 0), { kind: 'whole' });
  for (const value of ['bytes=0-', 'bytes=0-0', 'bytes=-5', 'bytes=-0']) {
    assert.deepEqual(parseRange(value, 0), UNSATISFIABLE, value);
  }
  assert.equal(parseRange('2-5', 0).kind, 'malformed');
  assert.throws(() => parseRange('bytes=0-', -1), UsageError);
  assert.throws(() => parseRange('bytes=0-', 1.5), UsageError);
});

const rangeLike = fc
  .tuple(
    fc.constantFrom('bytes=', 'bytes ', 'bytes', ' BYTES = ', '', 'bytes=-'),
    fc.array(
      fc.tuple(
        fc.option(fc.oneof(fc.nat(40), fc.nat())),
        fc.constantFrom('-', ' - ', '', '--'),
        fc.option(fc.oneof(fc.nat(40), fc.nat())),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(
    ([unit, specs]) => unit + specs.map(([a, dash, b]) => `${a ?? ''}${dash}${b ?? ''}`).join(','),
  );

test('property: parseRange never throws, and a range lies within 0..size-1', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), rangeLike), fc.oneof(fc.nat(40), fc.nat()), (value, size) => {
      const result = parseRange(value, size);
      if (result.kind === 'range') {
        assert.ok(Number.isSafeInteger(result.start) && Number.isSafeInteger(result.end));
        assert.ok(0 <= result.start && result.start <= result.end && result.end <= size - 1);
      }
      if (size === 0) assert.notEqual(result.kind, 'range');
    }),
    { numRuns: UNIT_RUNS * 5 },
  );
});

test('parseContentRange: ranges, the 416 form, and old spellings', () => {
  assert.deepEqual(parseContentRange('bytes 2-5/26'), {
    ok: true,
    value: { kind: 'range', start: 2, end: 5, total: 26 },
  });
  assert.deepEqual(parseContentRange('bytes 21-25/26'), {
    ok: true,
    value: { kind: 'range', start: 21, end: 25, total: 26 },
  });
  // §12 D: a PFSP server shrinks the range; the total is the complete file.
  assert.deepEqual(parseContentRange('bytes 100000-102499/252450'), {
    ok: true,
    value: { kind: 'range', start: 100000, end: 102499, total: 252450 },
  });
  assert.deepEqual(parseContentRange('bytes=0-9/26'), {
    ok: true,
    value: { kind: 'range', start: 0, end: 9, total: 26 },
  });
  assert.deepEqual(parseContentRange('  bytes 0 - 9 / 26 '), {
    ok: true,
    value: { kind: 'range', start: 0, end: 9, total: 26 },
  });
  // §12 C: the 416 answer.
  assert.deepEqual(parseContentRange('bytes */26'), {
    ok: true,
    value: { kind: 'unsatisfied', total: 26 },
  });
});

test('parseContentRange: malformed values are bad-content-range', () => {
  for (const value of [
    '',
    '2-5/26',
    'bytes 2-5',
    'bytes 5-2/26',
    'bytes 0-26/26',
    'bytes 0-9/*',
    'bytes */*',
    'bytes -5/26',
    'bytes 0-9/99999999999999999999',
    'bytes a-b/c',
  ]) {
    const result = parseContentRange(value);
    assert.ok(!result.ok, value);
    assert.equal(result.error.code, 'bad-content-range');
  }
});

test('formatContentRange and formatUnsatisfiedRange (HTTP-8, HTTP-10)', () => {
  assert.equal(formatContentRange(2, 5, 26), 'bytes 2-5/26');
  assert.equal(formatContentRange(21, 25, 26), 'bytes 21-25/26');
  assert.equal(formatUnsatisfiedRange(26), 'bytes */26');
  assert.throws(() => formatContentRange(5, 2, 26), UsageError);
  assert.throws(() => formatContentRange(0, 26, 26), UsageError);
  assert.throws(() => formatContentRange(-1, 2, 26), UsageError);
  assert.throws(() => formatUnsatisfiedRange(-1), UsageError);
  fc.assert(
    fc.property(fc.nat(), fc.nat(), fc.nat(), (a, b, c) => {
      const [start, end, last] = [a, b, c].sort((x, y) => x - y) as [number, number, number];
      const parsed = parseContentRange(formatContentRange(start, end, last + 1));
      assert.deepEqual(parsed, { ok: true, value: { kind: 'range', start, end, total: last + 1 } });
    }),
    { numRuns: UNIT_RUNS },
  );
});
