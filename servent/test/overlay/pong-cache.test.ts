/** The pong cache alone, and an ultrapeer answering pings from it (ultrapeers-and-routing.md §8, RT-11…RT-17). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePongGgep, MAX_IPP_HOSTS } from '../../src/core/link/link-messages.js';
import { Overlay, type OverlayTunables } from '../../src/core/overlay/index.js';
import { type CachedPong, PongCache } from '../../src/core/overlay/pong-cache.js';
import {
  decodeGgep,
  decodePong,
  encodeGgep,
  encodePackedHosts,
  encodePing,
  encodePong,
  findGgep,
  type GgepExtension,
  ggepExtension,
  guidToHex,
  MessageType,
} from '../../src/core/wire/index.js';
import {
  caps,
  drain,
  drainEvents,
  ofType,
  raw,
  type Sent,
  seededRandom,
  TestLibrary,
  testGuid,
} from './support.js';

// ---- the cache alone

function cached(key: string, fields: Partial<CachedPong> = {}): CachedPong {
  return {
    payload: Uint8Array.of(key.length),
    hops: 1,
    link: 1,
    key,
    receivedAt: 0,
    ...fields,
  };
}

const keys = (pongs: readonly CachedPong[]) => pongs.map((p) => p.key);

test('§8.1 a newer pong for the same host replaces the older one, whatever its hop count', () => {
  const cache = new PongCache();
  cache.add(cached('10.0.0.5:6346', { hops: 1, receivedAt: 0, link: 1 }));
  cache.add(cached('10.0.0.6:6346', { hops: 1, receivedAt: 0, link: 1 }));
  cache.add(cached('10.0.0.5:6346', { hops: 3, receivedAt: 500, link: 2 }));
  assert.equal(cache.size, 2);
  const picked = cache.pick(9, 10, 1_000);
  const five = picked.find((p) => p.key === '10.0.0.5:6346')!;
  assert.deepEqual([five.hops, five.receivedAt, five.link], [3, 500, 2]);
});

test('§8.1 each hop count keeps at most perHop pongs (the oldest go), and hops above maxHops are not kept', () => {
  const cache = new PongCache({ perHop: 2, maxHops: 2 });
  cache.add(cached('a', { hops: 1, receivedAt: 1 }));
  cache.add(cached('b', { hops: 1, receivedAt: 2 }));
  cache.add(cached('c', { hops: 1, receivedAt: 3 }));
  cache.add(cached('far', { hops: 3, receivedAt: 3 }));
  assert.equal(cache.size, 2);
  assert.deepEqual(keys(cache.pick(9, 10, 10)), ['c', 'b']);
  // The defaults: ten per hop count, hops 0–4.
  const defaults = new PongCache();
  for (let i = 0; i < 15; i++) defaults.add(cached(`h${i}`, { hops: 4, receivedAt: i }));
  defaults.add(cached('h5-away', { hops: 5 }));
  assert.equal(defaults.size, 10);
  assert.deepEqual(keys(defaults.pick(9, 3, 20)), ['h14', 'h13', 'h12']);
});

test('§8.1 pick spreads over the hop buckets in turn, newest first in each, up to the limit', () => {
  const cache = new PongCache();
  cache.add(cached('h0-old', { hops: 0, receivedAt: 1 }));
  cache.add(cached('h0-new', { hops: 0, receivedAt: 2 }));
  cache.add(cached('h1-old', { hops: 1, receivedAt: 1 }));
  cache.add(cached('h1-mid', { hops: 1, receivedAt: 2 }));
  cache.add(cached('h1-new', { hops: 1, receivedAt: 3 }));
  cache.add(cached('h3', { hops: 3, receivedAt: 1 }));
  assert.deepEqual(keys(cache.pick(9, 4, 10)), ['h0-new', 'h1-new', 'h3', 'h0-old']);
  assert.deepEqual(keys(cache.pick(9, 100, 10)), [
    'h0-new',
    'h1-new',
    'h3',
    'h0-old',
    'h1-mid',
    'h1-old',
  ]);
  assert.deepEqual(cache.pick(9, 0, 10), []);
});

test('RT-11 §8.1 pick never returns pongs learned from the asking link', () => {
  const cache = new PongCache();
  cache.add(cached('from-1', { link: 1, hops: 0 }));
  cache.add(cached('from-2', { link: 2, hops: 0 }));
  cache.add(cached('from-1-far', { link: 1, hops: 2 }));
  assert.deepEqual(keys(cache.pick(1, 10, 0)), ['from-2']);
  assert.deepEqual(keys(cache.pick(2, 10, 0)), ['from-1', 'from-1-far']);
  assert.deepEqual(keys(cache.pick(3, 10, 0)), ['from-2', 'from-1-far', 'from-1']);
});

test('RT-17 pick never returns a pong older than 60 s', () => {
  const cache = new PongCache();
  cache.add(cached('old', { hops: 1, receivedAt: 0 }));
  cache.add(cached('young', { hops: 2, receivedAt: 30_000 }));
  assert.deepEqual(keys(cache.pick(9, 10, 60_000)), ['old', 'young'], 'exactly 60 s is not older');
  assert.deepEqual(keys(cache.pick(9, 10, 60_001)), ['young']);
  assert.deepEqual(keys(cache.pick(9, 10, 90_001)), []);
});

test('forgetLink drops every pong learned from that link', () => {
  const cache = new PongCache();
  cache.add(cached('a', { link: 1, hops: 0 }));
  cache.add(cached('b', { link: 2, hops: 0 }));
  cache.add(cached('c', { link: 1, hops: 1 }));
  cache.add(cached('d', { link: 1, hops: 4 }));
  cache.forgetLink(1);
  assert.equal(cache.size, 1);
  assert.deepEqual(keys(cache.pick(9, 10, 0)), ['b']);
  cache.forgetLink(7);
  assert.equal(cache.size, 1);
});

test('RT-17 expire drops the pongs older than 60 s and keeps the rest', () => {
  const cache = new PongCache();
  cache.add(cached('a', { hops: 0, receivedAt: 0 }));
  cache.add(cached('b', { hops: 0, receivedAt: 10_000 }));
  cache.add(cached('c', { hops: 2, receivedAt: 5_000 }));
  cache.expire(60_000);
  assert.equal(cache.size, 3);
  cache.expire(65_001);
  assert.equal(cache.size, 1);
  assert.deepEqual(keys(cache.pick(9, 10, 65_001)), ['b']);
  cache.expire(70_001);
  assert.equal(cache.size, 0);
});

// ---- through the overlay

/** Ultrapeer links A…E, one without GGEP, and one leaf. */
const A = 1;
const B = 2;
const C = 3;
const D = 4;
const E = 5;
const BARE = 6;
const LEAF = 10;

