/**
 * Dynamic querying through the overlay (dynamic-querying.md §2, §5, §6):
 * an ultrapeer runs its leaves' queries and its own searches one ultrapeer
 * at a time, a leaf guides it with BEAR/12. Fake clock: handleTimeout at
 * nextTimeout().
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Overlay, OverlayTunables, PeerCapabilities } from '../../src/core/overlay/index.js';
import {
  decodeVendorMessage,
  encodeVendorFrame,
  guidToHex,
  MessageType,
  QUERY_STATUS_STOP,
} from '../../src/core/wire/index.js';
import {
  caps,
  drain,
  drainEvents,
  hit,
  makeNode,
  ofType,
  query,
  runUntil,
  type Sent,
  tableMessages,
  testGuid,
} from './support.js';

/** Ultrapeer links 1…8 and one leaf. */
const UPS = [1, 2, 3, 4, 5, 6, 7, 8];
const LEAF = 10;
const OTHER_LEAF = 11;

interface Setup {
  /** X-Max-TTL of every ultrapeer, or of each in turn. */
  maxTtl?: number | number[];
  extProbes?: boolean;
  /** Names in each ultrapeer's last-hop QRP table (UP-QRP links); none: no tables. */
  tables?: string[][];
  tunables?: Partial<OverlayTunables>;
}

function ultrapeer(setup: Setup = {}): Overlay {
  const { overlay } = makeNode({
    mode: 'ultrapeer',
    // No alive pings to get in the way of the query's timers.
    tunables: { alivePingIntervalMs: 600_000, ...setup.tunables },
  });
  UPS.forEach((id, i) => {
    const maxTtl = Array.isArray(setup.maxTtl) ? setup.maxTtl[i]! : (setup.maxTtl ?? 3);
    overlay.addLink(
      id,
      caps({
        vendorMessages: false,
        degree: 32,
        maxTtl,
        extProbes: setup.extProbes ?? false,
        ultrapeerQueryRouting: setup.tables !== undefined,
      }),
      0,
    );
    const names = setup.tables?.[i];
    if (names) for (const m of tableMessages(names)) overlay.handleMessage(id, m, 0);
  });
  overlay.addLink(LEAF, caps({ peerMode: 'leaf', vendorMessages: false }), 0);
  overlay.addLink(OTHER_LEAF, caps({ peerMode: 'leaf', vendorMessages: false }), 0);
  drain(overlay);
  return overlay;
}

const queries = <T extends Sent>(sent: readonly T[]): T[] =>
  sent.filter((s) => s.type === MessageType.Query);
const vendors = (sent: readonly Sent[]) => ofType(sent, MessageType.Vendor);
const linksOf = (sent: readonly Sent[]) => sent.map((s) => s.link).sort((a, b) => a - b);

/** A QueryHit for `guid` carrying `results` records. */
const hitWith = (guid: Uint8Array, results: number) =>
  hit(guid, { names: Array.from({ length: results }, (_, i) => `file ${i}.txt`) });

const status = (guid: Uint8Array, kept: number) =>
  encodeVendorFrame({ kind: 'query-status-response', version: 1, kept }, guid);

/** The leaf's query at time 0, and the probe that went out for it. */
function leafQuery(overlay: Overlay, text = 'blue sky') {
  const guid = testGuid();
  overlay.handleMessage(LEAF, query(text, { guid, ttl: 3, hops: 0 }), 0);
  const probe = queries(drain(overlay));
  return { guid, probe };
}

test('DQ-2 §5.2 a leaf query goes at once to exactly 3 ultrapeers with TTL 2 and hops 1, no more', () => {
  const overlay = ultrapeer();
  const { guid, probe } = leafQuery(overlay);
  assert.equal(probe.length, 3, 'no tables: TTL 2 to 3 connections');
  assert.equal(new Set(probe.map((s) => s.link)).size, 3);
  for (const s of probe) {
    assert.ok(UPS.includes(s.link), 'only ultrapeers');
    assert.deepEqual([s.ttl, s.hops], [2, 1]);
    assert.equal(s.guid, guidToHex(guid));
  }
  // Nothing more until the probe's wait is over.
  const due = overlay.nextTimeout()!;
  assert.ok(due > 0);
  overlay.handleTimeout(due - 1);
  assert.deepEqual(drain(overlay), []);
});

