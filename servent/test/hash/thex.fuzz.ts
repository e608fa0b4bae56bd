/** `npm run fuzz`: a THEX tree received from a peer never throws, and a tree only verifies with its root. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TigerTree } from '../../src/core/hash/index.js';
import { FUZZ_RUNS } from '../fuzz-runs.js';

test('HTTP-33 fromBreadthFirst on arbitrary bytes returns a result, never throws', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 24 * 40 }),
      fc.nat({ max: 1 << 24 }),
      fc.uint8Array({ minLength: 24, maxLength: 24 }),
      (data, fileSize, root) => {
        const result = TigerTree.fromBreadthFirst(data, fileSize, root);
        if (!result.ok) assert.match(result.error.code, /^thex-/);
        else assert.deepEqual(result.value.root, root);
      },
    ),
    { numRuns: FUZZ_RUNS },
  );
});
