/** The host cache (bootstrap.md §2): dial order, rest and back-off, bounds, address rules, persistence. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  HostCache,
  type HostCacheOptions,
  hostKey,
  ipv4Kind,
} from '../../src/core/hosts/host-cache.js';
import { UNIT_RUNS } from '../fuzz-runs.js';

const none: ReadonlySet<string> = new Set();
const at = (i: number, port = 6346) => ({ host: `198.51.100.${i}`, port });
const a = at(1);
const b = at(2);
const c = at(3);
const d = at(4);

const cache = (options: Partial<HostCacheOptions> = {}) =>
  new HostCache({ retryAfterMs: 1_000, ...options });

/** Every host in dial order, marking each dialled as it comes so the next one shows. */
function dialOrder(hosts: HostCache, now: number): string[] {
  const order: string[] = [];
  for (let next = hosts.nextToDial(now, none); next; next = hosts.nextToDial(now, none)) {
    order.push(hostKey(next));
    hosts.markDialled(next, now);
  }
  return order;
}

test('BOOT-1 dial order: pinned, then hosts that answered before, then ultrapeers, then the rest', () => {
  const hosts = cache();
  hosts.add(a, 10, { source: 'pong' });
  hosts.add(b, 20, { source: 'x-try', ultrapeer: true });
  hosts.add(c, 5, { source: 'persisted' });
  hosts.connected(c, 5);
  hosts.add(d, 1, { source: 'pinned' });
  assert.deepEqual(dialOrder(hosts, 100), [d, c, b, a].map(hostKey));
});

test('within a group: latest success first, then latest seen first', () => {
  const hosts = cache();
  for (const [i, seen] of [
    [1, 10],
    [2, 30],
    [3, 20],
  ] as const) {
    hosts.add(at(i), seen, { source: 'pong', ultrapeer: true });
  }
  hosts.add(at(4), 1, { source: 'pong' });
  hosts.add(at(5), 2, { source: 'pong' });
  hosts.connected(at(4), 40);
  hosts.connected(at(5), 50);
  assert.deepEqual(
    dialOrder(hosts, 100),
    [5, 4, 2, 3, 1].map((i) => hostKey(at(i))),
  );
});

test('learning a host again refreshes it and may make it an ultrapeer, never the reverse', () => {
  const hosts = cache();
  hosts.add(a, 10, { source: 'pong' });
  hosts.add(b, 20, { source: 'pong' });
  assert.equal(hosts.add(a, 30, { source: 'x-try', ultrapeer: true }), 'refreshed');
  assert.equal(hosts.add(a, 40, { source: 'pong', ultrapeer: false }), 'refreshed');
  const [first] = hosts.entries();
  assert.deepEqual(first, {
    ...a,
    source: 'pong',
    pinned: false,
    ultrapeer: true,
    lastSeenAt: 40,
    lastSuccessAt: undefined,
    lastDialAt: undefined,
    failures: 0,
  });
  // Only the peer's own handshake says it is not an ultrapeer.
  hosts.connected(a, 50, { ultrapeer: false });
  assert.equal(hosts.entries().find((e) => e.host === a.host)?.ultrapeer, false);
});

test('a pinned host stays pinned whatever names it later', () => {
  const hosts = cache();
  hosts.add(a, 0, { source: 'pinned' });
  hosts.add(a, 5, { source: 'pong' });
  assert.deepEqual(
    hosts.entries().map((e) => [e.source, e.pinned]),
    [['pinned', true]],
  );
});

test('a dialled host rests, and the cache says when it may be dialled again', () => {
  const hosts = cache();
  hosts.add(a, 0, { source: 'pong' });
  hosts.markDialled(a, 100);
  assert.equal(hosts.nextToDial(500, none), undefined);
  assert.equal(hosts.usable(500, none), 0);
  assert.equal(hosts.nextRetryAt(none), 1_100);
  assert.deepEqual(hosts.nextToDial(1_100, none), a);
  assert.equal(hosts.usable(1_100, none), 1);
});

test('busy hosts are skipped and not counted as usable', () => {
  const hosts = cache();
  hosts.add(a, 0, { source: 'pong' });
  hosts.add(b, 0, { source: 'pong' });
  const busy = new Set([hostKey(a)]);
  assert.deepEqual(hosts.nextToDial(0, busy), b);
  assert.equal(hosts.usable(0, busy), 1);
  hosts.markDialled(a, 0);
  assert.equal(hosts.nextRetryAt(busy), undefined, 'a busy host sets no timer');
});