test('DQ-2 DQ-5 DQ-3 DQ-4 after the probe one more ultrapeer at a time, ≥ 1500 ms apart, TTL ≤ X-Max-TTL, never twice', () => {
  const overlay = ultrapeer({ maxTtl: 3 });
  const { guid, probe } = leafQuery(overlay);
  const later = queries(runUntil(overlay, 300_000));
  assert.equal(later.length, UPS.length - 3, 'then every other ultrapeer, once');
  const all = [...probe, ...later];
  assert.deepEqual(linksOf(all), UPS, 'each ultrapeer exactly once (DQ-4: no X-Ext-Probes)');
  const times = later.map((s) => s.at);
  assert.equal(new Set(times).size, times.length, 'one send per interval (DQ-2)');
  for (let i = 1; i < times.length; i++) {
    assert.ok(times[i]! - times[i - 1]! >= 1_500, `sends ${times[i - 1]} → ${times[i]} (DQ-5)`);
  }
  assert.ok(times[0]! > 0, 'not together with the probe');
  // SHOULD: while the query is younger than 6 s, wait TTL × 2400 ms after a send.
  assert.ok(times[0]! < 6_000);
  assert.ok(times[1]! - times[0]! >= later[0]!.ttl * 2_400, 'TTL × 2400 ms (DQ-5)');
  for (const s of later) {
    assert.equal(s.guid, guidToHex(guid));
    assert.equal(s.hops, 1);
    assert.ok(s.ttl >= 1 && s.ttl <= 3, `TTL ${s.ttl} ≤ X-Max-TTL 3 (DQ-3)`);
  }
  assert.equal(
    overlay.nextTimeout(),
    600_000,
    'the query is over: only the alive-ping timers are left',
  );
});

test('DQ-3 a dynamic query never exceeds the X-Max-TTL of the ultrapeer, nor 4', () => {
  const maxTtl = [1, 2, 3, 4, 5, 7, 7, 7];
  const overlay = ultrapeer({ maxTtl });
  const { probe } = leafQuery(overlay);
  const all = [...probe, ...queries(runUntil(overlay, 300_000))];
  assert.equal(all.length, UPS.length);
  for (const s of all) {
    const cap = Math.min(maxTtl[UPS.indexOf(s.link)]!, 4);
    assert.ok(s.ttl <= cap, `link ${s.link}: TTL ${s.ttl} ≤ ${cap}`);
  }
  // Neighbours allowing 7: nothing back yet, so the first iteration wants the most, and gets 4.
  const wide = ultrapeer({ maxTtl: 7 });
  const first = leafQuery(wide).probe;
  const rest = queries(runUntil(wide, 300_000));
  assert.equal(rest[0]!.ttl, 4, 'no results: 40 000 hosts wanted, capped at 4');
  for (const s of [...first, ...rest]) assert.ok(s.ttl <= 4, `link ${s.link}: TTL ${s.ttl} ≤ 4`);
});

