/** One dynamic query on an ultrapeer (dynamic-querying.md §4–§7, DQ-2…DQ-10), with a fake clock. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  type DqCandidate,
  type DqSend,
  DynamicQuery,
  type DynamicQueryOptions,
  hostsReached,
} from '../../src/core/overlay/dynamic-query.js';

/** A small seeded PRNG (mulberry32) giving integers in [0, n). */
function seeded(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
  };
}

/** Keeps the candidates in the order given. */
const inOrder = (n: number) => n - 1;

function peer(link: number, over: Partial<DqCandidate> = {}): DqCandidate {
  return { link, degree: 32, maxTtl: 3, extProbes: true, qrp: 'miss', ...over };
}

/** `count` peers from link `first` on, all alike. */
function peers(first: number, count: number, over: Partial<DqCandidate> = {}): DqCandidate[] {
  return Array.from({ length: count }, (_, i) => peer(first + i, over));
}

function ttlsOf(sends: readonly DqSend[], ttl: number): number[] {
  return sends.filter((s) => s.ttl === ttl).map((s) => s.link);
}

function query(options: Partial<DynamicQueryOptions> = {}, now = 0): DynamicQuery {
  return new DynamicQuery({ target: 150, random: seeded(7), ...options }, now);
}

test('§4 horizon table: hosts(d, t) for d 6/16/32/46 and t 1..4', () => {
  const table: Record<number, number[]> = {
    6: [1, 6, 31, 156],
    16: [1, 16, 241, 3616],
    32: [1, 32, 993, 30784],
    46: [1, 46, 2071, 93196],
  };
  for (const [degree, row] of Object.entries(table)) {
    assert.deepEqual(
      [1, 2, 3, 4].map((t) => hostsReached(Number(degree), t)),
      row,
      `degree ${degree}`,
    );
  }
  assert.equal(hostsReached(6, 7), 19_531, "not the proposal's prose figure of 23 436");
  assert.equal(hostsReached(32, 0), 0);
});

describe('§5.2 probe', () => {
  test('no hit: TTL 2 to 3 connections, old ones first, and no TTL 1', () => {
    const old = peers(1, 2, { qrp: 'none' });
    const misses = peers(10, 20);
    const q = query({ random: inOrder });
    const sends = q.start([...misses, ...old], 0);
    assert.equal(sends.length, 3);
    assert.deepEqual(ttlsOf(sends, 2), [1, 2, 10]);
    assert.ok(sends.every((s) => s.probe));
    assert.equal(q.nextTimeout(), 3120, '1.3 × 2400 ms');
    assert.equal(q.horizon, 1 + 3 * 32);
  });

  test('too few tables to judge (hit + miss ≤ 8): TTL 2 to 3 and TTL 1 to up to 4 hits', () => {
    const q = query();
    const sends = q.start([...peers(1, 6, { qrp: 'hit' }), ...peers(20, 2)], 0);
    assert.equal(ttlsOf(sends, 1).length, 4);
    assert.ok(ttlsOf(sends, 1).every((link) => link < 20));
    assert.deepEqual(ttlsOf(sends, 2).sort(), [20, 21], 'only two non-hit connections exist');
    assert.equal(q.nextTimeout(), 3120);
  });

  test('every table hits: TTL 1 to a single hit connection, wait 2400 × 1/2', () => {
    const q = query();
    const sends = q.start([...peers(1, 12, { qrp: 'hit' }), ...peers(30, 3, { qrp: 'none' })], 0);
    assert.equal(sends.length, 1);
    assert.equal(sends[0]!.ttl, 1);
    assert.ok(sends[0]!.link < 30);
    assert.equal(q.nextTimeout(), 1200);
  });

  test('more than 3 hit: TTL 1 to min(9, hits), wait 2400 × n/2', () => {
    const five = query();
    const sendsFive = five.start([...peers(1, 5, { qrp: 'hit' }), ...peers(10, 10)], 0);
    assert.deepEqual(ttlsOf(sendsFive, 1).sort(), [1, 2, 3, 4, 5]);
    assert.equal(sendsFive.length, 5);
    assert.equal(five.nextTimeout(), 6000);

    const twelve = query();
    const sendsTwelve = twelve.start([...peers(1, 12, { qrp: 'hit' }), ...peers(20, 20)], 0);
    assert.equal(sendsTwelve.length, 9);
    assert.ok(sendsTwelve.every((s) => s.ttl === 1 && s.link <= 12));
    assert.equal(twelve.nextTimeout(), 10_800);
  });

  test('few hits among enough tables: TTL 1 to every hit and TTL 2 to 3 others', () => {
    const q = query();
    const sends = q.start([...peers(1, 2, { qrp: 'hit' }), ...peers(10, 30)], 0);
    assert.deepEqual(ttlsOf(sends, 1).sort(), [1, 2]);
    assert.equal(ttlsOf(sends, 2).length, 3);
    assert.equal(q.horizon, 1 + 2 + 3 * 32);
  });

  test('DQ-3 DQ-10 a TTL-2 probe skips neighbours that accept only TTL 1; misses never get TTL 1', () => {
    const q = query({ random: inOrder });
    const sends = q.start([...peers(1, 3, { qrp: 'none', maxTtl: 1 }), ...peers(10, 5)], 0);
    assert.deepEqual(ttlsOf(sends, 2), [10, 11, 12]);
    assert.deepEqual(ttlsOf(sends, 1), []);
  });

  test('no candidate at all: the query stops at once', () => {
    const q = query();
    assert.deepEqual(q.start([], 0), []);
    assert.equal(q.stopReason, 'no-connections');
    assert.equal(q.nextTimeout(), undefined);
  });
});

