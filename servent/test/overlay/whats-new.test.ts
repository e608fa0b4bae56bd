/** "What's New?" queries (magnet.md WN-1, dynamic-querying.md §9, DQ-17): recognised by GGEP WH, answered, routed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Overlay, type Overlay as OverlayType } from '../../src/core/overlay/index.js';
import { isWhatsNew, ownQuery, WHATS_NEW_CRITERIA } from '../../src/core/overlay/own-query.js';
import { Library } from '../../src/core/search/index.js';
import {
  decodeQuery,
  decodeQueryHit,
  type ExtensionBlock,
  encodeQuery,
  encodeVendorFrame,
  findGgep,
  GUID_LENGTH,
  ggepExtension,
  guidToHex,
  MessageType,
  QueryFlag,
  urnBlock,
} from '../../src/core/wire/index.js';
import {
  caps,
  drain,
  makeNode,
  ofType,
  query,
  runUntil,
  type Sent,
  seededRandom,
  sha1Of,
  tableMessages,
  testGuid,
} from './support.js';

const wh = (value: Uint8Array = Uint8Array.of(1)): ExtensionBlock => ({
  kind: 'ggep',
  extensions: [ggepExtension('WH', value)],
});

/** A query payload with `criteria` and `extensions`, decoded back as a receiver sees it. */
function extensionsOf(criteria: string, extensions: ExtensionBlock[]): ExtensionBlock[] {
  const decoded = decodeQuery(
    encodeQuery({ flags: QueryFlag.Marked, criteria, extensions, trailingNul: false }),
  );
  assert.ok(decoded.ok);
  return decoded.value.extensions;
}

/** A Query message with `criteria`, GGEP WH = 1 unless `whatsNew` is false. */
function whatsNewQuery(
  fields: {
    criteria?: string;
    whatsNew?: boolean;
    guid?: Uint8Array;
    ttl?: number;
    hops?: number;
  } = {},
): Uint8Array {
  const { criteria = WHATS_NEW_CRITERIA, whatsNew = true, ...header } = fields;
  return query(criteria, {
    ...header,
    ...(whatsNew && { ggep: [ggepExtension('WH', Uint8Array.of(1))] }),
  });
}

const ZERO_GUID = new Uint8Array(GUID_LENGTH);
const features = (version: number) =>
  encodeVendorFrame(
    {
      kind: 'features-supported',
      version: 0,
      features: [{ name: 'WHAT', version }],
      wideFeatures: null,
    },
    ZERO_GUID,
  );

const queries = <T extends Sent>(sent: readonly T[]): T[] =>
  sent.filter((s) => s.type === MessageType.Query);
const linksOf = (sent: readonly Sent[]) => sent.map((s) => s.link).sort((a, b) => a - b);

test('WN-1 DQ-17 isWhatsNew recognises GGEP WH = 1, whatever the text, and never the text alone', () => {
  assert.equal(isWhatsNew(extensionsOf(WHATS_NEW_CRITERIA, [wh()])), true);
  assert.equal(isWhatsNew(extensionsOf('blue sky', [wh()])), true, 'by WH, not by text');
  assert.equal(isWhatsNew(extensionsOf(WHATS_NEW_CRITERIA, [])), false, 'the text alone');
  assert.equal(isWhatsNew(extensionsOf(WHATS_NEW_CRITERIA, [wh(Uint8Array.of(2))])), false);
  assert.equal(isWhatsNew(extensionsOf(WHATS_NEW_CRITERIA, [wh(new Uint8Array())])), false);
  assert.equal(
    isWhatsNew(
      extensionsOf(WHATS_NEW_CRITERIA, [
        { kind: 'ggep', extensions: [ggepExtension('H', new Uint8Array(21))] },
      ]),
    ),
    false,
  );
  // WH among other extensions, after a URN string.
  assert.equal(
    isWhatsNew(
      extensionsOf(WHATS_NEW_CRITERIA, [
        urnBlock({ type: 'sha1', sha1: sha1Of('x') }),
        {
          kind: 'ggep',
          extensions: [ggepExtension('SO'), ggepExtension('WH', Uint8Array.of(1))],
        },
      ]),
    ),
    true,
  );
});

