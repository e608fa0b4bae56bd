/**
 * Header profiles of real clients (fixtures/profiles): each file has the shape
 * and the role headers a scripted peer relies on, says where it came from, and
 * drives a whole handshake between two scripted peers on loopback.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FixturePeer } from '../peers/fixture-peer.js';
import { type ClientProfile, type Fields, listProfiles, loadProfile } from '../peers/profiles.js';
import { ScriptedPeer } from '../peers/scripted-peer.js';

const EXPECTED = [
  'bearshare-5.2.5.1',
  'gtk-gnutella-1.2.3',
  'limewire-4.18.8',
  'phex-3.4.2.116',
  'shareaza-2.7.10.2',
];
/** The one profile made from a recording; every other one is assembled by hand. */
const RECORDED = 'gtk-gnutella-1.2.3';
/** A header name as HTTP allows it (RFC 7230 token). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** LimeWire reads at most 30 header lines of up to 1024 characters (handshake.md §4). */
const MAX_LINES = 30;
const MAX_LINE = 1024;

const value = (fields: Fields, name: string): string | undefined =>
  fields.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];

function assertBlock(name: string, which: string, fields: unknown): asserts fields is Fields {
  const where = `${name} ${which}`;
  assert.ok(Array.isArray(fields) && fields.length > 0, `${where}: a non-empty list`);
  for (const field of fields) {
    assert.ok(
      Array.isArray(field) && field.length === 2 && field.every((x) => typeof x === 'string'),
      `${where}: ${JSON.stringify(field)} is not a [name, value] pair`,
    );
    const [n, v] = field as [string, string];
    assert.match(n, TOKEN, `${where}: header name "${n}"`);
    assert.doesNotMatch(v, /[\r\n]/, `${where}: ${n} value holds a line break`);
    assert.ok(`${n}: ${v}\r\n`.length < MAX_LINE, `${where}: ${n} line too long`);
  }
  assert.ok(fields.length <= MAX_LINES, `${where}: ${fields.length} header lines`);
  const names = fields.map(([n]) => n.toLowerCase());
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  assert.deepEqual(twice, [], `${where}: names written twice`);
}

test('the profile files are the five clients', () => {
  assert.deepEqual(listProfiles(), EXPECTED);
});

for (const name of listProfiles()) {
  test(`${name}: parses, with the role headers of each block`, () => {
    const profile: ClientProfile = loadProfile(name);
    assert.equal(typeof profile.client, 'string');
    assert.equal(typeof profile.source, 'string');
    assertBlock(name, 'leafRequest', profile.leafRequest);
    assertBlock(name, 'ultrapeerResponse', profile.ultrapeerResponse);
    for (const block of [profile.leafRequest, profile.ultrapeerResponse])
      assert.equal(value(block, 'User-Agent'), profile.client, `${name}: User-Agent`);
    // Booleans are compared as readers do (HS-13): Phex writes them in lower case.
    assert.equal(value(profile.leafRequest, 'X-Ultrapeer')?.toLowerCase(), 'false');
    assert.equal(value(profile.ultrapeerResponse, 'X-Ultrapeer')?.toLowerCase(), 'true');
    assert.ok(value(profile.leafRequest, 'X-Query-Routing'), `${name}: leaf X-Query-Routing`);
  });

  test(`${name}: says where its headers come from`, () => {
    const profile = loadProfile(name);
    if (name === RECORDED) {
      assert.equal(profile.provenance, undefined);
      assert.match(profile.source, /^shared\/recordings\/\S+\.json\b/);
      return;
    }
    const p = profile.provenance;
    assert.ok(p, `${name}: provenance`);
    assert.match(p.how, /by hand/);
    assert.match(p.how, /not recorded/);
    for (const list of [p.leafRequest, p.ultrapeerResponse]) {
      assert.ok(list.length > 0, `${name}: a source for each block`);
      for (const s of list) assert.ok(s.trim().length > 0);
    }
    assert.match(profile.source, /by hand/);
  });

  test(`${name}: a scripted leaf and ultrapeer complete a handshake with it`, async () => {
    const profile = loadProfile(name);
    const listener = await FixturePeer.listen('127.0.0.1', 'up');
    try {
      const [leaf, up] = await Promise.all([
        ScriptedPeer.connect(listener.endpoint, { name: 'leaf', role: 'leaf', profile: name }),
        ScriptedPeer.accept(listener, { name: 'up', role: 'ultrapeer', profile: name }),
      ]);
      try {
        const request = up.sutBlock.headers;
        const answer = leaf.sutBlock.headers;
        assert.equal(request.get('User-Agent'), profile.client);
        assert.equal(answer.get('User-Agent'), profile.client);
        assert.equal(request.getBoolean('X-Ultrapeer'), false);
        assert.equal(answer.getBoolean('X-Ultrapeer'), true);
        // Per-connection addresses are the peers' own, not the profile's.
        const listen = request.get('Listen-IP');
        if (listen !== undefined)
          assert.equal(listen, `${leaf.wire.local.host}:${leaf.wire.local.port}`);
        for (const block of [up.sutBlock, leaf.sutBlock])
          assertBlock(name, 'as written', block.headers.fields());
        // The fixture never starts compression it could not keep up.
        assert.equal(answer.get('Content-Encoding'), undefined);
        up.answerPings();
        assert.equal(await leaf.sync(), 'answered');
      } finally {
        leaf.close();
        up.close();
      }
    } finally {
      await listener.close();
    }
  });
}