test('DQ-4 with UP-QRP hits the probe is TTL 1; only X-Ext-Probes ultrapeers ever get a second, higher-TTL copy', () => {
  const tables = UPS.map(() => ['blue sky.jpg']);
  for (const extProbes of [false, true]) {
    const overlay = ultrapeer({ tables, extProbes });
    const { probe } = leafQuery(overlay);
    assert.ok(probe.length >= 1);
    assert.ok(
      probe.every((s) => s.ttl === 1),
      'hit tables: TTL-1 probes',
    );
    const all = [...probe, ...queries(runUntil(overlay, 300_000))];
    const byLink = new Map<number, number[]>();
    for (const s of all) byLink.set(s.link, [...(byLink.get(s.link) ?? []), s.ttl]);
    assert.equal(byLink.size, UPS.length, 'every ultrapeer gets the query');
    for (const [link, ttls] of byLink) {
      if (!extProbes) {
        assert.equal(ttls.length, 1, `link ${link} without X-Ext-Probes: one copy only`);
        continue;
      }
      assert.ok(ttls.length <= 2, `link ${link}: at most one re-send`);
      if (ttls.length === 2) {
        assert.equal(ttls[0], 1, 'only a TTL-1 copy is re-sent');
        assert.ok(ttls[1]! > 1, 'with a higher TTL');
      }
    }
    if (extProbes) assert.ok([...byLink.values()].some((t) => t.length === 2));
  }
});

test('DQ-10 an ultrapeer whose last-hop QRP table misses never gets the query with TTL 1', () => {
  // 3 tables hit, 5 miss.
  const hitLinks = [1, 2, 3];
  const tables = UPS.map((id) => (hitLinks.includes(id) ? ['blue sky.jpg'] : ['green pear.txt']));
  const overlay = ultrapeer({ tables });
  const { guid, probe } = leafQuery(overlay);
  assert.deepEqual(
    linksOf(probe.filter((s) => s.ttl === 1)),
    hitLinks,
    'TTL 1 to the tables that hit',
  );
  // Many results: the next TTL wanted is 1.
  for (let i = 0; i < 4; i++) overlay.handleMessage(1, hitWith(guid, 10), 10);
  drain(overlay);
  const later = queries(runUntil(overlay, 300_000));
  const toMisses = [...probe, ...later].filter((s) => !hitLinks.includes(s.link));
  assert.ok(
    later.some((s) => !hitLinks.includes(s.link)),
    'the iteration reached a missing table',
  );
  for (const s of toMisses) assert.ok(s.ttl >= 2, `link ${s.link} (table misses) got TTL ${s.ttl}`);
});

test('DQ-6 hits routed back reaching the target (50) stop further sends; the hits still reach the leaf', () => {
  const overlay = ultrapeer();
  const { guid, probe } = leafQuery(overlay);
  const from = probe[0]!.link;
  for (let i = 0; i < 4; i++) overlay.handleMessage(from, hitWith(guid, 10), 100);
  overlay.handleMessage(from, hitWith(guid, 9), 100);
  const toLeaf = ofType(drain(overlay), MessageType.QueryHit);
  assert.equal(toLeaf.length, 5);
  for (const s of toLeaf) {
    assert.equal(s.link, LEAF);
    assert.deepEqual([s.ttl, s.hops], [2, 1]);
  }
  // 49 results: one more ultrapeer at the next turn.
  const due = overlay.nextTimeout()!;
  overlay.handleTimeout(due);
  assert.equal(queries(drain(overlay)).length, 1);
  overlay.handleMessage(from, hitWith(guid, 1), due + 10);
  assert.deepEqual(linksOf(drain(overlay)), [LEAF], 'the 50th result reaches the leaf');
  assert.deepEqual(queries(runUntil(overlay, 300_000)), [], 'and nothing more goes out');
  overlay.handleMessage(from, hitWith(guid, 3), 300_000);
  assert.deepEqual(linksOf(drain(overlay)), [LEAF], 'late hits still reach the leaf');
});

test('DQ-6 the leaf-query target is tunable (leafQueryTarget)', () => {
  const overlay = ultrapeer({ tunables: { leafQueryTarget: 20 } });
  const { guid, probe } = leafQuery(overlay);
  overlay.handleMessage(probe[0]!.link, hitWith(guid, 10), 100);
  overlay.handleMessage(probe[1]!.link, hitWith(guid, 10), 100);
  assert.equal(ofType(drain(overlay), MessageType.QueryHit).length, 2);
  assert.deepEqual(queries(runUntil(overlay, 300_000)), []);
});