/**
 * §7's network: 32 UP links of degree 32, X-Max-TTL 3, X-Ext-Probes and UP
 * tables, `hits` of which match; our leaves were queried first (H starts at
 * 26). Hits arrive when each wait ends: ⌊yield × (H − 1)⌋ in all, H counting
 * our own node.
 */
function workedExample(hitsPerUp: number, matching: number, target = 150) {
  const links = peers(1, 32).map(
    (c, i): DqCandidate => ({ ...c, qrp: i < matching ? 'hit' : 'miss' }),
  );
  const q = new DynamicQuery({ target, random: inOrder, leavesQueried: true }, 0);
  const probe = q.start(links, 0);
  const rows: { t: number; r: number; hBefore: number; ttl: number; perHop: number }[] = [];
  let stopAt = 0;
  while (!q.done) {
    const now = q.nextTimeout()!;
    const arrived = Math.floor(hitsPerUp * (q.horizon - 1));
    if (arrived > q.results) q.resultsRouted(arrived - q.results, now);
    if (q.done) {
      stopAt = now;
      break;
    }
    const hBefore = q.horizon;
    const perHop = q.perHopMs;
    const sends = q.handleTimeout(links, now);
    assert.equal(sends.length, 1, `one send per iteration (t = ${now})`);
    rows.push({ t: now, r: q.results, hBefore, ttl: sends[0]!.ttl, perHop });
  }
  return { q, probe, rows, stopAt };
}