test('each consecutive failure doubles the rest, up to the cap; a success resets it', () => {
  const hosts = cache({ maxFailures: 10, maxRetryAfterMs: 5_000 });
  hosts.add(a, 0, { source: 'pong' });
  let now = 0;
  for (const rest of [2_000, 4_000, 5_000, 5_000]) {
    hosts.markDialled(a, now);
    hosts.failed(a, now);
    assert.equal(hosts.nextRetryAt(none), now + rest);
    assert.equal(hosts.nextToDial(now + rest - 1, none), undefined);
    assert.deepEqual(hosts.nextToDial(now + rest, none), a);
    now += rest;
  }
  hosts.markDialled(a, now);
  hosts.connected(a, now + 10);
  assert.equal(hosts.nextRetryAt(none), now + 1_000);
  assert.equal(hosts.entries()[0]?.failures, 0);
});

test('a host is dropped after maxFailures failures in a row; a pinned one is kept', () => {
  const hosts = cache({ maxFailures: 3 });
  hosts.add(a, 0, { source: 'pong' });
  hosts.add(b, 0, { source: 'pinned' });
  for (let i = 0; i < 2; i++) {
    assert.equal(hosts.failed(a, i), false);
    hosts.failed(b, i);
  }
  hosts.connected(a, 5);
  assert.equal(hosts.failed(a, 6), false, 'a success starts the count again');
  assert.equal(hosts.failed(a, 7), false);
  assert.equal(hosts.failed(a, 8), true);
  assert.equal(hosts.failed(b, 9), false);
  assert.equal(hosts.has(a), false);
  assert.equal(hosts.has(b), true);
  assert.equal(hosts.counters.dropped, 1);
});

test('bad, reserved and own addresses are refused, each with its reason', () => {
  const hosts = cache({ selfKeys: ['198.51.100.9:6346'] });
  const refused: [string, number, string][] = [
    ['198.51.100.1', 0, 'bad-port'],
    ['198.51.100.1', 65536, 'bad-port'],
    ['198.51.100.1', 1.5, 'bad-port'],
    ['0.0.0.0', 6346, 'unspecified'],
    ['0.1.2.3', 6346, 'unspecified'],
    ['224.0.0.1', 6346, 'multicast'],
    ['239.255.255.250', 6346, 'multicast'],
    ['240.0.0.1', 6346, 'reserved'],
    ['255.255.255.255', 6346, 'reserved'],
    ['127.0.0.1', 6346, 'loopback'],
    ['198.51.100.9', 6346, 'self'],
    ['example.org', 6346, 'bad-address'],
    ['1.2.3', 6346, 'bad-address'],
    ['01.2.3.4', 6346, 'bad-address'],
    ['::1', 6346, 'bad-address'],
    ['', 6346, 'bad-address'],
  ];
  for (const [host, port, why] of refused) {
    assert.equal(hosts.add({ host, port }, 0, { source: 'pong' }), why, `${host}:${port}`);
  }
  assert.equal(hosts.size, 0);
  assert.equal(hosts.counters.refused['bad-address'], 5);
  assert.equal(hosts.add({ host: '10.1.2.3', port: 6346 }, 0, { source: 'x-try' }), 'added');
  assert.equal(hosts.add({ host: '192.0.2.1', port: 6346 }, 0, { source: 'x-try' }), 'added');
});

test('private addresses are taken unless allowPrivate is false; loopback only with allowLoopback', () => {
  const strict = cache({ allowPrivate: false });
  for (const host of ['10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.1.1']) {
    assert.equal(strict.add({ host, port: 6346 }, 0, { source: 'pong' }), 'private', host);
  }
  assert.equal(strict.add({ host: '172.32.0.1', port: 6346 }, 0, { source: 'pong' }), 'added');
  const lab = cache({ allowLoopback: true });
  assert.equal(lab.add({ host: '127.0.0.1', port: 7000 }, 0, { source: 'pong' }), 'added');
});

