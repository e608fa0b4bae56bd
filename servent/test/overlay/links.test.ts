/** Per-link behaviour: Messages Supported, pings and keep-alive, Bye, QRP errors, queues under backpressure. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeBye,
  decodePong,
  decodeVendorMessage,
  encodeBye,
  encodePing,
  encodePong,
  encodePush,
  MessageType,
} from '../../src/core/wire/index.js';
import {
  caps,
  drain,
  drainEvents,
  hit,
  makeNode,
  ofType,
  query,
  raw,
  tableMessages,
  testGuid,
} from './support.js';

const ping = (ttl: number, hops = 0, guid = testGuid()) =>
  raw(MessageType.Ping, encodePing(), { guid, ttl, hops });

test('VM-6 HS-27 Messages Supported goes first to a Vendor-Message peer, then Features Supported; never to others', () => {
  const { overlay } = makeNode({ mode: 'leaf', names: ['red apple.txt'] });
  overlay.addLink(1, caps({ vendorMessages: true }), 0);
  overlay.addLink(2, caps({ vendorMessages: false }), 0);
  const sent = drain(overlay);
  const first = sent.find((s) => s.link === 1)!;
  assert.equal(first.type, MessageType.Vendor);
  assert.deepEqual([first.ttl, first.hops], [1, 0]);
  const decoded = decodeVendorMessage(first.payload);
  assert.ok(decoded.ok && decoded.value.kind === 'messages-supported');
  assert.deepEqual(decoded.value.entries, [
    { vendor: 'BEAR', selector: 4, version: 1 },
    { vendor: 'BEAR', selector: 7, version: 1 },
    { vendor: 'BEAR', selector: 11, version: 1 },
    { vendor: 'BEAR', selector: 12, version: 1 },
    { vendor: 'LIME', selector: 21, version: 1 },
    { vendor: 'LIME', selector: 22, version: 2 },
  ]);
  const second = sent.filter((s) => s.link === 1)[1]!;
  const features = decodeVendorMessage(second.payload);
  assert.ok(features.ok && features.value.kind === 'features-supported');
  assert.deepEqual(features.value.features, [{ name: 'WHAT', version: 1 }], 'DQ-17');
  assert.ok(sent.filter((s) => s.link === 2).every((s) => s.type !== MessageType.Vendor));
});

test('QRP-4 QRP-17 a leaf sends RESET then PATCHes to ultrapeers with X-Query-Routing only', () => {
  const { overlay } = makeNode({ mode: 'leaf', names: ['red apple.txt'] });
  overlay.addLink(1, caps({ vendorMessages: false, queryRouting: true }), 0);
  overlay.addLink(2, caps({ vendorMessages: false, queryRouting: false }), 0);
  const sent = ofType(drain(overlay), MessageType.RouteTableUpdate);
  assert.ok(sent.every((s) => s.link === 1 && s.ttl === 1 && s.hops === 0));
  assert.deepEqual(
    sent.map((s) => s.payload[0]),
    [0x00, 0x01],
    'RESET, then one PATCH',
  );
  assert.equal(sent[1]!.payload[1], 1, 'seq no 1');
});

test('QRP-17 an ultrapeer never sends tables to leaves nor to ultrapeers without UP-QRP', () => {
  const { overlay } = makeNode({ mode: 'ultrapeer', names: ['red apple.txt'] });
  overlay.addLink(1, caps({ peerMode: 'leaf' }), 0);
  overlay.addLink(2, caps({ ultrapeerQueryRouting: false }), 0);
  overlay.addLink(3, caps({ ultrapeerQueryRouting: true }), 0);
  const sent = ofType(drain(overlay), MessageType.RouteTableUpdate);
  assert.ok(sent.length >= 2 && sent.every((s) => s.link === 3));
});

test('MSG-20 RT-12 RT-11 RT-13 alive pings get our pong, crawler pings pongs about neighbours; others once per 2.5 s; none relayed', () => {
  const { overlay } = makeNode({ mode: 'ultrapeer' });
  overlay.addLink(1, caps({ vendorMessages: false, ultrapeerQueryRouting: false }), 0);
  overlay.addLink(
    2,
    caps({
      vendorMessages: false,
      ultrapeerQueryRouting: false,
      listen: { host: '10.0.0.2', port: 6348 },
    }),
    0,
  );
  const alive = testGuid();
  const crawler = testGuid();
  const pings = [
    ping(1, 0, alive),
    ping(1),
    ping(2, 0, crawler),
    ping(4, 1),
    ping(4, 1),
    ping(4, 1),
  ];
  overlay.handleMessage(1, pings[0]!, 0);
  overlay.handleMessage(1, pings[1]!, 0);
  overlay.handleMessage(1, pings[2]!, 0);
  overlay.handleMessage(1, pings[3]!, 0);
  overlay.handleMessage(1, pings[4]!, 1_000);
  overlay.handleMessage(1, pings[5]!, 2_600);
  const sent = drain(overlay);
  const pongs = sent.filter((s) => s.link === 1);
  assert.ok(
    pongs.every((s) => s.type === MessageType.Pong),
    'only pongs go back',
  );
  // Link 2 gets only our own pong-cache refresh: a fresh ping, none of link 1's (RT-11).
  const received = new Set(pings.map((p) => Buffer.from(p.subarray(0, 16)).toString('hex')));
  const toTwo = sent.filter((s) => s.link === 2);
  assert.equal(toTwo.length, 1);
  assert.deepEqual([toTwo[0]!.type, toTwo[0]!.hops, toTwo[0]!.ttl], [MessageType.Ping, 0, 3]);
  assert.ok(!received.has(toTwo[0]!.guid), 'not relayed');
  assert.equal(pongs.length, 5);
  assert.equal(overlay.stats().drops['ping-throttled'], 1);
  const answer = pongs.find((s) => s.guid === Buffer.from(alive).toString('hex'))!;
  assert.deepEqual([answer.hops, answer.ttl], [0, 2]);
  const pong = decodePong(answer.payload);
  assert.ok(pong.ok);
  assert.deepEqual([pong.value.address, pong.value.port], ['10.0.0.1', 6346]);
  assert.equal(pong.value.sharedKilobytes, 128, 'MSG-38 an ultrapeer marks its KB count');
  const crawled = pongs.filter((s) => s.guid === Buffer.from(crawler).toString('hex'));
  assert.equal(crawled.length, 1, 'one pong per neighbour that gave its address');
  const about = decodePong(crawled[0]!.payload);
  assert.ok(about.ok);
  assert.deepEqual(
    [about.value.address, about.value.port, crawled[0]!.hops, crawled[0]!.ttl],
    ['10.0.0.2', 6348, 1, 1],
  );
});

test('MSG-12 a duplicate ping gets no second pong', () => {
  const { overlay } = makeNode({ mode: 'leaf' });
  overlay.addLink(1, caps({ vendorMessages: false, queryRouting: false }), 0);
  const guid = testGuid();
  overlay.handleMessage(1, ping(1, 0, guid), 0);
  overlay.handleMessage(1, ping(1, 0, guid), 0);
  assert.equal(drain(overlay).length, 1);
});

test('RT-12 no pong without a valid listening address', () => {
  const { overlay } = makeNode({ mode: 'leaf', host: 'unknown' });
  overlay.addLink(1, caps({ vendorMessages: false, queryRouting: false }), 0);
  overlay.handleMessage(1, ping(1), 0);
  assert.deepEqual(drain(overlay), []);
});

test('MSG-40 an alive ping after a quiet interval; Bye 406 after 4 consecutive unanswered ones', () => {
  const { overlay } = makeNode({ mode: 'leaf' });
  overlay.addLink(1, caps({ vendorMessages: false, queryRouting: false }), 0);
  assert.equal(overlay.nextTimeout(), 20_000);
  overlay.handleTimeout(19_999);
  assert.deepEqual(drain(overlay), []);
  const pings: number[] = [];
  let bye: Uint8Array | undefined;
  for (
    let now = 20_000;
    now <= 400_000 && bye === undefined;
    now = overlay.nextTimeout() ?? now + 1
  ) {
    overlay.handleTimeout(now);
    for (const s of drain(overlay)) {
      if (s.type === MessageType.Ping) {
        assert.deepEqual([s.ttl, s.hops, s.length], [1, 0, 0]);
        pings.push(now);
      } else if (s.type === MessageType.Bye) bye = s.payload;
    }
  }
  assert.deepEqual(pings, [20_000, 80_000, 140_000, 200_000]);
  assert.ok(bye);
  const decoded = decodeBye(bye);
  assert.ok(decoded.ok);
  assert.equal(decoded.value.code, 406);
  assert.deepEqual(
    drainEvents(overlay).map((e) => e.type),
    ['close-link'],
  );
});

test('MSG-40 an answered alive ping keeps the link; the next one waits for quiet again', () => {
  const { overlay } = makeNode({ mode: 'leaf' });
  overlay.addLink(1, caps({ vendorMessages: false, queryRouting: false }), 0);
  for (let round = 0; round < 10; round++) {
    const now = overlay.nextTimeout()!;
    overlay.handleTimeout(now);
    const [sent] = drain(overlay);
    assert.equal(sent?.type, MessageType.Ping);
    const pong = encodePong({
      port: 1,
      address: '10.0.0.2',
      sharedFiles: 0,
      sharedKilobytes: 0,
      ggep: new Uint8Array(),
    });
    overlay.handleMessage(
      1,
      raw(MessageType.Pong, pong, { guid: Buffer.from(sent!.guid, 'hex') }),
      now + 500,
    );
    assert.equal(overlay.nextTimeout(), now + 500 + 20_000);
  }
  assert.equal(overlay.stats().links[0]!.alivePingsMissed, 0);
  assert.deepEqual(
    drainEvents(overlay).map((e) => e.type),
    ['pong', 'pong', 'pong', 'pong', 'pong', 'pong', 'pong', 'pong', 'pong', 'pong'],
  );
});

test('MSG-34 HS-27 closeLink sends Bye (TTL 1, hops 0) last, only to a Bye-Packet peer', () => {
  const { overlay } = makeNode({ mode: 'ultrapeer' });
  overlay.addLink(
    1,
    caps({ vendorMessages: true, byePacket: true, ultrapeerQueryRouting: false }),
    0,
  );
  overlay.addLink(
    2,
    caps({ vendorMessages: true, byePacket: false, ultrapeerQueryRouting: false }),
    0,
  );
  overlay.handleMessage(1, ping(4, 1), 0);
  overlay.closeLink(1, 201, 'User removed connection', 0);
  overlay.closeLink(2, 201, 'User removed connection', 0);
  const sent = drain(overlay);
  const one = sent.filter((s) => s.link === 1);
  assert.deepEqual(
    one.map((s) => s.type),
    [MessageType.Vendor, MessageType.Vendor, MessageType.Bye],
    'the queued pong is dropped, the Bye is last',
  );
  assert.deepEqual([one[2]!.ttl, one[2]!.hops], [1, 0]);
  const bye = decodeBye(one[2]!.payload);
  assert.ok(bye.ok);
  assert.deepEqual(bye.value, { code: 201, reason: 'User removed connection' });
  assert.ok(sent.filter((s) => s.link === 2).every((s) => s.type !== MessageType.Bye));
  const closes = drainEvents(overlay);
  assert.deepEqual(closes.map((e) => e.type === 'close-link' && e.link).sort(), [1, 2]);
  // Nothing more goes to a closing link.
  overlay.handleMessage(1, ping(1), 0);
  assert.deepEqual(drain(overlay), []);
});

test('MSG-35 a valid Bye closes the link with no Bye in return; a Bye with hops ≠ 0 does not', () => {
  const { overlay } = makeNode({ mode: 'ultrapeer' });
  overlay.addLink(1, caps({ vendorMessages: false, ultrapeerQueryRouting: false }), 0);
  overlay.handleMessage(
    1,
    raw(MessageType.Bye, encodeBye({ code: 200, reason: 'bye' }), { ttl: 1, hops: 1 }),
    0,
  );
  assert.deepEqual(drainEvents(overlay), []);
  assert.equal(overlay.stats().drops['not-hop-by-hop'], 1);
  overlay.handleMessage(1, ping(1), 0);
  overlay.handleMessage(
    1,
    raw(MessageType.Bye, encodeBye({ code: 200, reason: 'Servent shutdown' }), { ttl: 1 }),
    0,
  );
  assert.deepEqual(drain(overlay), [], 'the pending pong is dropped, no Bye back');
  const [event] = drainEvents(overlay);
  assert.ok(event?.type === 'close-link');
  assert.match(event.reason, /200 Servent shutdown/);
});

test('QRP-13 a broken QRP sequence closes the link with Bye 413', () => {
  const { overlay } = makeNode({ mode: 'ultrapeer' });
  overlay.addLink(1, caps({ peerMode: 'leaf', vendorMessages: false }), 0);
  const [reset, patch] = tableMessages(['red apple.txt']);
  overlay.handleMessage(1, reset!, 0);
  // seq no 2 first: out of order.
  const broken = patch!.slice();
  broken[23 + 1] = 2;
  broken[23 + 2] = 2;
  overlay.handleMessage(1, broken, 0);
  const sent = drain(overlay);
  const bye = decodeBye(sent.at(-1)!.payload);
  assert.ok(bye.ok);
  assert.equal(bye.value.code, 413);
  assert.equal(overlay.stats().drops['qrp-invalid'], 1);
  assert.equal(drainEvents(overlay)[0]?.type, 'close-link');
});

test('qrp.md §9 a table from a peer not entitled to send one is ignored', () => {
  const { overlay } = makeNode({ mode: 'ultrapeer' });
  overlay.addLink(1, caps({ vendorMessages: false, ultrapeerQueryRouting: false }), 0);
  for (const m of tableMessages(['red apple.txt'])) overlay.handleMessage(1, m, 0);
  assert.equal(overlay.stats().drops['qrp-not-entitled'], 2);
  assert.equal(overlay.stats().links[0]!.qrp.received, null);
});

/** An ultrapeer whose link 2 has queries, hits, a push, pongs and control messages waiting. */
function congested() {
  const node = makeNode({ mode: 'ultrapeer', names: ['red apple.txt'] });
  const { overlay } = node;
  const plain = caps({ vendorMessages: false, ultrapeerQueryRouting: false });
  overlay.addLink(1, plain, 0);
  overlay.addLink(2, plain, 0);
  overlay.setWritable(2, false, 0);
  const servent = testGuid();
  const g1 = testGuid();
  overlay.handleMessage(2, query('blue sky', { guid: g1, ttl: 3 }), 0); // route for a hit to 2
  overlay.handleMessage(1, hit(g1), 0); // hit
  const g2 = testGuid();
  overlay.handleMessage(1, query('blue sky', { guid: g2, ttl: 3 }), 0);
  overlay.handleMessage(2, hit(g2, { address: '10.0.0.4', names: ['y'], serventId: servent }), 0);
  overlay.handleMessage(
    1,
    raw(
      MessageType.Push,
      encodePush({ serventId: servent, fileIndex: 1, address: '10.0.0.5', port: 1, ggep: [] }),
      { ttl: 3 },
    ),
    0,
  ); // push
  overlay.handleMessage(1, query('green', { ttl: 4, hops: 2 }), 0); // query, 3 hops out
  overlay.handleMessage(1, query('green', { ttl: 3, hops: 0 }), 0); // query, 1 hop out
  overlay.handleMessage(2, ping(4, 1), 0); // pong
  overlay.handleMessage(2, ping(1), 0); // alive pong: control
  drain(overlay);
  return { overlay, servent };
}

