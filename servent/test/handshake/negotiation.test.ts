import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decideIncoming,
  decideOutgoing,
  formatBlock,
  Headers,
  type LocalProfile,
  parseHostList,
  type Reply,
  requestFields,
  type SlotState,
} from '../../src/core/handshake/index.js';
import { bytesOf, readBlock } from './support.js';
import {
  GTK_DEFLATE_REQUEST,
  GTK_DEFLATE_RESPONSE,
  GTK_LEAF_REQUEST,
  GTK_LEAF_RESPONSE,
  GTK_UP_RESPONSE,
  SPEC_BLOCK_1,
  SPEC_BLOCK_2,
} from './vectors.js';

const LEAF: LocalProfile = {
  userAgent: 'TestServent/0.1',
  mode: 'leaf',
  listen: { host: '198.51.100.7', port: 6346 },
  acceptDeflate: true,
  degree: 32,
};
const ULTRAPEER: LocalProfile = {
  ...LEAF,
  mode: 'ultrapeer',
  listen: { host: '203.0.113.5', port: 6347 },
};
const FREE: SlotState = { freeLeafSlots: 5, freeUltrapeerSlots: 3, connectedUltrapeers: 0 };
const FULL: SlotState = { freeLeafSlots: 0, freeUltrapeerSlots: 0, connectedUltrapeers: 32 };
const PEER = { remoteAddress: '203.0.113.5' };
const TRY = Array.from({ length: 12 }, (_, i) => `192.0.2.${i + 1}:6346`);

const headersOf = (reply: Reply) => Headers.of(reply.fields);

/** Block (1) from a peer that claims `xUltrapeer` (omitted when undefined). */
function request(
  xUltrapeer: string | undefined,
  name = 'X-Ultrapeer',
): ReturnType<typeof readBlock> {
  const lines = ['GNUTELLA CONNECT/0.6', 'User-Agent: Peer/1.0', 'Accept-Encoding: deflate'];
  if (xUltrapeer !== undefined) lines.push(`${name}: ${xUltrapeer}`);
  return readBlock(bytesOf(`${lines.join('\r\n')}\r\n\r\n`));
}

test('UP-2 requestFields of a leaf: what we implement, nothing more (HS-16, HS-21, HS-26)', () => {
  assert.deepEqual(requestFields(LEAF, PEER), [
    ['User-Agent', 'TestServent/0.1'],
    ['X-Ultrapeer', 'False'],
    ['Listen-IP', '198.51.100.7:6346'],
    ['Remote-IP', '203.0.113.5'],
    ['Accept-Encoding', 'deflate'],
    ['Bye-Packet', '0.1'],
    ['GGEP', '0.5'],
    ['Pong-Caching', '0.1'],
    ['Vendor-Message', '0.2'],
    ['X-Query-Routing', '0.1'],
    ['X-Ultrapeer-Query-Routing', '0.1'],
    ['X-Degree', '32'],
    ['X-Max-TTL', '4'],
    ['X-Dynamic-Querying', '0.1'],
    ['X-Ext-Probes', '0.1'],
    ['X-Requeries', 'False'],
  ]);
});

test('UP-1 DQ-1 requestFields of an ultrapeer says X-Ultrapeer: True and the good-ultrapeer headers; no deflate when not wanted', () => {
  const fields = Headers.of(requestFields({ ...ULTRAPEER, acceptDeflate: false }, PEER));
  assert.equal(fields.get('X-Ultrapeer'), 'True');
  assert.ok(!fields.has('Accept-Encoding'));
  assert.ok(!fields.has('Content-Encoding'));
  assert.ok(!fields.has('X-Ultrapeer-Needed'));
  assert.ok(!fields.has('X-Requeries'), 'a leaf header');
  assert.equal(fields.get('X-Ultrapeer-Query-Routing'), '0.1');
  assert.ok(Number(fields.get('X-Degree')) >= 16);
  const maxTtl = Number(fields.get('X-Max-TTL'));
  assert.ok(maxTtl >= 1 && maxTtl <= 4);
  assert.equal(fields.get('X-Dynamic-Querying'), '0.1', 'DQ-1');
  assert.equal(fields.get('Pong-Caching'), '0.1');
  assert.equal(fields.get('X-Ext-Probes'), '0.1');
});

test('Remote-IP is the dotted IPv4 without port; Listen-IP only when usable (HS-21)', () => {
  const mapped = Headers.of(requestFields(LEAF, { remoteAddress: '::ffff:192.0.2.9' }));
  assert.equal(mapped.get('Remote-IP'), '192.0.2.9');
  const v6 = Headers.of(requestFields(LEAF, { remoteAddress: '2001:db8::1' }));
  assert.ok(!v6.has('Remote-IP'));
  const wildcard = Headers.of(
    requestFields({ ...LEAF, listen: { host: '0.0.0.0', port: 6346 } }, PEER),
  );
  assert.ok(!wildcard.has('Listen-IP'));
  const noPort = Headers.of(
    requestFields({ ...LEAF, listen: { host: '198.51.100.7', port: 0 } }, PEER),
  );
  assert.ok(!noPort.has('Listen-IP'));
});