test('the operator may pin DNS names, loopback and private hosts, but never ourselves', () => {
  const hosts = cache({ allowPrivate: false, selfKeys: ['servent-1:6346'] });
  for (const host of ['servent-2', 'node.example.org', '127.0.0.1', '10.0.0.7']) {
    assert.equal(hosts.add({ host, port: 6346 }, 0, { source: 'pinned' }), 'added', host);
  }
  assert.equal(hosts.add({ host: 'servent-1', port: 6346 }, 0, { source: 'pinned' }), 'self');
  assert.equal(hosts.add({ host: '224.0.0.1', port: 6346 }, 0, { source: 'pinned' }), 'multicast');
  assert.equal(hosts.add({ host: 'servent-3', port: 6346 }, 0, { source: 'pong' }), 'bad-address');
});

test('setSelf forgets our own addresses and refuses them from then on', () => {
  const hosts = cache();
  hosts.add(a, 0, { source: 'pong' });
  hosts.add(b, 0, { source: 'pong' });
  hosts.setSelf([a]);
  assert.equal(hosts.has(a), false);
  assert.equal(hosts.add(a, 1, { source: 'x-try' }), 'self');
  hosts.setSelf([b]);
  assert.equal(hosts.add(a, 2, { source: 'x-try' }), 'added', 'the previous self set is replaced');
});

test('bounded: the worst host makes room (never connected, then oldest seen, then most failures)', () => {
  const hosts = cache({ maxHosts: 3 });
  hosts.add(a, 1, { source: 'pong' });
  hosts.connected(a, 1);
  hosts.add(b, 2, { source: 'pong' });
  hosts.add(c, 3, { source: 'pong' });
  assert.equal(hosts.add(d, 4, { source: 'pong' }), 'added');
  assert.deepEqual(hosts.entries().map(hostKey).sort(), [a, c, d].map(hostKey).sort());
  // Same age: the one with more failures goes.
  hosts.failed(d, 4);
  hosts.add(c, 4, { source: 'pong' });
  assert.equal(hosts.add(at(5), 9, { source: 'pong' }), 'added');
  assert.deepEqual(hosts.entries().map(hostKey).sort(), [a, c, at(5)].map(hostKey).sort());
  assert.equal(hosts.counters.evicted, 2);
});

test('a cache full of hosts that answered before turns newcomers away', () => {
  const hosts = cache({ maxHosts: 2 });
  for (const h of [a, b]) {
    hosts.add(h, 0, { source: 'pong' });
    hosts.connected(h, 0);
  }
  assert.equal(hosts.add(c, 10, { source: 'pong' }), 'full');
  assert.equal(hosts.size, 2);
  assert.equal(hosts.counters.refused.full, 1);
});

test('pinned hosts are never evicted and do not count against maxHosts', () => {
  const hosts = cache({ maxHosts: 1 });
  hosts.add(a, 0, { source: 'pinned' });
  hosts.add(b, 1, { source: 'pinned' });
  assert.equal(hosts.add(c, 2, { source: 'pong' }), 'added');
  assert.equal(hosts.add(d, 3, { source: 'pong' }), 'added');
  assert.deepEqual(hosts.entries().map(hostKey).sort(), [a, b, d].map(hostKey).sort());
});

test('BOOT-3 sample: hosts that answered first, then ultrapeers, latest seen first, at most limit', () => {
  const hosts = cache({ allowLoopback: false });
  for (let i = 1; i <= 20; i++) {
    hosts.add(at(i), i, { source: 'x-try', ultrapeer: i % 2 === 0 });
  }
  hosts.connected(at(3), 30);
  hosts.connected(at(5), 40);
  hosts.failed(at(20), 50);
  hosts.add({ host: 'servent-9', port: 6346 }, 60, { source: 'pinned' });
  hosts.add({ host: '127.0.0.1', port: 6346 }, 60, { source: 'pinned' });
  const s = hosts.sample(10, new Set([hostKey(at(18))]));
  assert.deepEqual(
    s.map((h) => Number(h.host.split('.')[3])),
    [5, 3, 16, 14, 12, 10, 8, 6, 4, 2],
  );
  const ups = hosts.sample(100, none, { ultrapeersOnly: true });
  assert.ok(ups.every((h) => Number(h.host.split('.')[3]) % 2 === 0));
  assert.equal(ups.at(-1)?.host, at(20).host, 'a failing host comes last');
  assert.ok(!hosts.sample(100, none).some((h) => h.host === 'servent-9' || h.host === '127.0.0.1'));
  assert.deepEqual(hosts.sample(0, none), []);
});