describe('§7 worked example', () => {
  test('0.02 hits/UP, 2 of 32 tables match: the rows of the table', () => {
    const { q, probe, rows, stopAt } = workedExample(0.02, 2);
    assert.deepEqual(
      probe.map((s) => s.ttl),
      [1, 1, 2, 2, 2],
    );
    const row = (n: number) => rows[n - 1]!;
    assert.deepEqual(row(1), { t: 3120, r: 2, hBefore: 124, ttl: 2, perHop: 2400 });
    assert.deepEqual(row(2), { t: 7920, r: 3, hBefore: 156, ttl: 2, perHop: 2400 });
    assert.deepEqual(row(3), { t: 12_720, r: 3, hBefore: 188, ttl: 2, perHop: 2390 });
    assert.deepEqual(
      rows.slice(3, 8).map((r) => r.perHop),
      [2375, 2355, 2330, 2300, 2265],
    );
    assert.deepEqual(row(11), { t: 49_560, r: 8, hBefore: 444, ttl: 3, perHop: 2130 });
    assert.equal(rows[10]!.hBefore + hostsReached(32, 3), 1437);
    assert.deepEqual(row(15), { t: 68_030, r: 30, hBefore: 1533, ttl: 3, perHop: 1880 });
    assert.deepEqual(row(25), { t: 105_330, r: 133, hBefore: 6658, ttl: 3, perHop: 905 });
    assert.equal(rows.length, 25);
    assert.equal(stopAt, 108_045);
    assert.equal(q.results, 153);
    assert.equal(q.horizon, 7651);
    assert.equal(q.stopReason, 'target');
  });

  test('0.25 hits/UP: every choice is TTL 2, 15 iterations, stop at 69.7 s with H = 604', () => {
    const { q, rows, stopAt } = workedExample(0.25, 2);
    assert.ok(rows.every((r) => r.ttl === 2));
    assert.equal(rows.length, 15);
    assert.equal(stopAt, 69_660);
    assert.equal(q.results, 150);
    assert.equal(q.horizon, 604);
  });

  test('12 of 32 tables match at 1.5 hits/UP: 9 TTL-1 probes, 10.8 s wait, done after 5 iterations', () => {
    const { q, probe, rows, stopAt } = workedExample(1.5, 12);
    assert.equal(probe.length, 9);
    assert.ok(probe.every((s) => s.ttl === 1));
    assert.equal(rows[0]!.t, 10_800);
    assert.equal(rows[0]!.r, 51);
    assert.deepEqual(
      rows.map((r) => r.ttl),
      [1, 1, 1, 2, 2],
    );
    assert.equal(stopAt, 27_335);
    assert.equal(q.horizon, 102);
  });

  test("a good leaf's query (D = 38) at 0.02 hits/UP: 26 iterations, stop at 99.9 s, H = 1917", () => {
    const { q, rows, stopAt } = workedExample(0.02, 2, 38);
    assert.equal(rows.length, 26);
    assert.equal(stopAt, 99_945);
    assert.equal(q.horizon, 1917);
  });
});

