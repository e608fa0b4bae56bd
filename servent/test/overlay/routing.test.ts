/** Routing rules of one overlay, driven by scripted links (ultrapeers-and-routing.md §6, messages.md §4–6). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Overlay } from '../../src/core/overlay/index.js';
import {
  decodeQueryHit,
  encodeMessage,
  encodePing,
  encodePush,
  encodeQueryHit,
  encodeVendorFrame,
  eqhdFlags,
  extensionSha1s,
  ggepExtension,
  guidToHex,
  MessageType,
  type QueryHit,
} from '../../src/core/wire/index.js';
import {
  caps,
  drain,
  drainEvents,
  makeNode,
  ofType,
  query,
  raw,
  type Sent,
  sha1Of,
  tableMessages,
  testGuid,
} from './support.js';

/** Links of the ultrapeer under test. */
const UP1 = 1;
const UP2 = 2;
const UP3 = 3;
const LEAF_RED = 10;
const LEAF_GREEN = 11;
const LEAF_BARE = 12;

/** An ultrapeer with three plain ultrapeers, two leaves with tables and one without. */
function ultrapeer(options: { names?: string[]; extProbes?: boolean } = {}) {
  const node = makeNode({
    mode: 'ultrapeer',
    names: options.names ?? [],
    extProbes: options.extProbes,
  });
  const { overlay } = node;
  const plain = caps({ ultrapeerQueryRouting: false, vendorMessages: false });
  for (const id of [UP1, UP2, UP3]) overlay.addLink(id, plain, 0);
  for (const id of [LEAF_RED, LEAF_GREEN, LEAF_BARE]) {
    overlay.addLink(id, caps({ peerMode: 'leaf', vendorMessages: false }), 0);
  }
  feed(overlay, LEAF_RED, tableMessages(['red apple.txt']));
  feed(overlay, LEAF_GREEN, tableMessages(['green pear.txt']));
  drain(overlay);
  return node;
}

function feed(overlay: Overlay, link: number, messages: Uint8Array[], now = 0): void {
  for (const message of messages) overlay.handleMessage(link, message, now);
}

const queries = (sent: Sent[]) => ofType(sent, MessageType.Query);
const links = (sent: Sent[]) => sent.map((s) => s.link).sort((a, b) => a - b);

function hitMessage(
  guid: Uint8Array,
  serventId: Uint8Array,
  fields: { ttl?: number; hops?: number } = {},
) {
  const hit: QueryHit = {
    port: 6346,
    address: '10.0.0.9',
    speed: 100,
    results: [{ index: 7, size: 1234, name: 'red apple.txt', extensions: [] }],
    serventId,
  };
  return raw(MessageType.QueryHit, encodeQueryHit(hit), {
    guid,
    ttl: fields.ttl ?? 3,
    hops: fields.hops ?? 0,
  });
}

function pushMessage(
  serventId: Uint8Array,
  fields: { guid?: Uint8Array; ttl?: number; ggep?: boolean } = {},
) {
  return raw(
    MessageType.Push,
    encodePush({
      serventId,
      fileIndex: 7,
      address: '10.0.0.5',
      port: 6346,
      ggep: fields.ggep ? [ggepExtension('TLS', new Uint8Array(0))] : [],
    }),
    { guid: fields.guid, ttl: fields.ttl ?? 3 },
  );
}

test('MSG-14 MSG-8 RT-1 a query goes to the other ultrapeers with TTL − 1 and hops + 1, never back, serialized once', () => {
  const { overlay } = ultrapeer();
  overlay.handleMessage(UP1, query('blue sky', { ttl: 3, hops: 0 }), 0);
  const sent = queries(drain(overlay));
  assert.deepEqual(links(sent), [UP2, UP3]);
  for (const s of sent) assert.deepEqual([s.ttl, s.hops], [2, 1]);
  assert.equal(sent[0]!.message, sent[1]!.message, 'one copy shared by every link');
});

test('MSG-9 QRP-12 a TTL 1 query is not relayed to ultrapeers but reaches a matching leaf with TTL 0', () => {
  const { overlay } = ultrapeer();
  overlay.handleMessage(UP1, query('red apple', { ttl: 1, hops: 2 }), 0);
  const sent = queries(drain(overlay));
  assert.deepEqual(links(sent), [LEAF_RED]);
  assert.deepEqual([sent[0]!.ttl, sent[0]!.hops], [0, 3]);
});