test('DQ-7 DQ-8 a BEAR/12 0xFFFF from the leaf stops its query, and is not relayed', () => {
  const overlay = ultrapeer();
  const { guid } = leafQuery(overlay);
  overlay.handleMessage(LEAF, status(guid, 0x10), 50);
  assert.deepEqual(drain(overlay), [], 'a count: taken, not relayed');
  overlay.handleMessage(LEAF, status(guid, QUERY_STATUS_STOP), 100);
  assert.deepEqual(drain(overlay), [], 'not relayed');
  assert.deepEqual(queries(runUntil(overlay, 300_000)), [], 'no ultrapeer after the stop');
});

test('§6 a leaf reporting more results than the target stops its query; a lower count does not', () => {
  const overlay = ultrapeer();
  const { guid } = leafQuery(overlay);
  overlay.handleMessage(LEAF, status(guid, 50), 100);
  const due = overlay.nextTimeout()!;
  overlay.handleTimeout(due);
  assert.equal(queries(drain(overlay)).length, 1, '50 kept is not more than 50');
  overlay.handleMessage(LEAF, status(guid, 51), due + 10);
  assert.deepEqual(queries(runUntil(overlay, 300_000)), []);
});

test('DQ-8 a BEAR/12 from an ultrapeer, for an unknown GUID, or of the wrong length is ignored and never relayed', () => {
  const overlay = ultrapeer();
  const { guid, probe } = leafQuery(overlay);
  const upLink = probe[0]!.link;
  overlay.handleMessage(upLink, status(guid, QUERY_STATUS_STOP), 10);
  overlay.handleMessage(LEAF, status(testGuid(), QUERY_STATUS_STOP), 10);
  overlay.handleMessage(OTHER_LEAF, status(guid, QUERY_STATUS_STOP), 10);
  overlay.handleMessage(
    LEAF,
    encodeVendorFrame(
      {
        kind: 'unknown',
        vendor: 'BEAR',
        selector: 12,
        version: 1,
        body: Uint8Array.of(0xff, 0xff, 0xff),
      },
      guid,
    ),
    10,
  );
  assert.deepEqual(drain(overlay), [], 'nothing relayed');
  const stats = overlay.stats();
  assert.equal(stats.links.find((l) => l.id === upLink)!.drops['vendor-ignored'], 1);
  assert.equal(stats.drops.malformed, 1, 'a 3-byte body');
  const later = runUntil(overlay, 300_000);
  assert.equal(vendors(later).length, 0);
  assert.equal(queries(later).length, UPS.length - 3, 'the query ran to the end');
});

test('§5.5 the leaf leaving ends its query', () => {
  const overlay = ultrapeer();
  leafQuery(overlay);
  overlay.removeLink(LEAF, 100);
  assert.deepEqual(queries(runUntil(overlay, 300_000)), []);
});

test('DQ-11 a query from another ultrapeer is relayed to every other ultrapeer at once, then nothing more', () => {
  const overlay = ultrapeer();
  const guid = testGuid();
  overlay.handleMessage(1, query('blue sky', { guid, ttl: 3, hops: 0 }), 0);
  const sent = queries(drain(overlay));
  assert.deepEqual(linksOf(sent), UPS.slice(1));
  for (const s of sent) assert.deepEqual([s.ttl, s.hops], [2, 1]);
  assert.deepEqual(queries(runUntil(overlay, 300_000)), []);
});