test('WN-1 ownQuery(…, whatsNew) sends WhatIsNewXOXO with GGEP WH = 1, whatever text is given', () => {
  for (const text of ['', 'blue sky']) {
    const { payload } = ownQuery(text, [], true);
    const decoded = decodeQuery(payload);
    assert.ok(decoded.ok);
    assert.equal(decoded.value.criteria, 'WhatIsNewXOXO');
    assert.equal(WHATS_NEW_CRITERIA, 'WhatIsNewXOXO');
    assert.ok((decoded.value.flags & QueryFlag.Marked) !== 0);
    const ggep = decoded.value.extensions.find((b) => b.kind === 'ggep');
    assert.ok(ggep?.kind === 'ggep');
    assert.deepEqual([...findGgep(ggep.extensions, 'WH')!.data], [1]);
    assert.ok(isWhatsNew(decoded.value.extensions));
  }
  const plain = decodeQuery(ownQuery('blue sky', []).payload);
  assert.ok(plain.ok && !isWhatsNew(plain.value.extensions));
});

// ---- as leaf: answering

/** A leaf sharing files added at known times, with a library that knows addedAt. */
function leafWithLibrary(): OverlayType {
  const library = new Library();
  const files: [string, number][] = [
    ['WhatIsNewXOXO notes.txt', 500],
    ['old song.mp3', 1_000],
    ['alpha.txt', 2_000],
    ['beta.txt', 5_000],
    ['gamma.txt', 3_000],
    ['delta.txt', 4_000],
  ];
  for (const [name, addedAt] of files) {
    library.add({ relativePath: `music/${name}`, size: 1_000, sha1: sha1Of(name), addedAt });
  }
  const random = seededRandom(3);
  const overlay = new Overlay({
    mode: 'leaf',
    serventId: random(16),
    random,
    now: 0,
    self: () => ({ host: '10.0.0.1', port: 6346, sharedFiles: library.size, sharedKilobytes: 7 }),
    search: library,
    tunables: { alivePingIntervalMs: 600_000 },
  });
  overlay.addLink(1, caps({ vendorMessages: false, queryRouting: false }), 0);
  drain(overlay);
  return overlay;
}

function answeredNames(overlay: OverlayType, message: Uint8Array): string[] {
  overlay.handleMessage(1, message, 0);
  const hits = ofType(drain(overlay), MessageType.QueryHit);
  return hits.flatMap((h) => {
    assert.equal(h.guid, guidToHex(message.subarray(0, 16)));
    const decoded = decodeQueryHit(h.payload);
    assert.ok(decoded.ok);
    return decoded.value.results.map((r) => r.name);
  });
}

test("DQ-17 WN-1 as leaf a What's New query gets at most 3 of the newest files, whatever the criteria says", () => {
  const overlay = leafWithLibrary();
  const newest = ['beta.txt', 'delta.txt', 'gamma.txt'];
  assert.deepEqual(answeredNames(overlay, whatsNewQuery({ ttl: 2, hops: 1 })), newest);
  // The criteria is never matched against file names.
  assert.deepEqual(answeredNames(overlay, whatsNewQuery({ criteria: 'old song' })), newest);
  assert.deepEqual(answeredNames(overlay, whatsNewQuery({ criteria: 'nothing at all' })), newest);
  // The text alone is an ordinary query: matched by keyword.
  assert.deepEqual(answeredNames(overlay, whatsNewQuery({ whatsNew: false })), [
    'WhatIsNewXOXO notes.txt',
  ]);
  assert.deepEqual(
    answeredNames(overlay, whatsNewQuery({ criteria: 'old song', whatsNew: false })),
    ['old song.mp3'],
  );
});

// ---- as ultrapeer: routing

/** Ultrapeer links of the routing tests. */
const SOURCE = 1;
const UP_WHAT = 2;
const UP_QRP_HIT = 3;
const UP_PLAIN = 4;
const LEAF_WHAT = 10;
const LEAF_TABLE_HIT = 11;
const LEAF_WHAT_V0 = 12;
const LEAF_WHAT_TABLE_MISS = 13;