interface NodeSetup {
  mode?: 'ultrapeer' | 'leaf';
  sharedKilobytes?: number;
  ultrapeerHosts?: (limit: number) => Array<{ host: string; port: number }>;
  tunables?: Partial<OverlayTunables>;
}

/** Built like makeNode, with the GGEP fields of our pong and `ultrapeerHosts`, which makeNode does not pass. */
function node(setup: NodeSetup = {}): Overlay {
  const random = seededRandom(11);
  return new Overlay({
    mode: setup.mode ?? 'ultrapeer',
    serventId: random(16),
    random,
    now: 0,
    self: () => ({
      host: '10.0.0.1',
      port: 6346,
      sharedFiles: 3,
      sharedKilobytes: setup.sharedKilobytes ?? 100,
      dailyUptimeS: 3_600,
      freeLeafSlots: 20,
      freeUltrapeerSlots: 5,
    }),
    search: new TestLibrary(),
    tunables: { alivePingIntervalMs: 600_000, ...setup.tunables },
    ...(setup.ultrapeerHosts && { ultrapeerHosts: setup.ultrapeerHosts }),
  });
}

const PLAIN = { vendorMessages: false, ultrapeerQueryRouting: false, queryRouting: false };

/** An ultrapeer with ultrapeers A…E (GGEP), BARE (no GGEP) and a leaf. */
function ultrapeer(setup: NodeSetup = {}): Overlay {
  const overlay = node(setup);
  for (const id of [A, B, C, D, E]) overlay.addLink(id, caps(PLAIN), 0);
  overlay.addLink(BARE, caps({ ...PLAIN, ggep: false }), 0);
  overlay.addLink(LEAF, caps({ ...PLAIN, peerMode: 'leaf' }), 0);
  drain(overlay);
  return overlay;
}