describe('iterations', () => {
  test('DQ-2 DQ-5 one send per due iteration, none before it is due, t × 2400 ms while young', () => {
    const links = [...peers(1, 2, { qrp: 'hit' }), ...peers(10, 30)];
    const q = query();
    q.start(links, 0);
    assert.deepEqual(q.handleTimeout(links, 3119), []);
    const first = q.handleTimeout(links, 3120);
    assert.equal(first.length, 1);
    assert.equal(first[0]!.probe, false);
    assert.deepEqual(
      q.handleTimeout(links, 3120),
      [],
      'a second call at the same time sends nothing',
    );
    assert.equal(q.nextTimeout(), 3120 + first[0]!.ttl * 2400);
    assert.deepEqual(q.handleTimeout(links, q.nextTimeout()! - 1), []);
  });

  test('DQ-5 never two sends within 1500 ms, even when the per-hop wait has shrunk to 100 ms', () => {
    const links = peers(1, 20, { qrp: 'hit', extProbes: false, maxTtl: 4 });
    const q = query({ perHopMs: 100 });
    q.start(links, 0);
    q.resultsRouted(140, 0);
    let last: number | undefined;
    let now = q.nextTimeout()!;
    while (!q.done) {
      const sends = q.handleTimeout(links, now);
      if (sends.length > 0) {
        assert.equal(sends[0]!.ttl, 1, 'plenty of results per host: TTL 1');
        if (last !== undefined) assert.ok(now - last >= 1500, `${now - last} ms`);
        last = now;
      }
      now = q.nextTimeout() ?? now;
    }
    assert.equal(q.stopReason, 'no-connections');
  });

  test('DQ-3 the TTL stays within X-Max-TTL and never exceeds 4', () => {
    // No results yet: HQ = 40 000 wants the highest TTL each neighbour allows.
    const capped = query();
    const two = peers(1, 8, { maxTtl: 2, qrp: 'none' });
    capped.start(two, 0);
    const sendTwo = capped.handleTimeout(two, capped.nextTimeout()!);
    assert.equal(sendTwo[0]!.ttl, 2);

    const generous = query();
    const seven = peers(1, 2, { maxTtl: 7, degree: 6, qrp: 'none', extProbes: false });
    generous.start(seven, 0);
    const rest = [...seven, peer(50, { maxTtl: 7, degree: 6, qrp: 'none' })];
    const sendSeven = generous.handleTimeout(rest, generous.nextTimeout()!);
    assert.deepEqual(sendSeven, [{ link: 50, ttl: 4, probe: false }]);
  });

  test('DQ-4 a second copy only to an X-Ext-Probes neighbour that got a TTL-1 probe, once, higher', () => {
    const ext = peer(1, { qrp: 'hit', extProbes: true });
    const plain = peer(2, { qrp: 'hit', extProbes: false });
    const misses = peers(10, 9);
    const links = [ext, plain, ...misses];
    const q = query();
    const probe = q.start(links, 0);
    assert.equal(q.sentTo(1), 1);
    assert.equal(q.sentTo(2), 1);
    assert.equal(probe.length, 5);
    const sent = new Map<number, number[]>();
    for (const s of probe) sent.set(s.link, [s.ttl]);
    while (!q.done) {
      for (const s of q.handleTimeout(links, q.nextTimeout()!)) {
        sent.set(s.link, [...(sent.get(s.link) ?? []), s.ttl]);
      }
    }
    assert.equal(q.stopReason, 'no-connections');
    const extCopies = sent.get(1)!;
    assert.equal(extCopies.length, 2);
    assert.equal(extCopies[0], 1);
    assert.ok(extCopies[1]! >= 2);
    assert.equal(q.sentTo(1), extCopies[1]);
    assert.deepEqual(sent.get(2), [1], 'no X-Ext-Probes: queried once');
    for (const c of misses) assert.equal(sent.get(c.link)?.length, 1);
  });

  test('DQ-4 the copy that follows a TTL-1 probe has TTL 2 even where TTL 1 was chosen', () => {
    const links = [peer(1, { qrp: 'hit', extProbes: true })];
    const q = query();
    assert.deepEqual(q.start(links, 0), [{ link: 1, ttl: 1, probe: true }]);
    assert.equal(q.nextTimeout(), 1200, '2400 × 1/2');
    q.resultsRouted(140, 1000);
    assert.deepEqual(q.handleTimeout(links, 1200), [{ link: 1, ttl: 2, probe: false }]);
    assert.deepEqual(q.handleTimeout(links, q.nextTimeout()!), []);
    assert.equal(q.stopReason, 'no-connections');
  });

  test('DQ-10 a neighbour whose table misses gets TTL 2 where TTL 1 was chosen, or nothing', () => {
    const links = [...peers(1, 10, { qrp: 'miss', extProbes: false }), peer(20, { maxTtl: 1 })];
    const q = query({ random: inOrder });
    q.start(links, 0);
    q.resultsRouted(140, 0);
    const ttls: number[] = [];
    while (!q.done) ttls.push(...q.handleTimeout(links, q.nextTimeout()!).map((s) => s.ttl));
    assert.ok(ttls.length > 0);
    assert.ok(ttls.every((t) => t === 2));
    assert.equal(q.sentTo(20), undefined, 'a miss that accepts only TTL 1 is never queried');
  });

  test('a closed link is simply absent; with nothing left the query stops (no-connections)', () => {
    const links = peers(1, 4, { qrp: 'none' });
    const q = query({ random: inOrder });
    q.start(links, 0);
    const left = links.filter((c) => q.sentTo(c.link) === undefined);
    assert.equal(left.length, 1);
    assert.deepEqual(q.handleTimeout([], q.nextTimeout()!), []);
    assert.equal(q.stopReason, 'no-connections');
  });

  test('the same seed gives the same sends', () => {
    const links = [
      ...peers(1, 3, { qrp: 'hit' }),
      ...peers(10, 25),
      ...peers(40, 4, { qrp: 'none' }),
    ];
    const run = () => {
      const q = query({ random: seeded(42) });
      const out = [...q.start(links, 0)];
      for (let i = 0; i < 10 && !q.done; i++) out.push(...q.handleTimeout(links, q.nextTimeout()!));
      return out;
    };
    assert.deepEqual(run(), run());
  });
});

