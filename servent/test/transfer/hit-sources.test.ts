/**
 * Sources from a QueryHit (core/transfer/hit-sources.ts; http-transfers.md
 * §8, push.md §1, §6.2): hits built with the wire encoder and decoded back,
 * and real gtk-gnutella 1.2.3 hits from fixtures/peers.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { sha1, sha1Urn, tigerTreeRoot } from '../../src/core/hash/index.js';
import { hitSources } from '../../src/core/transfer/hit-sources.js';
import {
  decodeHeader,
  decodeQueryHit,
  type ExtensionBlock,
  encodeGgepH,
  encodePackedHosts,
  encodeQueryHit,
  eqhdOpenData,
  type GgepExtension,
  ggepExtension,
  guidToHex,
  HEADER_LENGTH,
  MessageType,
  type QueryHit,
  type QueryHitResult,
  type QueryHitTrailer,
  resultSizeFields,
  urnBlock,
} from '../../src/core/wire/index.js';
import { fromHex } from '../wire/hex.js';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const SERVENT = fromHex('FEDCBA9876543210FEDCBA9876543210');
const CONTENT = ascii('abcdefghijklmnopqrstuvwxyz');
const SHA1 = sha1(CONTENT);
const ROOT = tigerTreeRoot(CONTENT);
const OTHER_SHA1 = sha1(ascii('another file'));

function trailer(flags: Parameters<typeof eqhdOpenData>[0], ggep: GgepExtension[] = []) {
  const value: QueryHitTrailer = {
    vendor: 'TEST',
    openData: eqhdOpenData(ggep.length > 0 ? { ...flags, ggep: true } : flags),
    vendorData: new Uint8Array(),
    ggep,
    afterGgep: new Uint8Array(),
    xml: new Uint8Array(),
  };
  return value;
}

function result(index: number, name: string, extensions: ExtensionBlock[], size = 26) {
  const value: QueryHitResult = { index, size, name, extensions };
  return value;
}

/** Encodes and decodes `hit`: what a downloader really gets off the wire. */
function viaWire(hit: QueryHit): QueryHit {
  const decoded = decodeQueryHit(encodeQueryHit(hit));
  assert.ok(decoded.ok, 'the hit decodes');
  return decoded.value;
}

const hitOf = (results: QueryHitResult[], extra: Partial<QueryHit> = {}): QueryHit => ({
  port: 6346,
  address: '192.0.2.10',
  speed: 1000,
  results,
  serventId: SERVENT,
  ...extra,
});

test('a result with urn:sha1 is a direct source at the hit address; one without a SHA-1 is none', () => {
  const hit = viaWire(
    hitOf([
      result(7, 'alphabet.txt', [urnBlock({ type: 'sha1', sha1: SHA1 })]),
      result(8, 'no-hash.txt', [{ kind: 'text', bytes: ascii('128 kbps') }]),
      result(9, 'nothing.txt', []),
    ]),
  );
  const sources = hitSources(hit);
  assert.equal(sources.length, 1);
  assert.deepEqual(sources[0], {
    sha1: SHA1,
    name: 'alphabet.txt',
    size: 26,
    host: '192.0.2.10',
    port: 6346,
    fileIndex: 7,
    serventId: SERVENT,
    firewalled: false,
    pushProxies: [],
  });
});

test('SHA-1 from a bitprint, from GGEP H, in any case; the first SHA-1 of a record wins', () => {
  const hit = viaWire(
    hitOf([
      result(1, 'bitprint.txt', [urnBlock({ type: 'bitprint', sha1: SHA1, tigerTree: ROOT })]),
      result(2, 'ggep-h.txt', [
        {
          kind: 'ggep',
          extensions: [
            ggepExtension('H', encodeGgepH({ type: 'sha1', sha1: SHA1 }), { avoidNul: true }),
          ],
        },
      ]),
      result(3, 'lower.txt', [urnBlock(sha1Urn(SHA1).toLowerCase())]),
      result(4, 'two.txt', [
        urnBlock({ type: 'sha1', sha1: OTHER_SHA1 }),
        urnBlock({ type: 'sha1', sha1: SHA1 }),
      ]),
      result(5, 'bad-urn.txt', [urnBlock('urn:sha1:TOOSHORT')]),
    ]),
  );
  const sources = hitSources(hit);
  assert.deepEqual(
    sources.map((s) => [s.fileIndex, sha1Urn(s.sha1)]),
    [
      [1, sha1Urn(SHA1)],
      [2, sha1Urn(SHA1)],
      [3, sha1Urn(SHA1)],
      [4, sha1Urn(OTHER_SHA1)],
    ],
  );
});