function ping(
  fields: { guid?: Uint8Array; ttl?: number; hops?: number; ggep?: GgepExtension[] } = {},
) {
  const payload = encodePing(
    fields.ggep ? { ggep: encodeGgep(fields.ggep) } : { ggep: new Uint8Array() },
  );
  return raw(MessageType.Ping, payload, {
    guid: fields.guid ?? testGuid(),
    ttl: fields.ttl ?? 4,
    hops: fields.hops ?? 0,
  });
}

function pong(
  guid: Uint8Array,
  host: string,
  fields: { hops?: number; kb?: number; ggep?: GgepExtension[] | Uint8Array } = {},
) {
  const ggep =
    fields.ggep === undefined
      ? new Uint8Array()
      : fields.ggep instanceof Uint8Array
        ? fields.ggep
        : encodeGgep(fields.ggep);
  return raw(
    MessageType.Pong,
    encodePong({
      port: 6346,
      address: host,
      sharedFiles: 1,
      sharedKilobytes: fields.kb ?? 64,
      ggep,
    }),
    { guid, ttl: 1, hops: fields.hops ?? 0 },
  );
}

const hex = (guid: Uint8Array) => guidToHex(guid);
const hostOf = (s: Sent) => {
  const decoded = decodePong(s.payload);
  assert.ok(decoded.ok);
  return decoded.value.address;
};
const pongsTo = (sent: readonly Sent[], link: number) =>
  ofType(sent, MessageType.Pong).filter((s) => s.link === link);

/** The refresh pings in `sent`: all of one fresh GUID; their links. */
function refreshPings(sent: readonly Sent[]): { guid: string; links: number[] } | undefined {
  const pings = ofType(sent, MessageType.Ping);
  if (pings.length === 0) return undefined;
  const guid = pings[0]!.guid;
  for (const p of pings) {
    assert.equal(p.guid, guid, 'one refresh ping GUID');
    assert.deepEqual([p.ttl, p.hops], [3, 0], 'TTL 3, hops 0');
  }
  return { guid, links: pings.map((p) => p.link).sort((a, b) => a - b) };
}

/** A (GGEP) asks, the cache is filled from B, C, D with pongs at hops 0–2. */
function filledUltrapeer(setup: NodeSetup = {}) {
  const overlay = ultrapeer(setup);
  const first = testGuid();
  overlay.handleMessage(A, ping({ guid: first }), 0);
  const sent = drain(overlay);
  const refresh = refreshPings(sent)!;
  const refreshGuid = Buffer.from(refresh.guid, 'hex');
  // Answers to the refresh ping: each neighbour's own pong (hops 0) and some it cached.
  let n = 0;
  for (const link of [B, C, D]) {
    for (const hops of [0, 1, 1, 2, 2]) {
      n++;
      overlay.handleMessage(link, pong(refreshGuid, `10.1.${link}.${n}`, { hops }), 100);
    }
  }
  drainEvents(overlay);
  return { overlay, sent, refresh, firstPing: first };
}

test('RT-11 RT-17 §8.1 a non-alive ping triggers refresh pings (fresh GUID, TTL 3, hops 0) to other ultrapeers, at most once per pongCacheRefreshMs', () => {
  const overlay = ultrapeer();
  const guid = testGuid();
  overlay.handleMessage(A, ping({ guid, ttl: 4 }), 0);
  const sent = drain(overlay);
  const refresh = refreshPings(sent);
  assert.ok(refresh, 'the cache is refreshed on the first ping');
  assert.notEqual(refresh.guid, hex(guid), 'a fresh GUID, not the ping relayed (RT-11)');
  assert.ok(refresh.links.length >= 3, 'gtk-gnutella: at least 3 ultrapeers');
  for (const link of refresh.links) {
    assert.ok([B, C, D, E, BARE].includes(link), `link ${link} is another ultrapeer`);
  }
  assert.equal(pongsTo(sent, A).length, 1, 'our own pong: the cache is still empty');
  // Other pings within the refresh interval ping nobody.
  overlay.handleMessage(B, ping(), 1_000);
  overlay.handleMessage(A, ping(), 2_500);
  overlay.handleMessage(LEAF, ping(), 19_999);
  assert.equal(refreshPings(drain(overlay)), undefined);
  // An alive ping never refreshes.
  overlay.handleMessage(C, ping({ ttl: 1 }), 20_000);
  assert.equal(refreshPings(drain(overlay)), undefined);
  overlay.handleMessage(D, ping(), 20_001);
  const again = refreshPings(drain(overlay));
  assert.ok(again, 'a new refresh once pongCacheRefreshMs passed');
  assert.notEqual(again.guid, refresh.guid);
  assert.ok(!again.links.includes(D), 'never the asking link');
  // The turn moves on, so the ultrapeers left out the first time are pinged too.
  const everyone = new Set([...refresh.links, ...again.links]);
  assert.ok(everyone.size > refresh.links.length);
});