test('MSG-10 RT-6 a relayed broadcast is trimmed so hops + TTL ≤ 4', () => {
  const { overlay } = ultrapeer();
  overlay.handleMessage(UP1, query('blue sky', { ttl: 6, hops: 1 }), 0);
  for (const s of queries(drain(overlay))) assert.deepEqual([s.ttl, s.hops], [2, 2]);
  // hops 4: nothing left for ultrapeers, a matching leaf still gets it.
  overlay.handleMessage(UP1, query('red apple', { ttl: 3, hops: 4 }), 0);
  const sent = queries(drain(overlay));
  assert.deepEqual(links(sent), [LEAF_RED]);
  assert.deepEqual([sent[0]!.ttl, sent[0]!.hops], [0, 5]);
});

test('MSG-10 MSG-11 messages over the hard TTL limit or with TTL/hops ≥ 128 are dropped and not answered', () => {
  const { overlay, library } = ultrapeer({ names: ['blue sky.jpg'] });
  overlay.handleMessage(UP1, query('blue sky', { ttl: 10, hops: 6 }), 0);
  overlay.handleMessage(UP1, query('blue sky', { ttl: 200, hops: 0 }), 0);
  overlay.handleMessage(UP1, query('blue sky', { ttl: 1, hops: 255 }), 0);
  assert.deepEqual(drain(overlay), []);
  assert.equal(library.matched.length, 0);
  const { drops } = overlay.stats();
  assert.equal(drops['over-hard-ttl-limit'], 1);
  assert.equal(drops['ttl-or-hops-over-127'], 2);
});

test('MSG-12 RT-2 a duplicate query is neither relayed nor answered again, whichever link it comes on', () => {
  const { overlay, library } = ultrapeer({ names: ['blue sky.jpg'] });
  const guid = testGuid();
  overlay.handleMessage(UP1, query('blue sky', { guid, ttl: 3 }), 0);
  assert.equal(queries(drain(overlay)).length, 2);
  overlay.handleMessage(UP2, query('blue sky', { guid, ttl: 3 }), 1_000);
  overlay.handleMessage(UP1, query('blue sky', { guid, ttl: 3 }), 2_000);
  assert.deepEqual(drain(overlay), []);
  assert.equal(library.matched.length, 1);
  assert.equal(overlay.stats().drops.duplicate, 2);
  // RT-5: still known after almost five minutes.
  overlay.handleMessage(UP3, query('blue sky', { guid, ttl: 3 }), 299_000);
  assert.deepEqual(drain(overlay), []);
});

test('MSG-13 a Ping and a Query with the same GUID are both processed', () => {
  const { overlay } = ultrapeer();
  const guid = testGuid();
  overlay.handleMessage(UP1, query('blue sky', { guid, ttl: 3 }), 0);
  overlay.handleMessage(UP1, raw(MessageType.Ping, encodePing(), { guid, ttl: 1 }), 0);
  const sent = drain(overlay);
  assert.equal(queries(sent).length, 2);
  assert.equal(ofType(sent, MessageType.Pong).length, 1);
});

test('MSG-12 RT-2 with X-Ext-Probes a higher-TTL copy is relayed again to probe-aware ultrapeers, not answered again', () => {
  const node = makeNode({ mode: 'ultrapeer', names: ['blue sky.jpg'], extProbes: true });
  const { overlay, library } = node;
  overlay.addLink(UP1, caps({ vendorMessages: false, ultrapeerQueryRouting: false }), 0);
  overlay.addLink(
    UP2,
    caps({ vendorMessages: false, ultrapeerQueryRouting: false, extProbes: true }),
    0,
  );
  overlay.addLink(UP3, caps({ vendorMessages: false, ultrapeerQueryRouting: false }), 0);
  const guid = testGuid();
  overlay.handleMessage(UP1, query('blue sky', { guid, ttl: 1, hops: 0 }), 0);
  assert.equal(queries(drain(overlay)).length, 0, 'a probe: TTL 1');
  overlay.handleMessage(UP1, query('blue sky', { guid, ttl: 3, hops: 0 }), 10);
  const sent = queries(drain(overlay));
  assert.deepEqual(links(sent), [UP2]);
  assert.deepEqual([sent[0]!.ttl, sent[0]!.hops], [2, 1]);
  assert.equal(library.matched.length, 1, 'answered once');
  overlay.handleMessage(UP1, query('blue sky', { guid, ttl: 3, hops: 0 }), 20);
  assert.deepEqual(drain(overlay), [], 'not the same TTL twice');
});

