import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  buildTable,
  mergeTables,
  prepareQuery,
  QueryRouteTable,
  qrpHash,
} from '../../src/core/qrp/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { arbitraryTable } from './arbitraries.js';
import { presentSlotsOf } from './helpers.js';
import { lwKeywordSlots, presentSlots } from './vectors.js';

test('QRP-1 §10.2 the 64-slot table of LimeWire’s keywords has slots {2, 6, 20, 27, 53, 61, 63}', () => {
  const table = new QueryRouteTable({ bits: 6, infinity: 7 });
  for (const [word, slot] of Object.entries(lwKeywordSlots)) {
    assert.equal(qrpHash(word, 6), slot, word);
    table.addKeyword(word);
  }
  assert.deepEqual(presentSlotsOf(table), presentSlots);
  assert.equal(table.presentCount(), 7);
});

test('QRP-7 QRP-19 a built table covers the LimeWire slots of §10.2 (our profile adds more)', () => {
  const table = buildTable([{ name: 'Gnutella Protocol.txt' }], { bits: 6, infinity: 7 });
  for (const slot of presentSlots) assert.ok(table.isPresent(slot), `slot ${slot}`);
});

test('§4.2 a fresh table has no slot present; present slots stand for one hop, absent ones for INFINITY', () => {
  const table = new QueryRouteTable({ bits: 3, infinity: 7 });
  assert.equal(table.presentCount(), 0);
  assert.deepEqual(
    Array.from({ length: 8 }, (_, slot) => table.valueAt(slot)),
    Array(8).fill(7),
  );
  table.addKeyword('test');
  assert.equal(table.valueAt(qrpHash('test', 3)), 1);
  assert.equal(table.presentCount(), 1);
  // INFINITY 1 (gtk-gnutella's 1-bit tables): present is 0.
  const one = new QueryRouteTable({ bits: 3, infinity: 1 }).addKeyword('test');
  assert.equal(one.valueAt(qrpHash('test', 3)), 0);
  assert.ok(one.isPresent(qrpHash('test', 3)));
  assert.throws(() => new QueryRouteTable({ bits: 22, infinity: 7 }), UsageError);
  assert.throws(() => new QueryRouteTable({ bits: 4, infinity: 0 }), UsageError);
});

test('a table of 2^21 slots: presence by bit, counted and listed exactly', () => {
  const table = new QueryRouteTable({ bits: 21, infinity: 7 });
  const slots = [0, 31, 32, 63, 1_000_000, 2 ** 21 - 1];
  for (const slot of slots) table.setPresent(slot, true);
  assert.deepEqual([...table.presentSlots()], slots);
  assert.equal(table.presentCount(), slots.length);
  table.setPresent(31, false).setPresent(31, false);
  assert.equal(table.presentCount(), slots.length - 1);
  assert.ok(!table.isPresent(31) && table.isPresent(32));
  const copy = table.clone();
  assert.ok(copy.equals(table));
  copy.setPresent(5, true);
  assert.ok(!copy.equals(table), 'a clone is a copy');
});

test('QRP-11 §8.1 a query matches only when every word hits; no words never matches', () => {
  const table = buildTable([{ name: 'Gnutella Protocol.txt' }], { bits: 16, infinity: 7 });
  assert.ok(table.matches(prepareQuery({ text: 'gnutella' })));
  assert.ok(table.matches(prepareQuery({ text: 'PROTOCOL gnutella' })));
  assert.ok(table.matches(prepareQuery({ text: 'gnutel' })), 'prefix');
  assert.ok(!table.matches(prepareQuery({ text: 'limewire' })), 'one-word miss');
  assert.ok(!table.matches(prepareQuery({ text: 'gnutella limewire' })), 'one of two misses');
  assert.ok(!table.matches(prepareQuery({ text: '' })));
  assert.ok(!table.matches(prepareQuery({ text: ' - ' })));
});

test('QRP-18 a query is hashed with each table’s own size', () => {
  const small = buildTable([{ name: 'limewire.txt' }], { bits: 16, infinity: 7 });
  const large = buildTable([{ name: 'limewire.txt' }], { bits: 17, infinity: 7 });
  const query = prepareQuery({ text: 'limewire' });
  assert.ok(small.matches(query));
  assert.ok(large.matches(query));
  // 17-bit slot 27937 (§10.1) is present; the 16-bit slot number 13968 is not, in the 17-bit table.
  assert.ok(large.isPresent(27937));
  assert.ok(!large.isPresent(13968));
});