function ultrapeer(): OverlayType {
  const { overlay } = makeNode({ mode: 'ultrapeer', tunables: { alivePingIntervalMs: 600_000 } });
  const plain = { vendorMessages: false, ultrapeerQueryRouting: false };
  overlay.addLink(SOURCE, caps(plain), 0);
  overlay.addLink(UP_WHAT, caps({ ...plain, ultrapeerQueryRouting: true }), 0);
  overlay.addLink(UP_QRP_HIT, caps({ ...plain, ultrapeerQueryRouting: true }), 0);
  overlay.addLink(UP_PLAIN, caps(plain), 0);
  for (const m of tableMessages(['red apple.txt'])) overlay.handleMessage(UP_WHAT, m, 0);
  for (const m of tableMessages(['WhatIsNewXOXO.txt'])) overlay.handleMessage(UP_QRP_HIT, m, 0);
  overlay.handleMessage(UP_WHAT, features(1), 0);
  const leaf = caps({ peerMode: 'leaf', vendorMessages: false });
  for (const id of [LEAF_WHAT, LEAF_TABLE_HIT, LEAF_WHAT_V0, LEAF_WHAT_TABLE_MISS]) {
    overlay.addLink(id, leaf, 0);
  }
  overlay.handleMessage(LEAF_WHAT, features(1), 0);
  overlay.handleMessage(LEAF_WHAT_V0, features(0), 0);
  overlay.handleMessage(LEAF_WHAT_TABLE_MISS, features(2), 0);
  for (const m of tableMessages(['WhatIsNewXOXO.txt'])) {
    overlay.handleMessage(LEAF_TABLE_HIT, m, 0);
    overlay.handleMessage(LEAF_WHAT_V0, m, 0);
  }
  for (const m of tableMessages(['red apple.txt']))
    overlay.handleMessage(LEAF_WHAT_TABLE_MISS, m, 0);
  drain(overlay);
  return overlay;
}

const LEAVES = [LEAF_WHAT, LEAF_TABLE_HIT, LEAF_WHAT_V0, LEAF_WHAT_TABLE_MISS];
const onlyLeaves = (sent: readonly Sent[]) => sent.filter((s) => LEAVES.includes(s.link));
const onlyUps = (sent: readonly Sent[]) => sent.filter((s) => !LEAVES.includes(s.link));

test("DQ-17 as ultrapeer a What's New query reaches only the leaves that announced WHAT ≥ 1, whatever their tables", () => {
  const overlay = ultrapeer();
  for (const ttl of [3, 2, 1]) {
    overlay.handleMessage(SOURCE, whatsNewQuery({ ttl }), 0);
    const leaves = onlyLeaves(queries(drain(overlay)));
    assert.deepEqual(linksOf(leaves), [LEAF_WHAT, LEAF_WHAT_TABLE_MISS], `TTL ${ttl}`);
    for (const s of leaves) assert.deepEqual([s.ttl, s.hops], [ttl - 1, 1]);
  }
  // An ordinary query with the same text goes by the tables.
  overlay.handleMessage(SOURCE, whatsNewQuery({ whatsNew: false, ttl: 3 }), 0);
  assert.deepEqual(linksOf(onlyLeaves(queries(drain(overlay)))), [LEAF_TABLE_HIT, LEAF_WHAT_V0]);
});

test("DQ-17 §9 a What's New query goes to every ultrapeer while the outgoing TTL ≥ 2, on the last hop only to WHAT ultrapeers", () => {
  const overlay = ultrapeer();
  overlay.handleMessage(SOURCE, whatsNewQuery({ ttl: 3 }), 0);
  const wide = onlyUps(queries(drain(overlay)));
  assert.deepEqual(linksOf(wide), [UP_WHAT, UP_QRP_HIT, UP_PLAIN]);
  for (const s of wide) assert.deepEqual([s.ttl, s.hops], [2, 1]);
  overlay.handleMessage(SOURCE, whatsNewQuery({ ttl: 2 }), 0);
  const last = onlyUps(queries(drain(overlay)));
  assert.deepEqual(linksOf(last), [UP_WHAT], 'last hop: WHAT only, though its table misses');
  assert.deepEqual([last[0]!.ttl, last[0]!.hops], [1, 1]);
  overlay.handleMessage(SOURCE, whatsNewQuery({ ttl: 1 }), 0);
  assert.deepEqual(onlyUps(queries(drain(overlay))), [], 'no hop left for ultrapeers');
  // The ordinary query's last hop follows the tables instead.
  overlay.handleMessage(SOURCE, whatsNewQuery({ whatsNew: false, ttl: 2 }), 0);
  assert.deepEqual(linksOf(onlyUps(queries(drain(overlay)))), [UP_QRP_HIT, UP_PLAIN]);
});