test("RT-9 §7.1 a link's queue serves control, Push, QueryHit, Pong, Query (fewer hops first)", () => {
  const { overlay } = congested();
  assert.equal(overlay.stats().links[1]!.queue.messages, 7);
  overlay.setWritable(2, true, 1);
  const sent = drain(overlay);
  assert.deepEqual(
    sent.map((s) => [s.type, s.hops]),
    [
      [MessageType.Pong, 0],
      [MessageType.Push, 1],
      [MessageType.QueryHit, 1],
      [MessageType.Pong, 0],
      [MessageType.Query, 1],
      [MessageType.Query, 1],
      [MessageType.Query, 3],
    ],
  );
});

test('RT-9 a link not writable for long drops Pings, Pongs and Queries, never hits', () => {
  const { overlay } = congested();
  assert.equal(overlay.nextTimeout(), 5_000);
  overlay.handleTimeout(5_000);
  const link = overlay.stats().links[1]!;
  assert.equal(link.flowControl, true);
  assert.equal(link.drops['flow-control'], 4);
  overlay.handleMessage(1, query('green', { ttl: 3 }), 5_001);
  assert.equal(overlay.stats().links[1]!.drops['flow-control'], 5, 'new queries refused too');
  overlay.setWritable(2, true, 6_000);
  assert.deepEqual(
    drain(overlay).map((s) => s.type),
    [MessageType.Pong, MessageType.Push, MessageType.QueryHit],
  );
  assert.equal(overlay.stats().links[1]!.flowControl, false);
});