test('GGEP TT gives the tree root; a TT of another length is ignored', () => {
  const tt = (data: Uint8Array): ExtensionBlock => ({
    kind: 'ggep',
    extensions: [ggepExtension('TT', data, { avoidNul: true })],
  });
  const hit = viaWire(
    hitOf([
      result(1, 'tree.txt', [urnBlock({ type: 'sha1', sha1: SHA1 }), tt(ROOT)]),
      result(2, 'short-tree.txt', [urnBlock({ type: 'sha1', sha1: SHA1 }), tt(ROOT.slice(0, 20))]),
    ]),
  );
  const [withTree, shortTree] = hitSources(hit);
  assert.deepEqual(withTree?.tigerRoot, ROOT);
  assert.equal(shortTree?.tigerRoot, undefined);
  assert.ok(shortTree && !('tigerRoot' in shortTree));
});

test('a large file: the size from GGEP LF (MSG-30)', () => {
  const size = 5 * 2 ** 31 + 3;
  const fields = resultSizeFields(size);
  const hit = viaWire(
    hitOf([
      result(
        1,
        'big.iso',
        [urnBlock({ type: 'sha1', sha1: SHA1 }), { kind: 'ggep', extensions: [fields.lf!] }],
        fields.size,
      ),
    ]),
  );
  assert.equal(hitSources(hit)[0]?.size, size);
});

test('the EQHD push flag makes every source firewalled, with the GGEP PUSH proxies (push.md §1, §6.2)', () => {
  const proxies = [
    { address: '203.0.113.9', port: 6346 },
    { address: '198.51.100.20', port: 6348 },
  ];
  const hit = viaWire(
    hitOf(
      [
        result(3, 'a.txt', [urnBlock({ type: 'sha1', sha1: SHA1 })]),
        result(4, 'b.txt', [urnBlock({ type: 'sha1', sha1: OTHER_SHA1 })]),
      ],
      {
        trailer: trailer({ push: true }, [
          ggepExtension('PUSH', encodePackedHosts(proxies), { avoidNul: true }),
        ]),
      },
    ),
  );
  const sources = hitSources(hit);
  assert.equal(sources.length, 2);
  for (const source of sources) {
    assert.equal(source.firewalled, true);
    assert.deepEqual(source.pushProxies, [
      { host: '203.0.113.9', port: 6346 },
      { host: '198.51.100.20', port: 6348 },
    ]);
    assert.deepEqual(source.serventId, SERVENT);
  }
  assert.deepEqual(
    sources.map((s) => s.fileIndex),
    [3, 4],
  );
});

test('push flag stated false, or not stated, is not firewalled; a malformed PUSH names no proxy (PUSH-13)', () => {
  const urn = [urnBlock({ type: 'sha1', sha1: SHA1 })];
  const direct = viaWire(hitOf([result(1, 'a.txt', urn)], { trailer: trailer({ push: false }) }));
  assert.equal(hitSources(direct)[0]?.firewalled, false);
  const unstated = viaWire(hitOf([result(1, 'a.txt', urn)], { trailer: trailer({ busy: true }) }));
  assert.equal(hitSources(unstated)[0]?.firewalled, false);
  const bad = viaWire(
    hitOf([result(1, 'a.txt', urn)], {
      trailer: trailer({ push: true }, [
        ggepExtension('PUSH', Uint8Array.of(203, 0, 113, 9, 0xca, 0x18, 1), { avoidNul: true }),
      ]),
    }),
  );
  const [source] = hitSources(bad);
  assert.equal(source?.firewalled, true);
  assert.deepEqual(source?.pushProxies, []);
});