test('RT-17 pongCacheRefreshMs is tunable', () => {
  const overlay = ultrapeer({ tunables: { pongCacheRefreshMs: 5_000 } });
  overlay.handleMessage(A, ping(), 0);
  assert.ok(refreshPings(drain(overlay)));
  overlay.handleMessage(B, ping(), 4_999);
  assert.equal(refreshPings(drain(overlay)), undefined);
  overlay.handleMessage(C, ping(), 5_000);
  assert.ok(refreshPings(drain(overlay)));
});

test('RT-11 cached pongs answer the next accepted ping: its GUID, hops = cached hops + 1, at most 10 in all, ours first', () => {
  const { overlay, refresh, firstPing } = filledUltrapeer();
  // Nothing of the pongs went anywhere: pongs are consumed, and the ping was never relayed.
  assert.deepEqual(drain(overlay), []);
  assert.ok(!refresh.links.includes(A));
  const guid = testGuid();
  overlay.handleMessage(A, ping({ guid, ttl: 4, hops: 1 }), 2_500);
  const sent = drain(overlay);
  const answers = pongsTo(sent, A);
  assert.equal(answers.length, 10, 'our pong + 9 cached');
  assert.ok(sent.every((s) => s.link === A && s.type === MessageType.Pong));
  for (const s of answers) assert.equal(s.guid, hex(guid), "the ping's GUID");
  assert.notEqual(answers[0]!.guid, hex(firstPing));
  assert.equal(hostOf(answers[0]!), '10.0.0.1', 'our own pong first');
  assert.equal(answers[0]!.hops, 0);
  const cachedAnswers = answers.slice(1);
  for (const s of cachedAnswers) {
    // Each host's hop count, as the refresh answers gave it: n-th pong of a link at hops [0,1,1,2,2][n % 5].
    const n = Number(hostOf(s).split('.')[3]);
    const cachedHops = [0, 1, 1, 2, 2][(n - 1) % 5]!;
    assert.equal(s.hops, cachedHops + 1, `hops of ${hostOf(s)}`);
    assert.equal(s.ttl, 2, 'TTL = ping hops + 1');
  }
  const hops = new Set(cachedAnswers.map((s) => s.hops));
  assert.deepEqual([...hops].sort(), [1, 2, 3], 'spread over the hop counts');
  assert.equal(new Set(cachedAnswers.map(hostOf)).size, 9, 'no host twice');
});

test('RT-11 pongsPerPing bounds the answer, our own pong included', () => {
  const { overlay } = filledUltrapeer({ tunables: { pongsPerPing: 4 } });
  overlay.handleMessage(A, ping(), 2_500);
  assert.equal(pongsTo(drain(overlay), A).length, 4);
});

test('RT-11 §8.1 a pong learned from a link is never served back to it', () => {
  const { overlay } = filledUltrapeer();
  overlay.handleMessage(A, pong(testGuid(), '10.9.9.9', { hops: 0 }), 200);
  overlay.handleMessage(E, pong(testGuid(), '10.9.9.8', { hops: 0 }), 200);
  overlay.handleMessage(A, ping(), 2_500);
  overlay.handleMessage(E, ping(), 2_500);
  const sent = drain(overlay);
  const toA = pongsTo(sent, A).map(hostOf);
  const toE = pongsTo(sent, E).map(hostOf);
  assert.ok(!toA.includes('10.9.9.9'), 'A does not hear of its own pong');
  assert.ok(toA.includes('10.9.9.8'));
  assert.ok(toE.includes('10.9.9.9'));
  assert.ok(!toE.includes('10.9.9.8'));
});