describe('stopping', () => {
  test('DQ-6 no send once the routed hits reach the target', () => {
    const links = peers(1, 20);
    const q = query({ target: 50 });
    q.start(links, 0);
    q.resultsRouted(49, 1000);
    assert.equal(q.done, false);
    q.resultsRouted(1, 2000);
    assert.equal(q.stopReason, 'target');
    assert.equal(q.nextTimeout(), undefined);
    assert.deepEqual(q.handleTimeout(links, 10_000), []);
  });

  test("§6 a guiding leaf's count is r; it stops the query above the target or after 75 routed", () => {
    const links = peers(1, 20, { qrp: 'none', extProbes: false });
    const withReport = query({ target: 100 });
    const without = query({ target: 100 });
    withReport.start(links, 0);
    without.start(links, 0);
    withReport.leafReported(80, 1000);
    // r = 80 of 100 wanted asks for a far smaller horizon than r = 0.
    const a = withReport.handleTimeout(links, 3120)[0]!;
    const b = without.handleTimeout(links, 3120)[0]!;
    assert.ok(a.ttl < b.ttl, `${a.ttl} < ${b.ttl}`);

    withReport.resultsRouted(74, 4000);
    assert.equal(withReport.done, false);
    withReport.resultsRouted(1, 4000);
    assert.equal(withReport.stopReason, 'target', '75 hits routed for a guiding leaf');

    const satisfied = query({ target: 38 });
    satisfied.start(links, 0);
    satisfied.leafReported(38, 1000);
    assert.equal(satisfied.done, false);
    satisfied.leafReported(39, 1000);
    assert.equal(satisfied.stopReason, 'target');

    const ignored = query({ target: 100, leafResultsFromLeaf: false });
    ignored.start(links, 0);
    ignored.leafReported(80, 1000);
    assert.equal(ignored.handleTimeout(links, 3120)[0]!.ttl, b.ttl);
  });

  test('DQ-7 a BEAR/12 0xFFFF stops the query', () => {
    const links = peers(1, 20);
    const q = query({ target: 50 });
    q.start(links, 0);
    q.leafReported(0xffff, 500);
    assert.equal(q.stopReason, 'leaf-stop');
    assert.deepEqual(q.handleTimeout(links, 3120), []);
    assert.throws(() => q.leafReported(0x10000, 600), UsageError);
  });

  test('DQ-9 the query ends at its lifetime, and no later than 10 minutes', () => {
    const links = peers(1, 30);
    const q = query({ lifetimeMs: 20_000 }, 1000);
    q.start(links, 1000);
    let now = 1000;
    while (!q.done) {
      now = q.nextTimeout()!;
      assert.ok(now <= 21_000);
      q.handleTimeout(links, now);
    }
    assert.equal(q.stopReason, 'lifetime');
    assert.equal(now, 21_000);
    assert.equal(query().nextTimeout(), undefined, 'nothing to wake for before start()');
    assert.throws(() => query({ lifetimeMs: 600_001 }), /DQ-9/);
  });

  test('DQ-9 the query stops once its horizon exceeds the maximum, which may not pass 500 000', () => {
    const links = peers(1, 30, { degree: 46 });
    const q = query({ maxHorizon: 5000 });
    q.start(links, 0);
    while (!q.done) q.handleTimeout(links, q.nextTimeout()!);
    assert.equal(q.stopReason, 'horizon');
    assert.ok(q.horizon > 5000);
    assert.throws(() => query({ maxHorizon: 500_001 }), UsageError);
    assert.equal(query().horizon, 1);
    assert.equal(query({ leavesQueried: true }).horizon, 26);
  });

  test('misuse of the API is a UsageError', () => {
    assert.throws(() => query({ target: 0 }), UsageError);
    const q = query();
    assert.throws(() => q.handleTimeout([], 0), UsageError);
    q.start(peers(1, 3), 0);
    assert.throws(() => q.start(peers(1, 3), 0), UsageError);
    assert.throws(() => q.resultsRouted(-1, 0), UsageError);
    assert.throws(() => query({ random: () => 5 }).start(peers(1, 3), 0), UsageError);
  });
});

const candidateArb = fc.record({
  degree: fc.integer({ min: 1, max: 60 }),
  maxTtl: fc.integer({ min: 0, max: 7 }),
  extProbes: fc.boolean(),
  qrp: fc.constantFrom('hit' as const, 'miss' as const, 'none' as const),
});

const stepArb = fc.record({
  /** Wait for the next timeout, or call early by this many ms. */
  early: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }),
  routed: fc.integer({ min: 0, max: 12 }),
  report: fc.option(fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constant(0xffff)), {
    freq: 8,
    nil: undefined,
  }),
  drop: fc.option(fc.nat(), { freq: 4, nil: undefined }),
  join: fc.option(candidateArb, { freq: 4, nil: undefined }),
});

