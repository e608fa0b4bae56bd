import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildTable, prepareQuery } from '../../src/core/qrp/index.js';
import { LeafIndex } from '../../src/core/routing/leaf-index.js';

const WORDS = ['red', 'apple', 'green', 'pear', 'blue', 'sky', 'ocean', 'waves', 'jazz', 'trio'];

test('UP-7 QRP-11 QRP-18 property: the candidates include every leaf whose table matches, whatever its size', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          bits: fc.constantFrom(14, 16, 17),
          words: fc.subarray(WORDS, { minLength: 1, maxLength: 4 }),
        }),
        { minLength: 1, maxLength: 40 },
      ),
      fc.subarray(WORDS, { minLength: 1, maxLength: 3 }),
      (leaves, queryWords) => {
        const index = new LeafIndex<number>();
        const tables = leaves.map((leaf) =>
          buildTable([{ name: leaf.words.join(' ') }], { bits: leaf.bits, infinity: 7 }),
        );
        for (const [i, table] of tables.entries()) index.set(i, table);
        const query = prepareQuery({ text: queryWords.join(' ') });
        const candidates: number[] = [];
        index.collect(query, candidates);
        for (let i = 0; i < tables.length; i++) {
          if (tables[i]!.matches(query)) assert.ok(candidates.includes(i), `leaf ${i}`);
        }
        assert.equal(new Set(candidates).size, candidates.length);
      },
    ),
    { numRuns: 30 },
  );
});

test('leaves leave the index, their columns are reused, and it grows past 32 leaves', () => {
  const index = new LeafIndex<string>();
  const apple = buildTable([{ name: 'red apple' }]);
  const pear = buildTable([{ name: 'green pear' }]);
  for (let i = 0; i < 70; i++) index.set(`leaf${i}`, i % 2 === 0 ? apple : pear);
  const found = (text: string) => {
    const out: string[] = [];
    index.collect(prepareQuery({ text }), out);
    return out;
  };
  assert.equal(found('apple').length, 35);
  index.delete('leaf0');
  index.set('leaf2', undefined);
  assert.equal(found('apple').length, 33);
  assert.equal(index.size, 68);
  index.set('newcomer', apple);
  assert.ok(found('red apple').includes('newcomer'));
  assert.deepEqual(found('nothing'), []);
});