test('a leaf refuses every initiator not saying X-Ultrapeer: True (HS-18)', () => {
  for (const block of [
    readBlock(SPEC_BLOCK_1),
    readBlock(GTK_LEAF_REQUEST),
    request(undefined),
    request('maybe'),
  ]) {
    const reply = decideIncoming(block, LEAF, FREE, PEER, TRY);
    assert.equal(reply.code, 503);
    assert.equal(reply.reason, 'Shielded leaf node');
    assert.equal(headersOf(reply).get('X-Ultrapeer'), 'False');
  }
});

test('a leaf accepts an ultrapeer while it wants one, refuses when it has enough', () => {
  const accepted = decideIncoming(request('True'), LEAF, FREE, PEER, TRY);
  assert.equal(accepted.code, 200);
  assert.equal(accepted.reason, 'OK');
  assert.equal(headersOf(accepted).get('Content-Encoding'), 'deflate');
  const refused = decideIncoming(request('True'), LEAF, FULL, PEER, TRY);
  assert.equal(refused.code, 503);
  assert.equal(refused.reason, 'No Ultrapeer Slots');
});

test('an ultrapeer accepts a leaf while it has leaf slots (HS-19)', () => {
  const reply = decideIncoming(
    readBlock(SPEC_BLOCK_1),
    ULTRAPEER,
    FREE,
    { remoteAddress: '198.51.100.7' },
    TRY,
  );
  assert.equal(reply.code, 200);
  const headers = headersOf(reply);
  assert.equal(headers.get('X-Ultrapeer'), 'True');
  assert.equal(headers.get('X-Ultrapeer-Needed'), 'True');
  assert.equal(headers.get('User-Agent'), 'TestServent/0.1');
  assert.equal(headers.get('Listen-IP'), '203.0.113.5:6347');
  assert.equal(headers.get('Remote-IP'), '198.51.100.7');
  assert.equal(headers.get('Accept-Encoding'), 'deflate');
  assert.equal(headers.get('Content-Encoding'), 'deflate', 'the leaf offered deflate');
  assert.ok(!headers.has('X-Try-Ultrapeers'));
});

test('no Content-Encoding for a peer that did not offer deflate (HS-22)', () => {
  const reply = decideIncoming(readBlock(GTK_LEAF_REQUEST), ULTRAPEER, FREE, PEER, TRY);
  assert.equal(reply.code, 200);
  assert.ok(!headersOf(reply).has('Content-Encoding'));
  const offered = decideIncoming(readBlock(GTK_DEFLATE_REQUEST), ULTRAPEER, FREE, PEER, TRY);
  assert.equal(headersOf(offered).get('Content-Encoding'), 'deflate');
  const unwilling = decideIncoming(
    readBlock(GTK_DEFLATE_REQUEST),
    { ...ULTRAPEER, acceptDeflate: false },
    FREE,
    PEER,
    TRY,
  );
  assert.ok(!headersOf(unwilling).has('Content-Encoding'));
  assert.ok(!headersOf(unwilling).has('Accept-Encoding'));
});

test('an ultrapeer refuses leaves without leaf slots, with up to 10 X-Try-Ultrapeers (HS-17)', () => {
  const slots = { ...FREE, freeLeafSlots: 0 };
  const reply = decideIncoming(readBlock(SPEC_BLOCK_1), ULTRAPEER, slots, PEER, TRY);
  assert.equal(reply.code, 503);
  assert.equal(reply.reason, 'No Leaf Slots');
  const headers = headersOf(reply);
  assert.ok(!headers.has('Content-Encoding'));
  assert.equal(headers.get('X-Try-Ultrapeers'), TRY.slice(0, 10).join(','));
  assert.equal(parseHostList(headers.get('X-Try-Ultrapeers')!).length, 10);
  // One line, so it fits our writer's rules.
  assert.doesNotThrow(() => formatBlock('GNUTELLA/0.6 503 No Leaf Slots', reply.fields));
});

test('a refusal with nothing to suggest has no X-Try-Ultrapeers', () => {
  const reply = decideIncoming(readBlock(SPEC_BLOCK_1), LEAF, FREE, PEER, []);
  assert.equal(reply.code, 503);
  assert.ok(!headersOf(reply).has('X-Try-Ultrapeers'));
});

