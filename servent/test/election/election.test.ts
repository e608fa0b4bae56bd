import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Election } from '../../src/core/election.js';

const H = 3_600_000;

test('an automatic servent starts as a leaf and stays one while unreachable', () => {
  const e = new Election({}, 0);
  assert.equal(e.mode, 'leaf');
  assert.deepEqual(e.decide({ now: 10 * H, reachable: false, leaves: 0 }).changed, false);
});

test('a reachable leaf is promoted once up long enough, not before', () => {
  const e = new Election({ minUptimeMs: H }, 0);
  assert.equal(e.decide({ now: H - 1, reachable: true, leaves: 0 }).changed, false);
  assert.equal(e.nextCheckAt(H - 1), H);
  const d = e.decide({ now: H, reachable: true, leaves: 0 });
  assert.deepEqual([d.mode, d.changed], ['ultrapeer', true]);
});

test('an ultrapeer without leaves for too long is demoted; leaves keep it up', () => {
  const e = new Election({ minUptimeMs: 0, leaflessMs: H, firstRestMs: 0 }, 0);
  e.decide({ now: 0, reachable: true, leaves: 0 });
  assert.equal(e.mode, 'ultrapeer');
  e.decide({ now: H / 2, reachable: true, leaves: 3 });
  assert.equal(
    e.decide({ now: H, reachable: true, leaves: 0 }).changed,
    false,
    'a leaf was seen half an hour ago',
  );
  assert.equal(e.decide({ now: 1.5 * H, reachable: true, leaves: 0 }).mode, 'leaf');
});

test('switches rest, doubling each time up to the cap, so a node never flaps', () => {
  const e = new Election(
    { minUptimeMs: 0, leaflessMs: 0, firstRestMs: 1_000, maxRestMs: 3_000 },
    0,
  );
  const at = (now: number) => e.decide({ now, reachable: true, leaves: 0 });
  assert.equal(at(0).mode, 'ultrapeer');
  assert.equal(at(999).changed, false, 'resting 1 s');
  assert.equal(at(1_000).mode, 'leaf');
  assert.equal(at(2_999).changed, false, 'resting 2 s now');
  assert.equal(at(3_000).mode, 'ultrapeer');
  assert.equal(at(5_999).changed, false, 'resting 3 s, the cap');
  assert.equal(at(6_000).mode, 'leaf');
});