test('§8.1 pongs from a leaf are not cached; those of a link that closed are forgotten', () => {
  const { overlay } = filledUltrapeer();
  overlay.handleMessage(LEAF, pong(testGuid(), '10.7.7.7', { hops: 0 }), 200);
  overlay.removeLink(B, 300);
  overlay.handleMessage(A, ping(), 2_500);
  const hosts = pongsTo(drain(overlay), A).map(hostOf);
  assert.ok(!hosts.includes('10.7.7.7'));
  assert.ok(
    hosts.every((h) => !h.startsWith(`10.1.${B}.`)),
    "B's pongs went with it",
  );
  assert.ok(hosts.some((h) => h.startsWith(`10.1.${C}.`)));
});

test('RT-15 HS-27 a link without GGEP gets 14-byte pongs only, ours and cached; a GGEP link gets them whole', () => {
  const overlay = ultrapeer();
  overlay.handleMessage(A, ping(), 0);
  drain(overlay);
  const ggep = [
    ggepExtension('DU', Uint8Array.of(0x10)),
    ggepExtension('VC', Uint8Array.from(Buffer.from('LIME'))),
  ];
  overlay.handleMessage(B, pong(testGuid(), '10.2.2.2', { hops: 1, ggep }), 100);
  overlay.handleMessage(BARE, ping(), 2_500);
  overlay.handleMessage(A, ping(), 2_500);
  const sent = drain(overlay);
  const bare = pongsTo(sent, BARE);
  assert.equal(bare.length, 2);
  for (const s of bare) assert.equal(s.length, 14, `${hostOf(s)}: 14 bytes`);
  const whole = pongsTo(sent, A);
  const cachedForA = whole.find((s) => hostOf(s) === '10.2.2.2')!;
  assert.ok(cachedForA.length > 14, 'the GGEP block stays for a GGEP peer');
  const extras = decodePongGgep(cachedForA.payload.subarray(14));
  assert.ok(extras.ok);
  assert.deepEqual(extras.value.ids, ['DU', 'VC']);
  const own = whole.find((s) => hostOf(s) === '10.0.0.1')!;
  assert.ok(own.length > 14);
  // Even an alive ping's answer has no GGEP towards BARE.
  overlay.handleMessage(BARE, ping({ ttl: 1 }), 2_600);
  const [alive] = drain(overlay);
  assert.equal(alive!.length, 14);
});

test('RT-14 MSG-38 as ultrapeer our pong: 14-byte layout, KB a power of two ≥ 8, GGEP DU and UP', () => {
  for (const kb of [0, 100, 4096]) {
    const overlay = ultrapeer({ sharedKilobytes: kb });
    const guid = testGuid();
    overlay.handleMessage(A, ping({ guid, ttl: 1 }), 0);
    const [own] = drain(overlay);
    assert.equal(own!.guid, hex(guid));
    assert.equal(own!.hops, 0);
    // Port LE, IP in network order, counts LE.
    assert.deepEqual([...own!.payload.subarray(0, 6)], [0xca, 0x18, 10, 0, 0, 1]);
    const decoded = decodePong(own!.payload);
    assert.ok(decoded.ok);
    const { sharedKilobytes, sharedFiles } = decoded.value;
    assert.equal(sharedFiles, 3);
    assert.ok(sharedKilobytes >= 8, `${kb} → ${sharedKilobytes} ≥ 8`);
    assert.equal(sharedKilobytes & (sharedKilobytes - 1), 0, `${sharedKilobytes} a power of two`);
    assert.ok(sharedKilobytes >= kb, 'rounded up, not down');
    const extras = decodePongGgep(decoded.value.ggep);
    assert.ok(extras.ok);
    assert.equal(extras.value.dailyUptimeS, 3_600);
    assert.deepEqual([extras.value.freeLeafSlots, extras.value.freeUltrapeerSlots], [20, 5]);
    assert.equal(extras.value.ipp, undefined, 'no IPP unless asked with SCP');
  }
});