// ---- a leaf's What's New query, run dynamically

const UPS = [1, 2, 3, 4, 5, 6, 7, 8];
const ASKING_LEAF = 20;
const WHAT_LEAF = 21;
const TABLE_LEAF = 22;

/** 8 UP-QRP ultrapeers whose tables would all hit the text WhatIsNewXOXO, if they were asked. */
function dynamicUltrapeer(): OverlayType {
  const { overlay } = makeNode({ mode: 'ultrapeer', tunables: { alivePingIntervalMs: 600_000 } });
  const table = tableMessages(['WhatIsNewXOXO.txt']);
  for (const id of UPS) {
    overlay.addLink(
      id,
      caps({ vendorMessages: false, ultrapeerQueryRouting: true, degree: 32, maxTtl: 3 }),
      0,
    );
    for (const m of table) overlay.handleMessage(id, m, 0);
  }
  const leaf = caps({ peerMode: 'leaf', vendorMessages: false });
  for (const id of [ASKING_LEAF, WHAT_LEAF, TABLE_LEAF]) overlay.addLink(id, leaf, 0);
  overlay.handleMessage(WHAT_LEAF, features(1), 0);
  for (const m of table) overlay.handleMessage(TABLE_LEAF, m, 0);
  drain(overlay);
  return overlay;
}

test("DQ-17 §5 a leaf's What's New query runs dynamically without asking tables: TTL-2 probe to 3, then one at a time", () => {
  const overlay = dynamicUltrapeer();
  const guid = testGuid();
  overlay.handleMessage(ASKING_LEAF, whatsNewQuery({ guid, ttl: 3 }), 0);
  const first = queries(drain(overlay));
  assert.deepEqual(
    linksOf(first.filter((s) => !UPS.includes(s.link))),
    [WHAT_LEAF],
    'the WHAT leaf only, never back to the asker',
  );
  const probe = first.filter((s) => UPS.includes(s.link));
  assert.equal(
    probe.length,
    3,
    'no tables asked: TTL 2 to 3 connections (hit tables would mean 4 × TTL 1)',
  );
  for (const s of probe) assert.deepEqual([s.ttl, s.hops], [2, 1]);
  const later = queries(runUntil(overlay, 300_000));
  assert.equal(later.length, UPS.length - 3);
  assert.equal(new Set(later.map((s) => s.at)).size, later.length, 'one at a time');
  assert.deepEqual(linksOf([...probe, ...later]), UPS);
  assert.equal(guidToHex(guid), probe[0]!.guid);

  // The same text without WH asks the tables, which all hit: a TTL-1 probe.
  overlay.handleMessage(ASKING_LEAF, whatsNewQuery({ whatsNew: false, ttl: 3 }), 400_000);
  const plain = queries(drain(overlay));
  assert.deepEqual(linksOf(plain.filter((s) => !UPS.includes(s.link))), [TABLE_LEAF]);
  assert.ok(plain.filter((s) => UPS.includes(s.link)).every((s) => s.ttl === 1));
});

test("DQ-17 an ultrapeer's own What's New search: WHAT leaves only (TTL 1), ultrapeers dynamically without tables", () => {
  const overlay = dynamicUltrapeer();
  const guid = overlay.search('', { whatsNew: true }, 0);
  const sent = queries(drain(overlay));
  for (const s of sent) assert.equal(s.guid, guidToHex(guid));
  const leaves = sent.filter((s) => !UPS.includes(s.link));
  assert.deepEqual(linksOf(leaves), [WHAT_LEAF]);
  assert.deepEqual([leaves[0]!.ttl, leaves[0]!.hops], [1, 0]);
  const probe = sent.filter((s) => UPS.includes(s.link));
  assert.equal(probe.length, 3);
  for (const s of probe) {
    assert.deepEqual([s.ttl, s.hops], [2, 0]);
    const decoded = decodeQuery(s.payload);
    assert.ok(decoded.ok && isWhatsNew(decoded.value.extensions));
  }
  assert.equal(queries(runUntil(overlay, 300_000)).length, UPS.length - 3);
});
