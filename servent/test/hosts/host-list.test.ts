import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostList, hostKey } from '../../src/core/hosts/host-list.js';

const a = { host: '10.0.0.1', port: 6346 };
const b = { host: '10.0.0.2', port: 6346 };
const c = { host: '10.0.0.3', port: 6347 };

test('pinned hosts are dialled first, then hosts never dialled', () => {
  const hosts = new HostList({ retryAfterMs: 1_000 });
  hosts.add(a, 0);
  hosts.add(b, 1, true);
  assert.deepEqual(hosts.nextToDial(10, new Set()), b);
  hosts.markDialled(b, 10);
  assert.deepEqual(hosts.nextToDial(10, new Set()), a);
});

test('a dialled host rests, and the list says when it may be dialled again', () => {
  const hosts = new HostList({ retryAfterMs: 1_000 });
  hosts.add(a, 0);
  hosts.markDialled(a, 100);
  assert.equal(hosts.nextToDial(500, new Set()), undefined);
  assert.equal(hosts.nextRetryAt(new Set()), 1_100);
  assert.deepEqual(hosts.nextToDial(1_100, new Set()), a);
});

test('busy hosts are skipped', () => {
  const hosts = new HostList();
  hosts.add(a, 0);
  assert.equal(hosts.nextToDial(0, new Set([hostKey(a)])), undefined);
});

test('the list is bounded: the oldest learned host goes, pinned ones stay', () => {
  const hosts = new HostList({ maxHosts: 2 });
  hosts.add(a, 0, true);
  hosts.add(b, 1);
  hosts.add(c, 2);
  assert.equal(hosts.size, 2);
  assert.deepEqual(
    hosts.sample(10, new Set()).map(hostKey).sort(),
    [hostKey(a), hostKey(c)].sort(),
  );
});

test('a full list of pinned hosts learns nothing more', () => {
  const hosts = new HostList({ maxHosts: 1 });
  hosts.add(a, 0, true);
  hosts.add(b, 1);
  assert.deepEqual(hosts.sample(10, new Set()), [a]);
});

test('sample excludes given hosts and honours the limit', () => {
  const hosts = new HostList();
  for (let i = 1; i <= 20; i++) hosts.add({ host: `10.0.1.${i}`, port: 6346 }, i);
  const s = hosts.sample(10, new Set(['10.0.1.20:6346']));
  assert.equal(s.length, 10);
  assert.ok(!s.some((h) => h.host === '10.0.1.20'));
  assert.equal(s[0]!.host, '10.0.1.19', 'most recently learned first');
});
