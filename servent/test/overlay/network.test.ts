/**
 * Two ultrapeers and six leaves with distinct libraries, wired in memory:
 * searches, QRP tables and their patches, keep-alive, end to end.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareQuery } from '../../src/core/qrp/index.js';
import { guidToHex, MessageType } from '../../src/core/wire/index.js';
import { Net } from './support.js';

const LIBRARIES: Record<string, string[]> = {
  a1: ['Gnutella Protocol.txt', 'ocean waves.mp3'],
  a2: ['mountain sunrise.jpg'],
  a3: ['jazz piano trio.flac'],
  b1: ['desert caravan.avi'],
  b2: ['aurora borealis timelapse.mkv', 'ocean waves.ogg'],
  b3: ['violin concerto.mp3'],
};

/** up-a with leaves a1–a3, up-b with b1–b3, up-a ↔ up-b. */
function network(): Net {
  const net = new Net();
  net.add('up-a', { mode: 'ultrapeer', names: ['ultrapeer a notes.txt'] });
  net.add('up-b', { mode: 'ultrapeer', names: ['ultrapeer b notes.txt'] });
  for (const [name, names] of Object.entries(LIBRARIES)) net.add(name, { mode: 'leaf', names });
  net.connect('up-a', 'up-b');
  for (const leaf of ['a1', 'a2', 'a3']) net.connect('up-a', leaf);
  for (const leaf of ['b1', 'b2', 'b3']) net.connect('up-b', leaf);
  // The leaves' tables reach the other ultrapeer with the next merged-table update.
  net.advance(1_000);
  return net;
}

test('UP-7 QRP-11 MSG-15 a leaf finds files on leaves of the other ultrapeer; the query reaches only matching leaves', () => {
  const net = network();
  const since = net.log.length;
  const guid = net.node('a1').overlay.search('aurora timelapse', {}, net.now);
  net.flush();
  const results = net.events('a1', 'search-result');
  assert.equal(results.length, 1);
  const result = results[0]!;
  assert.ok(result.type === 'search-result');
  assert.equal(guidToHex(result.guid), guidToHex(guid));
  assert.deepEqual(
    result.hit.results.map((r) => r.name),
    ['aurora borealis timelapse.mkv'],
  );
  assert.equal(result.hops, 2, 'b2 → up-b → up-a → a1');
  assert.deepEqual(result.hit.serventId, net.node('b2').serventId);
  const queried = net.log
    .slice(since)
    .filter((d) => d.type === MessageType.Query)
    .map((d) => d.to);
  assert.deepEqual(
    queried.sort(),
    ['b2', 'up-a', 'up-b'],
    'no leaf without a QRP hit got the query',
  );
  // The hit went back only along the reverse path (RT-3).
  const hits = net.log.slice(since).filter((d) => d.type === MessageType.QueryHit);
  assert.deepEqual(
    hits.map((d) => `${d.from}>${d.to}`),
    ['b2>up-b', 'up-b>up-a', 'up-a>a1'],
  );
});

test('UP-7 a query no table matches reaches no leaf', () => {
  const net = network();
  const since = net.log.length;
  net.node('a2').overlay.search('nothing here matches', {}, net.now);
  net.flush();
  const queried = net
    .received('b1', MessageType.Query, since)
    .concat(
      net.received('b2', MessageType.Query, since),
      net.received('b3', MessageType.Query, since),
    )
    .concat(
      net.received('a1', MessageType.Query, since),
      net.received('a3', MessageType.Query, since),
    );
  assert.equal(queried.length, 0);
  assert.equal(net.events('a2', 'search-result').length, 0);
});

test('a search matching several leaves gathers hits from both sides', () => {
  const net = network();
  net.node('a3').overlay.search('ocean waves', {}, net.now);
  net.flush();
  const names = net
    .events('a3', 'search-result')
    .flatMap((e) => (e.type === 'search-result' ? e.hit.results.map((r) => r.name) : []))
    .sort();
  assert.deepEqual(names, ['ocean waves.mp3', 'ocean waves.ogg']);
});

