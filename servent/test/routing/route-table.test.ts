import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RouteTable } from '../../src/core/routing/route-table.js';

test('RT-5 an entry survives at least one lifetime and at most two', () => {
  const table = new RouteTable<string, number>({ lifetimeMs: 300_000, maxEntries: 100 }, 0);
  table.set('a', 1, 0);
  assert.equal(table.get('a', 299_999), 1);
  assert.equal(table.get('a', 300_000), 1, 'moved to the previous generation, still there');
  table.set('b', 2, 300_001);
  assert.equal(table.get('a', 599_999), 1);
  assert.equal(table.get('a', 600_001), undefined, 'dropped at the second rotation');
  assert.equal(table.get('b', 600_001), 2);
});

test('a long silence empties both generations at once', () => {
  const table = new RouteTable<string, number>({ lifetimeMs: 1_000, maxEntries: 10 }, 0);
  table.set('a', 1, 0);
  assert.equal(table.get('a', 2_000), undefined);
  assert.equal(table.size, 0);
});

test('refreshing an entry starts a new lifetime', () => {
  const table = new RouteTable<string, number>({ lifetimeMs: 1_000, maxEntries: 10 }, 0);
  table.set('a', 1, 0);
  assert.equal(table.get('a', 1_500), 1);
  table.set('a', 1, 1_500);
  assert.equal(table.get('a', 2_500), 1);
});

test('the table is bounded: a flood rotates generations early, dropping the oldest entries first', () => {
  const table = new RouteTable<number, number>({ lifetimeMs: 60_000, maxEntries: 100 }, 0);
  for (let i = 0; i < 10_000; i++) {
    table.set(i, i, 1);
    assert.ok(table.size <= 100);
  }
  assert.equal(table.get(9_999, 1), 9_999);
  assert.equal(table.get(9_950, 1), 9_950, 'the newest half-bound of entries is always kept');
  assert.equal(table.get(0, 1), undefined);
});

test('routes through a closed connection can be dropped at once', () => {
  const table = new RouteTable<string, number>({ lifetimeMs: 1_000, maxEntries: 10 }, 0);
  table.set('a', 1, 0);
  table.set('b', 2, 0);
  table.deleteWhere((conn) => conn === 1);
  assert.equal(table.get('a', 1), undefined);
  assert.equal(table.get('b', 1), 2);
});
