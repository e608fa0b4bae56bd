/**
 * Scripted peers against each other in process: a fixture leaf opens to a
 * fixture ultrapeer on loopback, and every kind of message a scenario sends
 * arrives as the core codec and the hand readers expect.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { decodeRouteTableUpdate, RouteTableReceiver } from '../../servent/src/core/qrp/index.js';
import { guidToHex, MessageType } from '../../servent/src/core/wire/index.js';
import { readHitByHand } from '../oracle/query-hit.js';
import { groupSequences, presenceAfter, readUpdateByHand } from '../oracle/route-table.js';
import { FixturePeer } from '../peers/fixture-peer.js';
import { ScriptedPeer } from '../peers/scripted-peer.js';
import { parseTableSpec, tableFor } from '../peers/table-spec.js';
import { copiesOf, nameList, quietAfter } from '../routing/observe.js';
import { waitForTableTaken } from '../routing/readiness.js';
import { PATCH_FAULTS, RESET_FAULTS } from '../routing/table-faults.js';
import { shareSet } from '../shares/share-set.js';
import type { SutAdapter } from '../sut/adapter.js';
import { messageTypeCode, readEndpoint, readSha1, readStats } from '../sut/our-servent.js';

const library = shareSet(['amber falcon sonata.mp3', 'Gnutella Protocol.txt']);

async function pair(): Promise<{
  leaf: ScriptedPeer;
  up: ScriptedPeer;
  close: () => Promise<void>;
}> {
  const listener = await FixturePeer.listen('127.0.0.1', 'up');
  const [leaf, up] = await Promise.all([
    ScriptedPeer.connect(listener.endpoint, { name: 'leaf', role: 'leaf', library }),
    ScriptedPeer.accept(listener, { name: 'up', role: 'ultrapeer' }),
  ]);
  return {
    leaf,
    up,
    close: async () => {
      leaf.close();
      up.close();
      await listener.close();
    },
  };
}

const open: Array<() => Promise<void>> = [];
after(async () => {
  for (const close of open) await close();
});

test('handshake: gtk-gnutella headers for each role, our servent id in GUID', async () => {
  const { leaf, up, close } = await pair();
  open.push(close);
  assert.equal(up.sutBlock.headers.get('X-Ultrapeer'), 'False');
  assert.equal(up.sutBlock.headers.get('GUID'), guidToHex(leaf.serventId));
  assert.equal(leaf.sutBlock.headers.get('X-Ultrapeer'), 'True');
  assert.equal(leaf.sutBlock.headers.get('X-Ultrapeer-Query-Routing'), '0.1');
  assert.equal(leaf.sutBlock.headers.get('Content-Encoding'), undefined);
});

test('tables: every described shape arrives whole, by the core receiver and by hand', async () => {
  const { leaf, up, close } = await pair();
  open.push(close);
  const shapes = [
    '2^16 slots, infinity 7, 4-bit, zlib',
    '2^17 slots, infinity 2, 8-bit, uncompressed, 4096-byte chunks',
    '2^14 slots, infinity 1, 4-bit, zlib, 8-byte chunks',
  ];
  for (const text of shapes) {
    const spec = parseTableSpec(text);
    const table = tableFor(library, spec);
    const before = up.receivedOf(MessageType.RouteTableUpdate).length;
    const sent = leaf.sendTable(table, spec.patch);
    await up.waitFor(
      () => up.receivedOf(MessageType.RouteTableUpdate).length === before + sent.length,
      5_000,
      `the ${text} table`,
    );
    const got = up.receivedOf(MessageType.RouteTableUpdate).slice(before);
    for (const m of got) assert.deepEqual([m.header.ttl, m.header.hops], [1, 0]);
    const receiver = new RouteTableReceiver();
    for (const m of got) assert.equal(receiver.handlePayload(m.payload).ok, true);
    assert.ok(receiver.table?.equals(table), `${text}: the core receiver rebuilds the table`);
    const { length, present } = presenceAfter(
      groupSequences(got.map((m) => readUpdateByHand(m.payload))),
    );
    assert.equal(length, table.length);
    assert.equal(present.size, table.presentCount(), `${text}: present slots by hand`);
  }
});

test('queries, duplicates, hits, Hops Flow and odd messages arrive as sent', async () => {
  const { leaf, up, close } = await pair();
  open.push(close);
  const q = up.sendQuery({ criteria: 'falcon', ttl: 3, hops: 1 });
  const copy = await leaf.waitForGuid(MessageType.Query, q.guid, 2_000, 'the query');
  assert.equal(copy.body?.kind, 'query');
  assert.equal(copy.body?.kind === 'query' && copy.body.query.criteria, 'falcon');
  up.sendQuery({ criteria: 'falcon', ttl: 3, hops: 1, guid: q.guid });
  await leaf.waitFor(
    () => leaf.receivedOf(MessageType.Query, q.guid).length === 2,
    2_000,
    'the duplicate',
  );
  assert.equal(copiesOf([leaf, up], MessageType.Query, q.guid).get('leaf')?.length, 2);

  leaf.sendHit({ guid: q.guid, ttl: 3 });
  const hit = await up.waitForGuid(MessageType.QueryHit, q.guid, 2_000, 'the hit');
  const byHand = readHitByHand(hit.payload);
  assert.deepEqual(
    byHand.records.map((r) => [r.name, r.size, r.urns]),
    library.map((f) => [f.name, f.size, [f.urn]]),
  );
  assert.deepEqual(byHand.serventId, Buffer.from(leaf.serventId));
  assert.equal(hit.body?.kind, 'query-hit');

  const flow = leaf.sendHopsFlow(0);
  const hf = await up.waitForGuid(MessageType.Vendor, flow, 2_000, 'Hops Flow');
  assert.deepEqual(hf.body?.kind === 'vendor' && hf.body.vendor, {
    kind: 'hops-flow',
    version: 1,
    hops: 0,
  });

  const urnQuery = up.sendQuery({ criteria: '\\', urns: [library[0]!.urn], ttl: 1, hops: 1 });
  const uq = await leaf.waitForGuid(MessageType.Query, urnQuery.guid, 2_000, 'the URN query');
  assert.ok(Buffer.from(uq.payload).includes(Buffer.from(library[0]!.urn)));
});

test('sync: answered by a pong, or "closed" when the other side went away', async () => {
  const { leaf, up, close } = await pair();
  open.push(close);
  // The test plays the node: answer the first ping with a pong.
  const answered = leaf.sync(2_000);
  const ping = await up.waitFor((m) => m.header.type === MessageType.Ping, 2_000, 'the ping');
  up.send(MessageType.Pong, Buffer.alloc(14), { guid: ping.header.guid, ttl: 1, hops: 0 });
  assert.equal(await answered, 'answered');
  up.close();
  assert.equal(await leaf.sync(2_000), 'closed');
});

test('readiness: counters decide when the adapter has them; the probe is refused without a prober', async () => {
  const { leaf, close } = await pair();
  open.push(close);
  let calls = 0;
  const adapter = {
    name: 'fake',
    image: 'none',
    gnutellaPort: 6346,
    controlPort: 6347,
    command: () => [],
    stats: async () =>
      readStats({
        links: [
          {
            id: 7,
            remote: `${leaf.wire.local.host}:${leaf.wire.local.port}`,
            qrp: { received: ++calls >= 3, present: 12 },
          },
        ],
      }),
  } satisfies SutAdapter;
  await waitForTableTaken({
    sut: adapter,
    control: { host: '127.0.0.1', port: 1 },
    peer: leaf,
    timeoutMs: 5_000,
  });
  assert.equal(calls, 3);
  await assert.rejects(
    waitForTableTaken({
      sut: { ...adapter, stats: undefined },
      control: undefined,
      peer: leaf,
      timeoutMs: 100,
    }),
    /cannot report whether it has taken/,
  );
});

test('table faults: the core decoder or receiver refuses each one', () => {
  for (const [name, make] of Object.entries(PATCH_FAULTS)) {
    const receiver = new RouteTableReceiver();
    receiver.handlePayload(Buffer.from('000000010007', 'hex'));
    const first = new Uint8Array(32768).fill(0xaa);
    const ok = receiver.handlePayload(Buffer.concat([Buffer.from([1, 1, 1, 0, 4]), first]));
    assert.equal(ok.ok, true, 'a whole table first');
    const results = make(65536).map((p) => receiver.handlePayload(p));
    assert.ok(
      results.some((r) => !r.ok),
      `${name}: refused`,
    );
  }
  for (const [name, make] of Object.entries(RESET_FAULTS))
    assert.equal(decodeRouteTableUpdate(make()[0]!).ok, false, name);
});

test('control API readings: counters by type name, endpoints, SHA-1 spellings', () => {
  assert.equal(messageTypeCode('query'), 0x80);
  assert.equal(messageTypeCode('Query-Hit'), 0x81);
  assert.equal(messageTypeCode('0x30'), 0x30);
  assert.equal(messageTypeCode('128'), 0x80);
  assert.equal(messageTypeCode('mystery'), undefined);
  const stats = readStats({
    drops: { 'no-route': 2, duplicate: { query: 1, ping: 3 } },
    messages: { in: { query: 4, queryHit: 1 }, out: { '0x80': 2 } },
    links: [{ id: 1, remote: { host: '10.0.0.2', port: 6346 }, qrp: null, drops: { x: 1 } }],
  });
  assert.deepEqual(stats.drops, { 'no-route': 2, duplicate: 4 });
  assert.deepEqual(stats.messagesIn, { 128: 4, 129: 1 });
  assert.deepEqual(stats.messagesOut, { 128: 2 });
  assert.deepEqual(stats.links[0], {
    id: 1,
    remote: { host: '10.0.0.2', port: 6346 },
    qrp: undefined,
    drops: 1,
  });
  const flat = readStats({
    messagesIn: { query: 2, 'vendor-standard': 1, unknown: 5 },
    links: [
      { id: 3, qrp: { received: { slots: 65536, infinity: 7, present: 9 }, sending: false } },
    ],
  });
  assert.deepEqual(flat.messagesIn, { 128: 2, 50: 1 });
  assert.deepEqual(flat.links[0]!.qrp, { received: true, present: 9 });
  assert.deepEqual(flat.links[0]!.remote, { host: '', port: 0 });
  assert.equal(
    readStats({ links: [{ id: 4, qrp: { received: null } }] }).links[0]!.qrp?.received,
    false,
  );
  assert.deepEqual(readEndpoint('172.18.0.1:40000'), { host: '172.18.0.1', port: 40000 });
  const b32 = library[0]!.sha1Base32;
  assert.equal(readSha1(`urn:sha1:${b32.toLowerCase()}`), b32);
  assert.equal(readSha1(library[0]!.sha1.toString('hex')), b32);
  assert.equal(readSha1(undefined), undefined);
});

test('observe: name lists and the absence window', async () => {
  assert.deepEqual(nameList('"A", "B" and "C"'), ['A', 'B', 'C']);
  assert.deepEqual(nameList('none'), []);
  const start = Date.now();
  await quietAfter(start - 900, 1_000);
  assert.ok(Date.now() - start < 500);
});