test('RT-3 MSG-15 a QueryHit goes back only to the link its query came from', () => {
  const { overlay } = ultrapeer();
  const guid = testGuid();
  overlay.handleMessage(UP1, query('blue sky', { guid, ttl: 3 }), 0);
  drain(overlay);
  overlay.handleMessage(UP2, hitMessage(guid, testGuid(), { ttl: 3, hops: 0 }), 0);
  const sent = drain(overlay);
  assert.deepEqual(links(sent), [UP1]);
  assert.deepEqual([sent[0]!.type, sent[0]!.ttl, sent[0]!.hops], [MessageType.QueryHit, 2, 1]);
});

test('RT-3 MSG-15 a QueryHit for an unknown GUID is dropped', () => {
  const { overlay } = ultrapeer();
  overlay.handleMessage(UP2, hitMessage(testGuid(), testGuid()), 0);
  assert.deepEqual(drain(overlay), []);
  assert.equal(overlay.stats().drops['no-route'], 1);
});

test('MSG-9 a QueryHit that arrives with TTL 1 is not relayed', () => {
  const { overlay } = ultrapeer();
  const guid = testGuid();
  overlay.handleMessage(UP1, query('blue sky', { guid, ttl: 3 }), 0);
  drain(overlay);
  overlay.handleMessage(UP2, hitMessage(guid, testGuid(), { ttl: 1, hops: 2 }), 0);
  assert.deepEqual(drain(overlay), []);
  assert.equal(overlay.stats().drops['ttl-expired'], 1);
});

test("RT-4 MSG-17 a Push follows the route its servent id's hits took, and is dropped without one", () => {
  const { overlay } = ultrapeer();
  const guid = testGuid();
  const servent = testGuid();
  overlay.handleMessage(UP1, query('blue sky', { guid, ttl: 3 }), 0);
  overlay.handleMessage(UP2, hitMessage(guid, servent), 0);
  drain(overlay);
  const pushGuid = testGuid();
  overlay.handleMessage(UP3, pushMessage(servent, { guid: pushGuid, ttl: 3 }), 1);
  const sent = drain(overlay);
  assert.deepEqual(links(sent), [UP2]);
  assert.deepEqual([sent[0]!.type, sent[0]!.ttl, sent[0]!.hops], [MessageType.Push, 2, 1]);
  overlay.handleMessage(UP1, pushMessage(servent, { guid: pushGuid, ttl: 3 }), 2);
  overlay.handleMessage(UP1, pushMessage(testGuid(), { ttl: 3 }), 3);
  assert.deepEqual(drain(overlay), []);
  const { drops } = overlay.stats();
  assert.equal(drops.duplicate, 1, 'duplicate by message GUID');
  assert.equal(drops['no-route'], 1);
  // RT-5: the route lives at least seven minutes.
  overlay.handleMessage(UP3, pushMessage(servent, { ttl: 3 }), 419_000);
  assert.deepEqual(links(drain(overlay)), [UP2]);
});

test('RT-4 a Push reaches a leaf whose hits came through us', () => {
  const { overlay } = ultrapeer();
  const guid = testGuid();
  const leafServent = testGuid();
  overlay.handleMessage(UP1, query('red apple', { guid, ttl: 3 }), 0);
  overlay.handleMessage(LEAF_RED, hitMessage(guid, leafServent, { ttl: 3, hops: 0 }), 0);
  drain(overlay);
  overlay.handleMessage(UP1, pushMessage(leafServent, { ttl: 2 }), 1);
  assert.deepEqual(links(drain(overlay)), [LEAF_RED]);
});

test('HS-27 a relayed Push loses its GGEP towards a peer without GGEP', () => {
  const node = makeNode({ mode: 'ultrapeer' });
  const { overlay } = node;
  overlay.addLink(UP1, caps({ vendorMessages: false, ultrapeerQueryRouting: false }), 0);
  overlay.addLink(
    UP2,
    caps({ vendorMessages: false, ultrapeerQueryRouting: false, ggep: false }),
    0,
  );
  const guid = testGuid();
  const servent = testGuid();
  overlay.handleMessage(UP1, query('blue sky', { guid, ttl: 3 }), 0);
  overlay.handleMessage(UP2, hitMessage(guid, servent), 0);
  drain(overlay);
  overlay.handleMessage(UP1, pushMessage(servent, { ggep: true }), 0);
  const [push] = drain(overlay);
  assert.equal(push!.link, UP2);
  assert.equal(push!.length, 26);
  assert.equal(push!.message.length, 23 + 26);
});