test('§8.2 URN queries: any URN present matches; else the words decide; URN alone never', () => {
  const urn = 'urn:sha1:5TR7FAGIBF4QT4AAY4KLBLDG6XWN6GI3';
  const withUrn = buildTable([{ name: 'alpha_test_file.txt', urns: [urn] }], {
    bits: 16,
    infinity: 7,
  });
  const withoutUrn = buildTable([{ name: 'alpha_test_file.txt' }], { bits: 16, infinity: 7 });
  assert.ok(withUrn.isPresent(qrpHash(urn.toLowerCase(), 16)), 'hashed case-insensitively');
  assert.ok(withUrn.matches(prepareQuery({ text: 'nothing here', urns: [urn] })));
  assert.ok(withUrn.matches(prepareQuery({ text: '', urns: ['urn:sha1:AAAA', urn] })));
  assert.ok(withoutUrn.matches(prepareQuery({ text: 'alpha', urns: [urn] })));
  assert.ok(!withoutUrn.matches(prepareQuery({ text: '', urns: [urn] })));
});

test('§8.3 a "What’s New?" query bypasses keywords; an empty table does not get it', () => {
  const whatsNew = prepareQuery({ text: 'WhatIsNewXOXO', whatsNew: true });
  assert.ok(buildTable([{ name: 'a.txt' }], { bits: 8, infinity: 7 }).matches(whatsNew));
  assert.ok(!new QueryRouteTable({ bits: 8, infinity: 7 }).matches(whatsNew));
});

test('§4.3 growing a table is exact: every keyword still hits at the larger size', () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ maxLength: 12 }), { maxLength: 40 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 0, max: 4 }),
      (words, bits, grow) => {
        const table = new QueryRouteTable({ bits, infinity: 7 });
        for (const word of words) table.addKeyword(word);
        const grown = table.resize(bits + grow);
        const direct = new QueryRouteTable({ bits: bits + grow, infinity: 7 });
        for (const word of words) {
          direct.addKeyword(word);
          assert.ok(grown.isPresent(qrpHash(word, bits + grow)));
        }
        // Presence after growing is a superset of building at the larger size.
        for (let slot = 0; slot < direct.length; slot++) {
          if (direct.isPresent(slot)) assert.ok(grown.isPresent(slot));
        }
        assert.ok(grown.resize(bits).equals(table), 'shrinking back gives the original');
      },
    ),
    { numRuns: UNIT_RUNS },
  );
});

test('§4.3 shrinking ORs each group of slots', () => {
  fc.assert(
    fc.property(
      arbitraryTable(fc.integer({ min: 1, max: 10 })),
      fc.nat({ max: 10 }),
      (table, r) => {
        const shift = Math.min(r, table.bits);
        const shrunk = table.resize(table.bits - shift);
        for (let slot = 0; slot < shrunk.length; slot++) {
          let any = false;
          for (let s = slot << shift; s < (slot + 1) << shift; s++) any ||= table.isPresent(s);
          assert.equal(shrunk.isPresent(slot), any);
        }
      },
    ),
    { numRuns: UNIT_RUNS },
  );
});

test('QRP-16 §4.3 §9 merging leaf tables of any size: presence is the OR at the target size', () => {
  const leafA = buildTable([{ name: 'alpha.txt' }], { bits: 14, infinity: 2 });
  const leafB = buildTable([{ name: 'bravo.mp3' }], { bits: 17, infinity: 7 });
  const own = buildTable([{ name: 'charlie.bin' }], { bits: 16, infinity: 7 });
  const merged = mergeTables([own, leafA, leafB], { bits: 16, infinity: 7 });
  for (const word of ['alpha', 'txt', 'bravo', 'mp3', 'charlie', 'bin']) {
    assert.ok(merged.matches(prepareQuery({ text: word })), word);
  }
  assert.ok(!merged.matches(prepareQuery({ text: 'delta' })));
  assert.equal(merged.bits, 16);
  assert.equal(mergeTables([]).presentCount(), 0);
});

const mergeShape = { bits: 6, infinity: 5 };
const leafTable = arbitraryTable(fc.integer({ min: 3, max: 8 }), fc.integer({ min: 1, max: 9 }));

test('QRP-16 §4.3 merging is commutative', () => {
  fc.assert(
    fc.property(leafTable, leafTable, (a, b) => {
      assert.ok(mergeTables([a, b], mergeShape).equals(mergeTables([b, a], mergeShape)));
    }),
    { numRuns: UNIT_RUNS },
  );
});

test('QRP-16 §4.3 merging is associative (and merging a merged table changes nothing)', () => {
  fc.assert(
    fc.property(leafTable, leafTable, leafTable, (a, b, c) => {
      const left = mergeTables([mergeTables([a, b], mergeShape), c], mergeShape);
      const right = mergeTables([a, mergeTables([b, c], mergeShape)], mergeShape);
      assert.ok(left.equals(right));
      assert.ok(left.equals(mergeTables([a, b, c], mergeShape)));
      assert.ok(mergeTables([left], mergeShape).equals(left), 'idempotent');
    }),
    { numRuns: UNIT_RUNS },
  );
});