test('an ultrapeer answers from its own library too', () => {
  const net = network();
  net.node('b3').overlay.search('ultrapeer notes', {}, net.now);
  net.flush();
  const names = net
    .events('b3', 'search-result')
    .flatMap((e) => (e.type === 'search-result' ? e.hit.results.map((r) => r.name) : []))
    .sort();
  assert.deepEqual(names, ['ultrapeer a notes.txt', 'ultrapeer b notes.txt']);
});

test('QRP-4 QRP-9 QRP-16 tables go leaf → ultrapeer and ultrapeer ↔ ultrapeer, patched after a library change', () => {
  const net = network();
  const upA = net.node('up-a').overlay;
  const upB = net.node('up-b').overlay;
  // up-a's merged table holds its own and its leaves' keywords; up-b learned it.
  const fromA = upB.stats().links.find((l) => l.id === net.linkTo('up-b', 'up-a'))!;
  assert.equal(fromA.qrp.received?.present, upA.qrpTable().presentCount());
  assert.ok(upA.qrpTable().matches(prepared('jazz trio')));
  assert.ok(!upA.qrpTable().matches(prepared('violin')));

  const since = net.log.length;
  const a2 = net.node('a2');
  a2.library.add('glacier expedition.mp4');
  a2.overlay.libraryChanged(net.now);
  net.flush();
  assert.equal(net.received('up-a', MessageType.RouteTableUpdate, since).length, 0, 'delayed');
  net.advance(1_000);
  const fromLeaf = net.log
    .slice(since)
    .filter((d) => d.from === 'a2' && d.type === MessageType.RouteTableUpdate);
  assert.ok(fromLeaf.length >= 1);
  assert.ok(
    fromLeaf.every((d) => d.payload[0] === 0x01),
    'PATCH only, no RESET (QRP-9)',
  );
  // up-a's merged table changed with a2's patch: its own patch follows one delay later.
  net.advance(1_000);
  const fromUp = net.log
    .slice(since)
    .filter((d) => d.from === 'up-a' && d.type === MessageType.RouteTableUpdate);
  assert.ok(fromUp.length >= 1 && fromUp.every((d) => d.to === 'up-b' && d.payload[0] === 0x01));
  assert.ok(upA.qrpTable().matches(prepared('glacier expedition')));

  const before = net.log.length;
  net.node('b1').overlay.search('glacier', {}, net.now);
  net.flush();
  assert.equal(net.events('b1', 'search-result').length, 1);
  assert.equal(net.received('a2', MessageType.Query, before).length, 1);
});

test('QRP-15 a leaf that leaves takes its keywords out of the merged table', () => {
  const net = network();
  const upA = net.node('up-a').overlay;
  assert.ok(upA.qrpTable().matches(prepared('mountain sunrise')));
  net
    .node('up-a')
    .overlay.closeLink(net.linkTo('up-a', 'a2'), 201, 'User removed connection', net.now);
  net.flush();
  assert.ok(!upA.qrpTable().matches(prepared('mountain sunrise')));
  net.advance(1_000);
  const link = net
    .node('up-b')
    .overlay.stats()
    .links.find((l) => l.id === net.linkTo('up-b', 'up-a'))!;
  assert.equal(link.qrp.received?.present, upA.qrpTable().presentCount());
});

test('MSG-40 RT-12 quiet links stay up: alive pings are answered', () => {
  const net = network();
  net.advance(10 * 60_000);
  for (const node of net.nodes.values()) {
    assert.equal(node.events.filter((e) => e.type === 'close-link').length, 0, node.name);
    assert.ok(node.overlay.stats().messagesOut.ping! > 0);
  }
});

function prepared(text: string) {
  return prepareQuery({ text });
}