test('RT-14 MSG-38 as leaf our pong has a KB count that is not a power of two ≥ 8, and no UP', () => {
  for (const kb of [100, 64, 8, 1024]) {
    const overlay = node({ mode: 'leaf', sharedKilobytes: kb });
    overlay.addLink(A, caps(PLAIN), 0);
    drain(overlay);
    overlay.handleMessage(A, ping({ ttl: 1 }), 0);
    overlay.handleMessage(A, ping({ ttl: 4 }), 0);
    const sent = drain(overlay);
    assert.equal(sent.length, 2, 'a leaf answers with its own pong only, and refreshes nothing');
    for (const s of sent) {
      assert.equal(s.type, MessageType.Pong);
      const decoded = decodePong(s.payload);
      assert.ok(decoded.ok);
      const k = decoded.value.sharedKilobytes;
      assert.ok(k < 8 || (k & (k - 1)) !== 0, `${kb} → ${k}: not an ultrapeer mark`);
      const extras = decodePongGgep(decoded.value.ggep);
      assert.ok(extras.ok);
      assert.equal(extras.value.dailyUptimeS, 3_600);
      assert.ok(!extras.value.ids.includes('UP'));
    }
  }
});

test('RT-16 BOOT-10 a ping with SCP gets an IPP (length a multiple of 6) listing the ultrapeerHosts', () => {
  const limits: number[] = [];
  const hosts = [
    { host: '10.5.5.1', port: 6346 },
    { host: 'up.example.net', port: 6346 },
    { host: '10.5.5.2', port: 6347 },
    { host: '10.5.5.3', port: 0 },
    { host: '10.5.5.4', port: 40_000 },
  ];
  const overlay = ultrapeer({
    ultrapeerHosts: (limit) => {
      limits.push(limit);
      return hosts;
    },
  });
  const scp = [ggepExtension('SCP', Uint8Array.of(0x01))];
  const guid = testGuid();
  overlay.handleMessage(A, ping({ guid, ttl: 1, ggep: scp }), 0);
  const [own] = drain(overlay);
  assert.equal(own!.guid, hex(guid));
  const decoded = decodePong(own!.payload);
  assert.ok(decoded.ok);
  const extensions = decodeGgep(decoded.value.ggep);
  assert.ok(extensions.ok);
  const ipp = findGgep(extensions.value, 'IPP');
  assert.ok(ipp, 'IPP present');
  assert.equal(ipp.data.length % 6, 0, 'a multiple of 6');
  assert.equal(ipp.data.length, 18);
  const extras = decodePongGgep(decoded.value.ggep);
  assert.ok(extras.ok);
  assert.deepEqual(extras.value.ipp, [
    { host: '10.5.5.1', port: 6346 },
    { host: '10.5.5.2', port: 6347 },
    { host: '10.5.5.4', port: 40_000 },
  ]);
  assert.ok(limits.length === 1 && limits[0]! <= MAX_IPP_HOSTS);
  // The same on a non-alive ping; a ping without SCP gets none.
  overlay.handleMessage(A, ping({ ttl: 4, ggep: scp }), 2_500);
  overlay.handleMessage(B, ping({ ttl: 4 }), 2_500);
  const sent = drain(overlay);
  const fromA = pongsTo(sent, A).find((s) => hostOf(s) === '10.0.0.1')!;
  const withScp = decodePongGgep(fromA.payload.subarray(14));
  assert.ok(withScp.ok && withScp.value.ipp?.length === 3);
  const fromB = pongsTo(sent, B).find((s) => hostOf(s) === '10.0.0.1')!;
  const without = decodePongGgep(fromB.payload.subarray(14));
  assert.ok(without.ok && without.value.ipp === undefined);
});

test('RT-17 cached pongs older than 60 s are not served', () => {
  const { overlay } = filledUltrapeer();
  overlay.handleMessage(A, ping(), 30_000);
  assert.equal(pongsTo(drain(overlay), A).length, 10, 'at 30 s: served');
  overlay.handleMessage(A, ping(), 60_100);
  assert.equal(pongsTo(drain(overlay), A).length, 10, 'exactly 60 s old: still served');
  overlay.handleMessage(A, ping(), 62_600);
  const late = pongsTo(drain(overlay), A);
  assert.deepEqual(late.map(hostOf), ['10.0.0.1'], 'only our own pong');
});