test('DQ-2 DQ-3 DQ-4 DQ-5 DQ-6 DQ-10 property: copies, TTLs, spacing and silence once done', () => {
  fc.assert(
    fc.property(
      fc.array(candidateArb, { minLength: 0, maxLength: 14 }),
      fc.array(stepArb, { minLength: 1, maxLength: 40 }),
      fc.record({
        target: fc.integer({ min: 1, max: 200 }),
        perHopMs: fc.integer({ min: 100, max: 3000 }),
        lifetimeMs: fc.integer({ min: 1000, max: 600_000 }),
        maxHorizon: fc.integer({ min: 1, max: 500_000 }),
        leavesQueried: fc.boolean(),
        seed: fc.nat(),
      }),
      (initial, steps, opts) => {
        const { seed, ...options } = opts;
        let nextLink = 1;
        let live = initial.map((c) => ({ ...c, link: nextLink++ }));
        const everyone = new Map(live.map((c) => [c.link, c]));
        const q = new DynamicQuery({ ...options, random: seeded(seed) }, 0);
        const copies = new Map<number, number[]>();
        let horizon = options.leavesQueried ? 26 : 1;
        let lastIteration: number | undefined;
        let doneAt: number | undefined;

        const check = (sends: DqSend[], now: number, probe: boolean) => {
          if (!probe) assert.ok(sends.length <= 1, 'DQ-2: one send per iteration');
          if (sends.length > 0) assert.equal(doneAt, undefined, 'no send once done');
          for (const s of sends) {
            const c = everyone.get(s.link)!;
            assert.ok(
              live.some((l) => l.link === s.link),
              'only to a live candidate',
            );
            assert.equal(s.probe, probe);
            assert.ok(s.ttl >= 1 && s.ttl <= Math.min(c.maxTtl, 4), `DQ-3 ttl ${s.ttl}`);
            if (c.qrp === 'miss') assert.ok(s.ttl >= 2, 'DQ-10');
            const before = copies.get(s.link) ?? [];
            if (before.length > 0) {
              assert.equal(before.length, 1, 'DQ-4: at most one extra copy');
              assert.ok(c.extProbes, 'DQ-4: only with X-Ext-Probes');
              assert.equal(before[0], 1, 'DQ-4: only after a TTL-1 copy');
              assert.ok(s.ttl > 1, 'DQ-4: with a higher TTL');
            }
            copies.set(s.link, [...before, s.ttl]);
            assert.equal(q.sentTo(s.link), s.ttl);
            horizon += hostsReached(c.degree, s.ttl);
            if (!probe) {
              if (lastIteration !== undefined) assert.ok(now - lastIteration >= 1500, 'DQ-5');
              lastIteration = now;
            }
          }
          assert.equal(q.horizon, horizon);
          if (q.done && doneAt === undefined) doneAt = now;
          assert.equal(q.nextTimeout() === undefined, q.done);
        };

        check(q.start(live, 0), 0, true);
        let now = 0;
        for (const step of steps) {
          const due = q.nextTimeout();
          if (due === undefined) now += 1000;
          else now = Math.max(now, step.early === undefined ? due : due - step.early);
          if (step.routed > 0) q.resultsRouted(step.routed, now);
          if (step.report !== undefined) q.leafReported(step.report, now);
          if (q.results >= options.target) assert.ok(q.done, 'DQ-6');
          if (step.report === 0xffff) assert.ok(q.done, 'DQ-7');
          if (q.done && doneAt === undefined) doneAt = now;
          if (step.drop !== undefined && live.length > 0) {
            live = live.filter((_, i) => i !== step.drop! % live.length);
          }
          if (step.join !== undefined) {
            const c = { ...step.join, link: nextLink++ };
            everyone.set(c.link, c);
            live = [...live, c];
          }
          check(q.handleTimeout(live, now), now, false);
          if (now >= options.lifetimeMs) assert.ok(q.done, 'DQ-9 lifetime');
          if (q.horizon > options.maxHorizon) assert.ok(q.done, 'DQ-9 horizon');
        }
      },
    ),
    { numRuns: 300 },
  );
});