test('an ultrapeer takes ultrapeers while it has UP slots', () => {
  assert.equal(decideIncoming(request('True'), ULTRAPEER, FREE, PEER, TRY).code, 200);
  const slots = { ...FREE, freeUltrapeerSlots: 0 };
  const refused = decideIncoming(request('True'), ULTRAPEER, slots, PEER, TRY);
  assert.equal(refused.code, 503);
  assert.equal(refused.reason, 'No Ultrapeer Slots');
  assert.equal(headersOf(refused).get('X-Ultrapeer-Needed'), 'False', 'only leaf slots remain');
  assert.ok(
    !headersOf(decideIncoming(request('True'), ULTRAPEER, FULL, PEER, TRY)).has(
      'X-Ultrapeer-Needed',
    ),
  );
});

test('an ultrapeer refuses a "normal" node that says neither X-Ultrapeer header', () => {
  const reply = decideIncoming(request(undefined), ULTRAPEER, FREE, PEER, TRY);
  assert.equal(reply.code, 503);
  assert.equal(reply.reason, 'Normal nodes refused');
  assert.ok(headersOf(reply).has('X-Try-Ultrapeers'));
});

test('header names and booleans are read case-insensitively (HS-7, HS-13)', () => {
  const canonical = decideIncoming(request('False'), ULTRAPEER, FREE, PEER, TRY);
  for (const [name, value] of [
    ['x-ultrapeer', 'false'],
    ['X-ULTRAPEER', 'FALSE'],
  ] as const) {
    assert.deepEqual(decideIncoming(request(value, name), ULTRAPEER, FREE, PEER, TRY), canonical);
  }
});

test('decideOutgoing: a leaf confirms only ultrapeers', () => {
  const accepted = decideOutgoing(readBlock(GTK_UP_RESPONSE), LEAF, FREE, PEER);
  assert.deepEqual(accepted, { code: 200, reason: 'OK', fields: [] });
  const refused = decideOutgoing(readBlock(GTK_LEAF_RESPONSE), LEAF, FREE, PEER);
  assert.equal(refused.code, 503);
  assert.equal(refused.reason, 'Need an Ultrapeer');
});

test('decideOutgoing: Content-Encoding in block (3) only when block (2) offered deflate (HS-22)', () => {
  const offered = decideOutgoing(readBlock(GTK_DEFLATE_RESPONSE), LEAF, FREE, PEER);
  assert.deepEqual(offered.fields, [['Content-Encoding', 'deflate']]);
  const spec = decideOutgoing(readBlock(SPEC_BLOCK_2), LEAF, FREE, PEER);
  assert.deepEqual(spec.fields, [['Content-Encoding', 'deflate']]);
  const unwilling = decideOutgoing(
    readBlock(SPEC_BLOCK_2),
    { ...LEAF, acceptDeflate: false },
    FREE,
    PEER,
  );
  assert.deepEqual(unwilling.fields, []);
});

test('decideOutgoing: an ultrapeer takes ultrapeers, and leaves while it has leaf slots', () => {
  assert.equal(decideOutgoing(readBlock(GTK_UP_RESPONSE), ULTRAPEER, FULL, PEER).code, 200);
  assert.equal(decideOutgoing(readBlock(GTK_LEAF_RESPONSE), ULTRAPEER, FREE, PEER).code, 200);
  const refused = decideOutgoing(readBlock(GTK_LEAF_RESPONSE), ULTRAPEER, FULL, PEER);
  assert.equal(refused.code, 503);
  assert.equal(refused.reason, 'No Leaf Slots');
  const normal = readBlock(bytesOf('GNUTELLA/0.6 200 OK\r\nUser-Agent: Old/0.1\r\n\r\n'));
  assert.equal(decideOutgoing(normal, ULTRAPEER, FREE, PEER).code, 503);
});

test('BOOT-4 parseHostList reads messy X-Try values', () => {
  const value =
    ' 1.2.3.4:6346 , 5.6.7.8,  9.9.9.9:99999, bogus, 10.0.0.1:0,' +
    '192.0.2.1:6347 2024-05-01T10:00Z,, 256.1.1.1:1, 01.2.3.4:5, [::1]:6346,' +
    ' 1.2.3.4:63a, host.example:6346, 192.0.2.2:6348,\t192.0.2.3:1\t, 1.2.3:4, 1.2.3.4.5:6,' +
    '198.51.100.7:6346;extra, 203.0.113.9:24000/x';
  assert.deepEqual(parseHostList(value), [
    { host: '1.2.3.4', port: 6346 },
    { host: '5.6.7.8', port: 6346 },
    { host: '192.0.2.1', port: 6347 },
    { host: '192.0.2.2', port: 6348 },
    { host: '192.0.2.3', port: 1 },
    { host: '198.51.100.7', port: 6346 },
    { host: '203.0.113.9', port: 24000 },
  ]);
  assert.deepEqual(parseHostList(''), []);
  assert.deepEqual(parseHostList(',,,'), []);
  assert.deepEqual(parseHostList('0.0.0.0:65535'), [{ host: '0.0.0.0', port: 65535 }]);
});