test("BOOT-8 MSG-38 the 'pong' event carries ultrapeer, ipp and udpHostCache", () => {
  const overlay = ultrapeer();
  const ipp = encodePackedHosts([
    { address: '10.6.6.1', port: 6346 },
    { address: '10.6.6.2', port: 6348 },
  ]);
  const text = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
  overlay.handleMessage(B, pong(testGuid(), '10.3.0.1', { kb: 64 }), 0);
  overlay.handleMessage(B, pong(testGuid(), '10.3.0.2', { kb: 101 }), 0);
  overlay.handleMessage(
    B,
    pong(testGuid(), '10.3.0.3', { kb: 5, ggep: [ggepExtension('UP', Uint8Array.of(0, 1, 2))] }),
    0,
  );
  overlay.handleMessage(
    B,
    pong(testGuid(), '10.3.0.4', { kb: 3, ggep: [ggepExtension('IPP', ipp)] }),
    0,
  );
  overlay.handleMessage(
    B,
    pong(testGuid(), '10.3.0.5', { kb: 3, ggep: [ggepExtension('UDPHC')] }),
    0,
  );
  overlay.handleMessage(
    B,
    pong(testGuid(), '10.3.0.6', {
      kb: 3,
      ggep: [ggepExtension('UDPHC', text('uhc.example.net'))],
    }),
    0,
  );
  const events = drainEvents(overlay);
  assert.equal(events.length, 6);
  const summary = events.map((e) => {
    assert.ok(e.type === 'pong');
    assert.equal(e.link, B);
    return {
      host: e.pong.address,
      ultrapeer: e.ultrapeer,
      ipp: e.ipp,
      ...('udpHostCache' in e && { udpHostCache: e.udpHostCache }),
    };
  });
  assert.deepEqual(summary, [
    { host: '10.3.0.1', ultrapeer: true, ipp: [] },
    { host: '10.3.0.2', ultrapeer: false, ipp: [] },
    { host: '10.3.0.3', ultrapeer: true, ipp: [] },
    {
      host: '10.3.0.4',
      ultrapeer: false,
      ipp: [
        { host: '10.6.6.1', port: 6346 },
        { host: '10.6.6.2', port: 6348 },
      ],
    },
    { host: '10.3.0.5', ultrapeer: false, ipp: [], udpHostCache: '' },
    { host: '10.3.0.6', ultrapeer: false, ipp: [], udpHostCache: 'uhc.example.net' },
  ]);
});

test('BOOT-7 a pong with malformed GGEP (or an IPP not a multiple of 6) is dropped, counted, never cached', () => {
  const overlay = ultrapeer();
  overlay.handleMessage(A, ping(), 0);
  drain(overlay);
  overlay.handleMessage(B, pong(testGuid(), '10.4.0.1', { ggep: Uint8Array.of(0xc3, 0x00) }), 10);
  overlay.handleMessage(
    B,
    pong(testGuid(), '10.4.0.2', { ggep: [ggepExtension('IPP', new Uint8Array(7))] }),
    10,
  );
  overlay.handleMessage(B, pong(testGuid(), '10.4.0.3'), 10);
  const events = drainEvents(overlay);
  assert.deepEqual(
    events.map((e) => e.type === 'pong' && e.pong.address),
    ['10.4.0.3'],
  );
  assert.equal(overlay.stats().drops.malformed, 2);
  overlay.handleMessage(C, ping(), 2_500);
  const hosts = pongsTo(drain(overlay), C).map(hostOf);
  assert.deepEqual(hosts.sort(), ['10.0.0.1', '10.4.0.3']);
});

test('RT-12 pings faster than one per 2.5 s per link get nothing at all; alive pings are always answered', () => {
  const { overlay } = filledUltrapeer();
  overlay.handleMessage(A, ping(), 2_000);
  assert.deepEqual(
    drain(overlay),
    [],
    'within 2.5 s of the first: neither our pong nor cached ones',
  );
  overlay.handleMessage(A, ping(), 2_499);
  assert.deepEqual(drain(overlay), []);
  overlay.handleMessage(A, ping({ ttl: 1 }), 2_499);
  assert.equal(
    pongsTo(drain(overlay), A).length,
    1,
    'alive ping: our pong, bypassing the throttle',
  );
  overlay.handleMessage(A, ping(), 2_500);
  assert.equal(pongsTo(drain(overlay), A).length, 10);
  // Another link has its own allowance.
  overlay.handleMessage(C, ping(), 2_501);
  assert.ok(pongsTo(drain(overlay), C).length > 1);
  const drops = overlay.stats().links.find((l) => l.id === A)!.drops;
  assert.equal(drops['ping-throttled'], 2);
});