// ---- a real gtk-gnutella 1.2.3 query hit ----

const FIXTURES = new URL('../../../fixtures/peers/gtk-gnutella-1.2.3/', import.meta.url);

interface Recorded {
  messages: { from: string; real: boolean; type: number; hex: string }[];
}

/** Real QueryHits (type 0x81) of the recorded conversations, by file. */
function recordedHits(): Array<{ file: string; hit: QueryHit; bytes: Uint8Array }> {
  const hits: Array<{ file: string; hit: QueryHit; bytes: Uint8Array }> = [];
  for (const file of readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const conversation = JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as Recorded;
    for (const message of conversation.messages) {
      if (message.type !== MessageType.QueryHit || !message.real) continue;
      const bytes = fromHex(message.hex);
      const header = decodeHeader(bytes);
      assert.ok(header.ok);
      assert.equal(header.value.type, MessageType.QueryHit);
      const hit = decodeQueryHit(bytes.subarray(HEADER_LENGTH));
      assert.ok(hit.ok, `${file}: the hit decodes`);
      hits.push({ file, hit: hit.value, bytes });
    }
  }
  return hits;
}

test('gtk-gnutella 1.2.3: a recorded hit gives its SHA-1, address, index and tree root', () => {
  const hits = recordedHits();
  assert.ok(hits.length >= 4, `found ${hits.length} recorded hits`);
  const direct = hits.find((h) => h.file.startsWith('notls_plain_s09'));
  assert.ok(direct, 'the s09 hit of leaf B (127.0.0.2:6347)');
  // The record's text as sent, read off the bytes without our codec.
  const text = Buffer.from(direct.bytes).toString('latin1');
  assert.ok(text.includes('alpha_test_file.txt\0urn:sha1:5TR7FAGIBF4QT4AAY4KLBLDG6XWN6GI3'));
  const sources = hitSources(direct.hit);
  assert.equal(sources.length, 1);
  const [source] = sources;
  assert.equal(sha1Urn(source!.sha1), 'urn:sha1:5TR7FAGIBF4QT4AAY4KLBLDG6XWN6GI3');
  assert.equal(source!.name, 'alpha_test_file.txt');
  assert.equal(source!.size, 57);
  assert.equal(source!.host, '127.0.0.2');
  assert.equal(source!.port, 6347);
  assert.equal(source!.fileIndex, 1);
  assert.equal(source!.firewalled, false);
  assert.deepEqual(source!.pushProxies, []);
  // The servent id is the hit's last 16 bytes.
  assert.equal(guidToHex(source!.serventId), Buffer.from(direct.bytes.slice(-16)).toString('hex'));
  // GGEP TT: 24 bytes that follow `c3 02 54 54 58` (TT, length 24) in the record.
  const at = text.indexOf('\xc3\x02TTX');
  assert.ok(at > 0);
  assert.deepEqual(source!.tigerRoot, direct.bytes.slice(at + 5, at + 5 + 24));
});

test('gtk-gnutella 1.2.3: the firewalled leaf says push in its EQHD; its source is reached by push', () => {
  const firewalled = recordedHits().find((h) => h.file.startsWith('notls_plain_s06'));
  assert.ok(firewalled);
  const [source] = hitSources(firewalled.hit);
  assert.equal(source?.firewalled, true);
  assert.equal(sha1Urn(source!.sha1), 'urn:sha1:5TR7FAGIBF4QT4AAY4KLBLDG6XWN6GI3');
  assert.equal(guidToHex(source!.serventId), '125231022629c32fc8285c9692222609');
  // Every recorded hit names one source with a SHA-1 and a 24-byte root.
  for (const { file, hit } of recordedHits()) {
    const sources = hitSources(hit);
    assert.equal(sources.length, 1, file);
    assert.equal(sources[0]!.tigerRoot?.length, 24, file);
  }
});