test('a Push naming our servent id becomes push-for-us', () => {
  const { overlay, serventId } = ultrapeer();
  overlay.handleMessage(UP1, pushMessage(serventId), 0);
  assert.deepEqual(drain(overlay), []);
  const events = drainEvents(overlay);
  assert.equal(events.length, 1);
  const event = events[0]!;
  assert.ok(event.type === 'push-for-us');
  assert.equal(event.link, UP1);
  assert.equal(event.push.fileIndex, 7);
});

test('MSG-5 a message of unknown type is skipped by its length and never forwarded', () => {
  const { overlay } = ultrapeer();
  overlay.handleMessage(UP1, raw(0x55, new Uint8Array(5), { ttl: 3 }), 0);
  overlay.handleMessage(UP1, query('blue sky', { ttl: 3 }), 0);
  const sent = drain(overlay);
  assert.equal(sent.length, 2);
  assert.ok(sent.every((s) => s.type === MessageType.Query));
  assert.equal(overlay.stats().drops['unknown-type'], 1);
  assert.equal(overlay.stats().messagesIn.unknown, 1);
});

test('MSG-39 RT-10 vendor, QRP and Bye messages are never relayed', () => {
  const { overlay } = ultrapeer();
  overlay.handleMessage(
    UP1,
    encodeVendorFrame({ kind: 'hops-flow', version: 1, hops: 3 }, testGuid()),
    0,
  );
  overlay.handleMessage(
    UP1,
    encodeVendorFrame(
      { kind: 'unknown', vendor: 'ABCD', selector: 9, version: 1, body: new Uint8Array(2) },
      testGuid(),
    ),
    0,
  );
  feed(overlay, LEAF_BARE, tableMessages(['yellow lemon.txt']));
  assert.deepEqual(drain(overlay), []);
  assert.equal(overlay.stats().drops['vendor-ignored'], 1);
  assert.equal(overlay.stats().links.find((l) => l.id === UP1)!.hopsFlow, 3);
});

test('UP-9 MSG-37 VM-8 Hops-Flow 0 stops all queries to that peer; h stops queries with hops ≥ h', () => {
  const { overlay } = ultrapeer();
  overlay.handleMessage(
    LEAF_RED,
    encodeVendorFrame({ kind: 'hops-flow', version: 1, hops: 0 }, testGuid()),
    0,
  );
  overlay.handleMessage(
    UP2,
    encodeVendorFrame({ kind: 'hops-flow', version: 1, hops: 2 }, testGuid()),
    0,
  );
  overlay.handleMessage(UP1, query('red apple', { ttl: 3, hops: 0 }), 0);
  assert.deepEqual(
    links(queries(drain(overlay))),
    [UP2, UP3],
    'hops 1 < 2 passes; the leaf wants none',
  );
  overlay.handleMessage(UP1, query('red apple', { ttl: 2, hops: 1 }), 0);
  assert.deepEqual(links(queries(drain(overlay))), [UP3], 'hops 2 ≥ 2');
  const stats = overlay.stats().links;
  assert.equal(stats.find((l) => l.id === LEAF_RED)!.drops['hops-flow'], 2);
  assert.equal(stats.find((l) => l.id === UP2)!.drops['hops-flow'], 1);
  // Own queries too: hops 0 is not below 0.
  overlay.search('red apple', {}, 0);
  assert.deepEqual(links(queries(drain(overlay))), [UP1, UP2, UP3]);
  overlay.handleMessage(
    LEAF_RED,
    encodeVendorFrame({ kind: 'hops-flow', version: 1, hops: 5 }, testGuid()),
    0,
  );
  overlay.handleMessage(UP1, query('red apple', { ttl: 3, hops: 0 }), 0);
  assert.ok(links(queries(drain(overlay))).includes(LEAF_RED), 'queries flow again');
});