test('RT-9 a full queue evicts queries for more urgent messages and refuses more queries', () => {
  const { overlay } = makeNode({ mode: 'ultrapeer', tunables: { sendQueueBytes: 100_000 } });
  const plain = caps({ vendorMessages: false, ultrapeerQueryRouting: false });
  overlay.addLink(1, plain, 0);
  overlay.addLink(2, plain, 0);
  overlay.setWritable(2, false, 0);
  const text = 'x'.repeat(200);
  for (let i = 0; i < 600; i++) overlay.handleMessage(1, query(text, { ttl: 3, hops: 1 }), 0);
  let link = overlay.stats().links[1]!;
  assert.ok(link.queue.bytes <= 100_000);
  assert.ok(link.drops['queue-full']! > 0);
  // Queries with fewer hops push out those with more.
  for (let i = 0; i < 10; i++) overlay.handleMessage(1, query(text, { ttl: 3, hops: 0 }), 0);
  link = overlay.stats().links[1]!;
  assert.equal(link.drops['queue-evicted'], 10);
  assert.equal(overlay.stats().drops['queue-evicted'], 10);
});

test('a message that may not be dropped and finds no room closes the link with Bye 502', () => {
  const { overlay } = makeNode({ mode: 'ultrapeer', tunables: { sendQueueBytes: 100_000 } });
  const plain = caps({ vendorMessages: false, ultrapeerQueryRouting: false });
  overlay.addLink(1, plain, 0);
  overlay.addLink(2, plain, 0);
  overlay.setWritable(1, false, 0);
  const name = 'n'.repeat(1000);
  for (let i = 0; i < 120; i++) {
    const guid = testGuid();
    overlay.handleMessage(1, query('anything', { guid, ttl: 3 }), 0);
    const results = Array.from({ length: 1 }, (_, k) => ({
      index: k,
      size: 1,
      name,
      extensions: [],
    }));
    overlay.handleMessage(2, hit(guid, { results }), 0);
  }
  assert.equal(overlay.stats().drops['queue-overflow'], 1);
  overlay.setWritable(1, true, 1);
  const sent = drain(overlay).filter((s) => s.link === 1);
  const bye = decodeBye(sent.at(-1)!.payload);
  assert.ok(bye.ok);
  assert.equal(bye.value.code, 502);
  assert.ok(drainEvents(overlay).some((e) => e.type === 'close-link' && e.link === 1));
});