test("§5 DQ-2 an ultrapeer's own search runs dynamically: a probe of 3 with hops 0, then one at a time", () => {
  const overlay = ultrapeer();
  const guid = overlay.search('blue sky', {}, 0);
  const probe = queries(drain(overlay));
  assert.equal(probe.length, 3);
  for (const s of probe) {
    assert.deepEqual([s.ttl, s.hops], [2, 0]);
    assert.equal(s.guid, guidToHex(guid));
    assert.ok(UPS.includes(s.link));
  }
  const later = queries(runUntil(overlay, 300_000));
  assert.equal(later.length, UPS.length - 3);
  assert.equal(new Set(later.map((s) => s.at)).size, later.length);
  assert.deepEqual(linksOf([...probe, ...later]), UPS);
  for (const s of later) assert.equal(s.hops, 0);
});

test("§3 an ultrapeer's own search stops at ownQueryTarget (150 by default, not the leaf target)", () => {
  let overlay = ultrapeer();
  let guid = overlay.search('blue sky', {}, 0);
  let probe = queries(drain(overlay));
  for (let i = 0; i < 6; i++) overlay.handleMessage(probe[0]!.link, hitWith(guid, 10), 100);
  assert.equal(drainEvents(overlay).filter((e) => e.type === 'search-result').length, 6);
  overlay.handleTimeout(overlay.nextTimeout()!);
  assert.equal(queries(drain(overlay)).length, 1, '60 results: on to the next ultrapeer');

  overlay = ultrapeer({ tunables: { ownQueryTarget: 30 } });
  guid = overlay.search('blue sky', {}, 0);
  probe = queries(drain(overlay));
  for (let i = 0; i < 2; i++) overlay.handleMessage(probe[0]!.link, hitWith(guid, 10), 100);
  overlay.handleMessage(probe[0]!.link, hitWith(guid, 9), 100);
  overlay.handleTimeout(overlay.nextTimeout()!);
  assert.equal(queries(drain(overlay)).length, 1, '29 of 30');
  overlay.handleMessage(probe[0]!.link, hitWith(guid, 1), 5_000);
  assert.deepEqual(queries(runUntil(overlay, 300_000)), [], 'the 30th result ends it');
  assert.equal(drainEvents(overlay).filter((e) => e.type === 'search-result').length, 4);
});

// ---- the leaf side: leaf guidance (§6, DQ-12)

const UP1 = 1;
const UP2 = 2;

function leaf(upCaps: Partial<PeerCapabilities> = {}): Overlay {
  const { overlay } = makeNode({ mode: 'leaf', tunables: { alivePingIntervalMs: 600_000 } });
  for (const id of [UP1, UP2]) {
    overlay.addLink(id, caps({ vendorMessages: true, queryRouting: false, ...upCaps }), 0);
  }
  drain(overlay);
  return overlay;
}

/** The BEAR/12 messages in `sent`: link, GUID, value. */
function statuses(sent: readonly Sent[]): { link: number; guid: string; kept: number }[] {
  return vendors(sent).map((s) => {
    assert.deepEqual([s.ttl, s.hops], [1, 0]);
    const decoded = decodeVendorMessage(s.payload);
    assert.ok(decoded.ok && decoded.value.kind === 'query-status-response');
    return { link: s.link, guid: s.guid, kept: decoded.value.kept };
  });
}

test('VM-6 DQ-12 §2 Messages Supported lists BEAR/11 and BEAR/12', () => {
  const { overlay } = makeNode({ mode: 'leaf' });
  overlay.addLink(UP1, caps({ vendorMessages: true, queryRouting: false }), 0);
  const first = drain(overlay)[0]!;
  const decoded = decodeVendorMessage(first.payload);
  assert.ok(decoded.ok && decoded.value.kind === 'messages-supported');
  const entries = decoded.value.entries;
  assert.ok(entries.some((e) => e.vendor === 'BEAR' && e.selector === 11 && e.version === 1));
  assert.ok(entries.some((e) => e.vendor === 'BEAR' && e.selector === 12 && e.version === 1));
});