test('QRP-11 QRP-15 no query goes to a leaf without a complete table, nor after a RESET', () => {
  const { overlay } = ultrapeer();
  const [reset, ...patches] = tableMessages(['yellow lemon.txt']);
  overlay.handleMessage(LEAF_BARE, reset!, 0);
  overlay.handleMessage(UP1, query('yellow lemon', { ttl: 3 }), 0);
  assert.ok(!links(queries(drain(overlay))).includes(LEAF_BARE));
  feed(overlay, LEAF_BARE, patches);
  overlay.handleMessage(UP1, query('yellow lemon', { ttl: 3 }), 0);
  assert.ok(links(queries(drain(overlay))).includes(LEAF_BARE), 'complete table: forwarded');
  overlay.handleMessage(UP1, query('yellow', { ttl: 3 }), 0);
  assert.ok(links(queries(drain(overlay))).includes(LEAF_BARE));
  overlay.handleMessage(UP1, query('lemonade', { ttl: 3 }), 0);
  assert.ok(!links(queries(drain(overlay))).includes(LEAF_BARE), 'one word that misses');
  overlay.handleMessage(LEAF_BARE, reset!, 0);
  overlay.handleMessage(UP1, query('yellow lemon', { ttl: 3 }), 0);
  assert.ok(!links(queries(drain(overlay))).includes(LEAF_BARE), 'RESET took the table away');
});

test('QRP-16 MSG-14 last-hop QRP: a query arriving with TTL 1 goes only to UP-QRP neighbours whose table hits', () => {
  const node = makeNode({ mode: 'ultrapeer' });
  const { overlay } = node;
  const upQrp = caps({ vendorMessages: false, ultrapeerQueryRouting: true });
  overlay.addLink(UP1, caps({ vendorMessages: false, ultrapeerQueryRouting: false }), 0);
  overlay.addLink(4, upQrp, 0);
  overlay.addLink(5, upQrp, 0);
  overlay.addLink(6, upQrp, 0);
  overlay.addLink(7, caps({ vendorMessages: false, ultrapeerQueryRouting: false }), 0);
  feed(overlay, 4, tableMessages(['blue sky.jpg']));
  feed(overlay, 5, tableMessages(['red apple.txt']));
  // 6 sent no table: treated as not doing QRP.
  drain(overlay);
  overlay.handleMessage(UP1, query('red apple', { ttl: 2 }), 0);
  assert.deepEqual(links(queries(drain(overlay))), [5, 6, 7]);
  overlay.handleMessage(UP1, query('red apple', { ttl: 3 }), 0);
  assert.deepEqual(links(queries(drain(overlay))), [4, 5, 6, 7], 'TTL 2 after the hop: always');
  overlay.handleMessage(UP1, query('', { ttl: 2, urns: [sha1Of('blue sky.jpg')] }), 0);
  assert.deepEqual(links(queries(drain(overlay))), [4, 6, 7], 'URN queries hit by URN');
});

test('UP-8 MSG-18 UP-10 a leaf answers queries from its ultrapeers, even at TTL 0, and relays nothing', () => {
  const { overlay, serventId } = makeNode({ mode: 'leaf', names: ['red apple.txt'] });
  overlay.addLink(UP1, caps({ vendorMessages: false, queryRouting: false }), 0);
  overlay.addLink(UP2, caps({ vendorMessages: false, queryRouting: false }), 0);
  const guid = testGuid();
  overlay.handleMessage(UP1, query('red apple', { guid, ttl: 0, hops: 3 }), 0);
  overlay.handleMessage(UP1, query('red apple', { ttl: 1, hops: 1 }), 0);
  overlay.handleMessage(UP1, query('nothing', { ttl: 3, hops: 0 }), 0);
  const sent = drain(overlay);
  assert.deepEqual(
    sent.map((s) => [s.link, s.type, s.hops]),
    [
      [UP1, MessageType.QueryHit, 0],
      [UP1, MessageType.QueryHit, 0],
    ],
  );
  assert.equal(sent[0]!.guid, guidToHex(guid));
  overlay.handleMessage(UP2, hitMessage(guid, testGuid()), 0);
  overlay.handleMessage(UP1, pushMessage(testGuid()), 0);
  overlay.handleMessage(UP1, pushMessage(serventId), 0);
  assert.deepEqual(drain(overlay), []);
  const { drops } = overlay.stats();
  assert.equal(drops['leaf-does-not-route'], 2);
  assert.equal(drainEvents(overlay).filter((e) => e.type === 'push-for-us').length, 1);
});