test('a closing link that cannot flush is closed at the deadline', () => {
  const { overlay } = makeNode({ mode: 'ultrapeer' });
  overlay.addLink(1, caps({ ultrapeerQueryRouting: false }), 0);
  overlay.setWritable(1, false, 0);
  overlay.closeLink(1, 200, 'Servent shutdown', 0);
  assert.deepEqual(drainEvents(overlay), []);
  assert.equal(overlay.nextTimeout(), 10_000);
  overlay.handleTimeout(10_000);
  assert.equal(drainEvents(overlay)[0]?.type, 'close-link');
  assert.equal(
    overlay.stats().links[0]!.drops['link-closed'],
    3,
    'Messages Supported, Features Supported and Bye never left',
  );
});

test('links take turns in pollTransmit', () => {
  const { overlay } = makeNode({ mode: 'ultrapeer' });
  const plain = caps({ vendorMessages: false, ultrapeerQueryRouting: false });
  for (const id of [1, 2, 3]) overlay.addLink(id, plain, 0);
  for (let i = 0; i < 3; i++) overlay.handleMessage(1, query(`q${i} word`, { ttl: 3 }), 0);
  overlay.handleMessage(2, ping(1), 0);
  assert.deepEqual(
    drain(overlay).map((s) => s.link),
    [2, 3, 2, 3, 2, 3, 2],
  );
});

test('removeLink forgets routes through the link', () => {
  const { overlay } = makeNode({ mode: 'ultrapeer' });
  const plain = caps({ vendorMessages: false, ultrapeerQueryRouting: false });
  for (const id of [1, 2]) overlay.addLink(id, plain, 0);
  const guid = testGuid();
  overlay.handleMessage(1, query('blue', { guid, ttl: 3 }), 0);
  overlay.removeLink(1, 0);
  overlay.addLink(1, plain, 0);
  drain(overlay);
  overlay.handleMessage(2, hit(guid), 0);
  assert.deepEqual(drain(overlay), []);
  assert.equal(overlay.stats().drops['no-route'], 1);
});