test('DQ-12 §6 a leaf reports its results every 15 (divided among its 2 ultrapeers) and 0xFFFF once at 150', () => {
  const overlay = leaf();
  const guid = overlay.search('blue sky', {}, 0);
  const g = guidToHex(guid);
  drain(overlay);
  const step = (results: number) => {
    overlay.handleMessage(UP1, hitWith(guid, results), 10);
    return statuses(drain(overlay));
  };
  assert.deepEqual(step(10), [], '10: not yet');
  assert.deepEqual(step(10), [
    { link: UP1, guid: g, kept: 10 },
    { link: UP2, guid: g, kept: 10 },
  ]);
  assert.deepEqual(step(5), [], '25: 5 since the last report');
  assert.deepEqual(
    step(10).map((s) => s.kept),
    [17, 17],
    '35 / 2',
  );
  let stops = 0;
  let results = 35;
  while (results < 200) {
    results += 10;
    for (const s of step(10)) {
      if (s.kept === QUERY_STATUS_STOP) {
        stops++;
        assert.ok(results >= 150, `stop only once 150 are in (at ${results})`);
      } else {
        assert.ok(results < 150);
        assert.equal(s.kept, Math.floor(results / 2));
      }
    }
  }
  assert.equal(stops, 2, '0xFFFF once, to each ultrapeer');
});

test('DQ-12 stopSearch sends 0xFFFF to every ultrapeer, once; later hits are not reported', () => {
  const overlay = leaf();
  const guid = overlay.search('blue sky', {}, 0);
  drain(overlay);
  overlay.stopSearch(guid, 100);
  assert.deepEqual(statuses(drain(overlay)), [
    { link: UP1, guid: guidToHex(guid), kept: QUERY_STATUS_STOP },
    { link: UP2, guid: guidToHex(guid), kept: QUERY_STATUS_STOP },
  ]);
  overlay.stopSearch(guid, 200);
  overlay.handleMessage(UP1, hitWith(guid, 10), 300);
  overlay.handleMessage(UP1, hitWith(guid, 10), 300);
  assert.deepEqual(statuses(drain(overlay)), []);
  overlay.stopSearch(testGuid(), 400);
  assert.deepEqual(drain(overlay), [], 'an unknown search: nothing');
});

test('DQ-12 VM-12 a BEAR/11 for a live search is answered at once with the current value; unknown GUIDs get 0xFFFF', () => {
  const overlay = leaf();
  const guid = overlay.search('blue sky', {}, 0);
  drain(overlay);
  overlay.handleMessage(UP1, hitWith(guid, 9), 10);
  const request = (g: Uint8Array) =>
    encodeVendorFrame({ kind: 'query-status-request', version: 1 }, g);
  overlay.handleMessage(UP2, request(guid), 20);
  assert.deepEqual(statuses(drain(overlay)), [{ link: UP2, guid: guidToHex(guid), kept: 4 }]);
  const unknown = testGuid();
  overlay.handleMessage(UP2, request(unknown), 30);
  assert.deepEqual(
    statuses(drain(overlay)),
    [{ link: UP2, guid: guidToHex(unknown), kept: QUERY_STATUS_STOP }],
    'unknown GUID: stop',
  );
  overlay.stopSearch(guid, 40);
  drain(overlay);
  overlay.handleMessage(UP1, request(guid), 50);
  assert.deepEqual(statuses(drain(overlay)), [
    { link: UP1, guid: guidToHex(guid), kept: QUERY_STATUS_STOP },
  ]);
});

test('HS-27 DQ-12 a leaf sends no BEAR/12 to an ultrapeer whose handshake lacked Vendor-Message', () => {
  const overlay = leaf({ vendorMessages: false });
  const guid = overlay.search('blue sky', {}, 0);
  drain(overlay);
  overlay.handleMessage(UP1, hitWith(guid, 10), 10);
  overlay.handleMessage(UP1, hitWith(guid, 10), 10);
  overlay.stopSearch(guid, 20);
  assert.deepEqual(
    vendors(drain(overlay)).map((s) => s.link),
    [],
    'no vendor messages to ultrapeers without Vendor-Message (HS-27)',
  );
});