test('RT-7 MSG-16 MSG-28 MSG-29 our hits: query GUID, hops 0, TTL hops + 2, ≤ 10 records, urn:sha1, EQHD, servent id last', () => {
  const names = Array.from({ length: 23 }, (_, i) => `red apple ${i}.txt`);
  const { overlay, serventId } = ultrapeer({ names });
  const guid = testGuid();
  overlay.handleMessage(UP1, query('red apple', { guid, ttl: 2, hops: 2 }), 0);
  const hits = ofType(drain(overlay), MessageType.QueryHit);
  assert.deepEqual(
    hits.map((h) => h.link),
    [UP1, UP1, UP1],
  );
  const decoded = hits.map((h) => {
    assert.equal(h.guid, guidToHex(guid));
    assert.deepEqual([h.ttl, h.hops], [4, 0]);
    const hit = decodeQueryHit(h.payload);
    assert.ok(hit.ok);
    return hit.value;
  });
  assert.deepEqual(
    decoded.map((h) => h.results.length),
    [10, 10, 3],
  );
  for (const hit of decoded) {
    assert.deepEqual(hit.serventId, serventId);
    assert.deepEqual([hit.address, hit.port], ['10.0.0.1', 6346]);
    assert.equal(hit.trailer?.vendor, 'GSNT');
    assert.deepEqual(eqhdFlags(hit.trailer!.openData), { push: false, ggep: false });
    for (const r of hit.results) assert.deepEqual(extensionSha1s(r.extensions), [sha1Of(r.name)]);
  }
});

test('MSG-30 a file of 2 GiB or more is sized in GGEP LF', () => {
  const { overlay, library } = ultrapeer();
  library.add('huge movie.mkv', 5 * 2 ** 30);
  overlay.handleMessage(UP1, query('huge movie', { ttl: 2 }), 0);
  const [hit] = ofType(drain(overlay), MessageType.QueryHit);
  const decoded = decodeQueryHit(hit!.payload);
  assert.ok(decoded.ok);
  assert.equal(decoded.value.results[0]!.size, 0xffff_ffff);
});

test("HS-28 MSG-6 RT-8 our queries: hops 0, a fresh GUID, TTL ≤ each peer's X-Max-TTL and ≤ 4", () => {
  const { overlay } = makeNode({ mode: 'leaf' });
  overlay.addLink(UP1, caps({ vendorMessages: false, queryRouting: false, maxTtl: 3 }), 0);
  overlay.addLink(UP2, caps({ vendorMessages: false, queryRouting: false, maxTtl: 7 }), 0);
  const first = overlay.search('red apple', { ttl: 7 }, 0);
  const second = overlay.search('red apple', {}, 0);
  assert.notEqual(guidToHex(first), guidToHex(second));
  const sent = queries(drain(overlay));
  assert.deepEqual(
    sent.map((s) => [s.link, s.ttl, s.hops]),
    [
      [UP1, 3, 0],
      [UP2, 4, 0],
      [UP1, 3, 0],
      [UP2, 4, 0],
    ],
  );
  assert.equal(first[8], 0xff);
  assert.equal(first[15], 0);
});

test("a hit for our own query becomes a search-result, and a leaf's own hits feed push routes", () => {
  const { overlay } = makeNode({ mode: 'leaf' });
  overlay.addLink(UP1, caps({ vendorMessages: false, queryRouting: false }), 0);
  const guid = overlay.search('red apple', {}, 0);
  drain(overlay);
  overlay.handleMessage(UP1, hitMessage(guid, testGuid(), { ttl: 2, hops: 2 }), 0);
  const [event] = drainEvents(overlay);
  assert.ok(event?.type === 'search-result');
  assert.equal(event.hops, 2);
  assert.equal(event.hit.results[0]!.name, 'red apple.txt');
});

test('UP-8 a message relayed by a leaf (hops ≠ 0) is dropped', () => {
  const { overlay } = ultrapeer();
  overlay.handleMessage(LEAF_RED, query('blue sky', { ttl: 3, hops: 1 }), 0);
  assert.deepEqual(drain(overlay), []);
  assert.equal(overlay.stats().links.find((l) => l.id === LEAF_RED)!.drops['relayed-by-leaf'], 1);
});

test("a leaf's own query goes to the other ultrapeers and the matching leaves", () => {
  const { overlay } = ultrapeer();
  overlay.handleMessage(LEAF_GREEN, query('red apple', { ttl: 3, hops: 0 }), 0);
  assert.deepEqual(links(queries(drain(overlay))), [UP1, UP2, UP3, LEAF_RED]);
});

test('a malformed query is dropped and counted', () => {
  const { overlay } = ultrapeer();
  overlay.handleMessage(
    UP1,
    encodeMessage(
      { guid: testGuid(), type: MessageType.Query, ttl: 3, hops: 0 },
      new Uint8Array([0x80]),
    ),
    0,
  );
  assert.deepEqual(drain(overlay), []);
  assert.equal(overlay.stats().drops.malformed, 1);
});
