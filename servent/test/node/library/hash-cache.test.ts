import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TigerTreeBuilder } from '../../../src/core/hash/index.js';
import { loadHashCache, saveHashCache } from '../../../src/node/library/hash-cache.js';
import { createLogger } from '../../../src/node/log.js';
import { tempDir } from './support.js';

test('a cached entry keeps its tree level across a save and a load (no hashing again at restart)', async (t) => {
  const state = await tempDir(t);
  // 300 KiB: depth 1 of its tree has 2 nodes, 48 bytes.
  const tree = new TigerTreeBuilder({ keepDepth: 1 }).update(new Uint8Array(300 * 1024)).digest();
  const entry = {
    size: 300 * 1024,
    mtimeMs: 1_700_000_000_000,
    sha1: new Uint8Array(20).fill(7),
    tigerRoot: tree.root,
    tigerLevel: { depth: 1, nodes: tree.level(1) },
    addedAt: 1,
  };
  await saveHashCache(state, '/share', [['a/file.bin', entry]]);
  const loaded = await loadHashCache(state, '/share', createLogger('silent'));
  const back = loaded.get('a/file.bin');
  assert.ok(back, 'the entry is kept');
  assert.equal(back.tigerLevel?.depth, 1);
  assert.deepEqual(back.tigerLevel?.nodes, tree.level(1));
  assert.deepEqual(back.sha1, entry.sha1);
});
