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

test('the table is bounded, oldest generation first', () => {
  const table = new RouteTable<number, number>({ lifetimeMs: 1_000, maxEntries: 3 }, 0);
  table.set(1, 1, 0);
  table.set(2, 2, 1_000);
  table.set(3, 3, 1_000);
  table.set(4, 4, 1_000);
  assert.equal(table.size, 3);
  assert.equal(table.get(1, 1_000), undefined);
  assert.equal(table.get(4, 1_000), 4);
});

test('routes through a closed connection can be dropped at once', () => {
  const table = new RouteTable<string, number>({ lifetimeMs: 1_000, maxEntries: 10 }, 0);
  table.set('a', 1, 0);
  table.set('b', 2, 0);
  table.deleteWhere((conn) => conn === 1);
  assert.equal(table.get('a', 1), undefined);
  assert.equal(table.get('b', 1), 2);
});