test('BOOT-1 toJSON / load: a restart keeps hosts and their history, best first', () => {
  const before = cache();
  before.add(a, 10, { source: 'pong' });
  before.add(b, 20, { source: 'x-try', ultrapeer: true });
  before.connected(b, 25);
  before.add(c, 30, { source: 'uhc', ultrapeer: true });
  before.failed(c, 31);
  before.add({ host: 'servent-2', port: 6346 }, 0, { source: 'pinned' });
  const saved = JSON.parse(JSON.stringify(before.toJSON()));
  assert.equal(saved.version, 1);
  assert.deepEqual(
    saved.hosts.map(hostKey),
    [b, c, a].map(hostKey),
    'best first; a DNS name is not written',
  );

  const after = cache();
  assert.deepEqual(after.load(saved, 1_000), { ok: true, loaded: 3, skipped: 0 });
  assert.deepEqual(
    after
      .entries()
      .map((e) => [hostKey(e), e.source, e.ultrapeer, e.lastSeenAt, e.lastSuccessAt, e.failures]),
    [
      [hostKey(b), 'persisted', true, 25, 25, 0],
      [hostKey(c), 'persisted', true, 30, undefined, 1],
      [hostKey(a), 'persisted', false, 10, undefined, 0],
    ],
  );
  assert.deepEqual(after.nextToDial(1_000, none), b, 'loaded hosts are dialable at once');
  assert.equal(after.usable(1_000, none), 3);
  assert.deepEqual(after.toJSON(), saved);
});

test('load merges into hosts pinned before it and keeps the live source', () => {
  const hosts = cache();
  hosts.add(a, 100, { source: 'pinned' });
  hosts.add(b, 100, { source: 'pong' });
  const result = hosts.load(
    {
      version: 1,
      hosts: [
        { ...a, ultrapeer: true, lastSeenAt: 50, lastSuccessAt: 40, failures: 0 },
        { ...b, ultrapeer: true, lastSeenAt: 50, failures: 0 },
      ],
    },
    200,
  );
  assert.deepEqual(result, { ok: true, loaded: 2, skipped: 0 });
  assert.deepEqual(
    hosts.entries().map((e) => [e.source, e.pinned, e.ultrapeer, e.lastSeenAt, e.lastSuccessAt]),
    [
      ['pinned', true, true, 100, 40],
      ['pong', false, true, 100, undefined],
    ],
  );
});

test('load skips bad entries, counts them and keeps the good ones', () => {
  const hosts = cache({ maxFailures: 3, selfKeys: [hostKey(d)] });
  const good = { ...a, ultrapeer: false, lastSeenAt: 1 };
  const result = hosts.load(
    {
      version: 1,
      hosts: [
        good,
        null,
        'x',
        [],
        { ...b, lastSeenAt: '1' },
        { ...b, lastSeenAt: -1 },
        { ...b, lastSeenAt: Number.NaN },
        { ...b, lastSeenAt: 1, ultrapeer: 'yes' },
        { ...b, lastSeenAt: 1, failures: 1.5 },
        { ...b, lastSeenAt: 1, failures: 3 },
        { ...b, lastSeenAt: 1, lastSuccessAt: null },
        { host: 7, port: 6346, lastSeenAt: 1 },
        { ...b, port: '6346', lastSeenAt: 1 },
        { ...b, port: 0, lastSeenAt: 1 },
        { ...d, lastSeenAt: 1 },
        { host: '224.0.0.1', port: 6346, lastSeenAt: 1 },
        { host: 'servent-2', port: 6346, lastSeenAt: 1 },
        { ...c, lastSeenAt: 5_000 },
      ],
    },
    1_000,
  );
  assert.deepEqual(result, { ok: true, loaded: 2, skipped: 16 });
  assert.equal(hosts.counters.loadSkipped, 16);
  assert.equal(
    hosts.entries().find((e) => e.host === c.host)?.lastSeenAt,
    1_000,
    'no future times',
  );
});

test('load refuses anything that is not a version-1 host list', () => {
  const hosts = cache();
  for (const value of [
    undefined,
    null,
    1,
    'hosts',
    [],
    {},
    { version: 2, hosts: [] },
    { version: 1 },
  ]) {
    assert.deepEqual(hosts.load(value, 0), { ok: false, loaded: 0, skipped: 0 });
  }
  assert.equal(hosts.size, 0);
});

test('load reads no more than maxHosts hosts; toJSON writes no more than maxHosts', () => {
  const hosts = cache({ maxHosts: 5 });
  hosts.add({ host: 'servent-2', port: 6346 }, 0, { source: 'pinned' });
  hosts.add(at(200), 0, { source: 'pinned' });
  const many = Array.from({ length: 50 }, (_, i) => ({ ...at(i + 1), lastSeenAt: 100 - i }));
  assert.deepEqual(hosts.load({ version: 1, hosts: many }, 1_000), {
    ok: true,
    loaded: 5,
    skipped: 0,
  });
  assert.equal(hosts.size, 7);
  const saved = hosts.toJSON();
  assert.equal(saved.hosts.length, 5);
  assert.equal(saved.hosts[0]?.host, at(200).host, 'the pinned host is best');
});

test('options outside their bounds are our own misuse', () => {
  assert.throws(() => new HostCache({ maxHosts: 0 }), UsageError);
  assert.throws(() => new HostCache({ maxFailures: 1.5 }), UsageError);
  assert.throws(() => new HostCache({ retryAfterMs: -1 }), UsageError);
});

test('ipv4Kind classifies the ranges that matter for dialling', () => {
  assert.equal(ipv4Kind('8.8.8.8'), 'public');
  assert.equal(ipv4Kind('100.64.0.1'), 'private');
  assert.equal(ipv4Kind('100.128.0.1'), 'public');
  assert.equal(ipv4Kind('172.15.0.1'), 'public');
  assert.equal(ipv4Kind('223.255.255.255'), 'public');
});

const persistedArb = fc.oneof(
  fc.anything(),
  fc.record(
    {
      host: fc.oneof(fc.ipV4(), fc.domain(), fc.string()),
      port: fc.oneof(fc.integer({ min: -1, max: 70_000 }), fc.double(), fc.string()),
      ultrapeer: fc.oneof(fc.boolean(), fc.anything()),
      lastSeenAt: fc.oneof(fc.nat(), fc.double(), fc.anything()),
      lastSuccessAt: fc.oneof(fc.nat(), fc.double(), fc.anything()),
      failures: fc.oneof(fc.nat(5), fc.double(), fc.anything()),
    },
    { requiredKeys: [] },
  ),
);

const opArb = fc.oneof(
  fc.record({
    op: fc.constant('add' as const),
    host: fc.integer({ min: 1, max: 40 }),
    up: fc.boolean(),
  }),
  fc.record({ op: fc.constant('failed' as const), host: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('connected' as const), host: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('dial' as const) }),
);

test('property: load never throws, and the cache never holds more than maxHosts', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.oneof(
        fc.anything(),
        fc.record({ version: fc.constant(1), hosts: fc.array(persistedArb, { maxLength: 30 }) }),
      ),
      fc.array(opArb, { maxLength: 60 }),
      (maxHosts, persisted, ops) => {
        const hosts = cache({ maxHosts });
        const result = hosts.load(persisted, 1_000);
        assert.ok(result.loaded <= maxHosts);
        assert.ok(hosts.size <= maxHosts);
        let now = 1_000;
        for (const op of ops) {
          now += 100;
          if (op.op === 'add') hosts.add(at(op.host), now, { source: 'pong', ultrapeer: op.up });
          else if (op.op === 'failed') hosts.failed(at(op.host), now);
          else if (op.op === 'connected') hosts.connected(at(op.host), now);
          else {
            const next = hosts.nextToDial(now, none);
            if (next) hosts.markDialled(next, now);
          }
          assert.ok(hosts.size <= maxHosts);
        }
        const saved = hosts.toJSON();
        assert.ok(saved.hosts.length <= maxHosts);
        const again = cache({ maxHosts });
        assert.deepEqual(again.load(JSON.parse(JSON.stringify(saved)), now), {
          ok: true,
          loaded: saved.hosts.length,
          skipped: 0,
        });
      },
    ),
    { numRuns: UNIT_RUNS },
  );
});
