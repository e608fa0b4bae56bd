import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeUdpMessage,
  encodeUhcPing,
  encodeUhcPong,
  parsePackedHostCaches,
  parseUhcPong,
  readUhcPing,
  type UdpMessage,
  UhcClient,
} from '../../src/core/bootstrap/uhc.js';
import { UsageError } from '../../src/core/errors.js';
import {
  encodeGgep,
  encodeMessage,
  encodePong,
  type GgepExtension,
  ggepExtension,
} from '../../src/core/wire/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { concat, fromHex } from '../wire/hex.js';

// bootstrap.md §7, copied from the spec text.
const SPEC_PING_LEAF = fromHex(`
  01 23 45 67 89 ab cd ef 01 23 45 67 89 ab cd ef 00 01 00 07 00 00 00
  c3 83 53 43 50 41 00`);
const SPEC_PONG = fromHex(`
  01 23 45 67 89 ab cd ef 01 23 45 67 89 ab cd ef 01 01 00 20 00 00 00
  ca 18 c0 00 02 01 00 00 00 00 00 00 00 00
  c3 83 49 50 50 4c c6 33 64 07 ca 18 cb 00 71 09 c0 5d`);
const MUID = fromHex('0123456789abcdef0123456789abcdef');
const SPEC_HOSTS = [
  { host: '198.51.100.7', port: 6346 },
  { host: '203.0.113.9', port: 24000 },
];
const CACHE = { host: '192.0.2.1', port: 6346 };

/** A UDP message carrying a pong with these extensions, TTL 1, hops 0 unless told. */
function pongMessage(
  extensions: GgepExtension[],
  fields: Partial<Pick<UdpMessage, 'ttl' | 'hops' | 'type'>> = {},
): UdpMessage {
  return {
    guid: MUID,
    type: fields.type ?? 0x01,
    ttl: fields.ttl ?? 1,
    hops: fields.hops ?? 0,
    payload: encodePong({
      port: 6346,
      address: '192.0.2.1',
      sharedFiles: 0,
      sharedKilobytes: 0,
      ggep: extensions.length > 0 ? encodeGgep(extensions) : new Uint8Array(0),
    }),
  };
}

function parsed(extensions: GgepExtension[], source = CACHE) {
  const result = parseUhcPong(pongMessage(extensions), source);
  assert.ok(result.ok, result.ok ? '' : result.error.toString());
  return result.value;
}

const text = (s: string) => new TextEncoder().encode(s);
const zeros = (n: number) => new Uint8Array(n);

test('BOOT-5 §7 the leaf UHC ping is the 30 bytes of the spec', () => {
  assert.deepEqual(encodeUhcPing(MUID, { ultrapeer: false }), SPEC_PING_LEAF);
});

test('BOOT-5 §7 an ultrapeer sets bit 0 of SCP, the rest as for a leaf', () => {
  const ping = encodeUhcPing(MUID, { ultrapeer: true });
  assert.deepEqual(ping.subarray(0, 29), SPEC_PING_LEAF.subarray(0, 29));
  assert.equal(ping[29], 0x01);
});

test('a ping asking for our address adds an empty IP after SCP', () => {
  const ping = encodeUhcPing(MUID, { ultrapeer: false, askAddress: true });
  // SCP without the last flag, then IP (last, id length 2, length 0).
  assert.deepEqual(ping.subarray(23), fromHex('c3 03 53 43 50 41 00 82 49 50 40'));
  const message = decodeUdpMessage(ping);
  assert.ok(message.ok);
  assert.equal(message.value.payload.length, 11);
  const read = readUhcPing(message.value.payload);
  assert.ok(read.ok);
  assert.deepEqual(read.value, { scp: { ultrapeer: false, tls: false }, wantsAddress: true });
});

test('readUhcPing reads the SCP bits and ignores unknown extensions', () => {
  const payload = encodeGgep([
    ggepExtension('VC', text('GTKG\x01')),
    ggepExtension('SCP', Uint8Array.of(0x03)),
    ggepExtension('DHTIPP'),
  ]);
  const read = readUhcPing(payload);
  assert.ok(read.ok);
  assert.deepEqual(read.value, { scp: { ultrapeer: true, tls: true }, wantsAddress: false });
  assert.deepEqual(readUhcPing(new Uint8Array(0)), {
    ok: true,
    value: { scp: undefined, wantsAddress: false },
  });
  const bare = readUhcPing(encodeGgep([ggepExtension('SCP')]));
  assert.ok(bare.ok);
  assert.deepEqual(bare.value.scp, { ultrapeer: false, tls: false }, 'no byte: a leaf asking');
  assert.equal(readUhcPing(fromHex('00 01 02')).ok, false);
});

test('§5.1 one message per datagram: the header length must match the datagram', () => {
  const message = decodeUdpMessage(SPEC_PING_LEAF);
  assert.ok(message.ok);
  assert.deepEqual(message.value, {
    guid: MUID,
    type: 0x00,
    ttl: 1,
    hops: 0,
    payload: SPEC_PING_LEAF.subarray(23),
  });
  const extra = decodeUdpMessage(concat(SPEC_PING_LEAF, zeros(1)));
  assert.equal(extra.ok, false);
  assert.equal(!extra.ok && extra.error.code, 'udp-length-mismatch');
  const short = decodeUdpMessage(SPEC_PING_LEAF.subarray(0, 29));
  assert.equal(!short.ok && short.error.code, 'udp-length-mismatch');
  const tiny = decodeUdpMessage(SPEC_PING_LEAF.subarray(0, 22));
  assert.equal(!tiny.ok && tiny.error.code, 'udp-truncated');
});

test('BOOT-10 §7 the pong carrying two hosts is the 55 bytes of the spec', () => {
  const pong = encodeUhcPong(
    { guid: MUID },
    { host: '192.0.2.1', port: 6346, sharedFiles: 0, sharedKilobytes: 0 },
    SPEC_HOSTS,
  );
  assert.deepEqual(pong, SPEC_PONG);
});

test('BOOT-7 the spec pong reads as its two hosts, no caches, no address', () => {
  const message = decodeUdpMessage(SPEC_PONG);
  assert.ok(message.ok);
  const pong = parseUhcPong(message.value, CACHE);
  assert.ok(pong.ok);
  assert.deepEqual(pong.value.hosts, SPEC_HOSTS);
  assert.deepEqual(pong.value.caches, []);
  assert.equal(pong.value.self, undefined);
  assert.equal(pong.value.pong.address, '192.0.2.1');
  assert.deepEqual(pong.value.extensions.ids, ['IPP']);
});

test('BOOT-7 a deflated IPP is inflated (GhostWhiteCrab compresses it)', () => {
  const many = Array.from({ length: 20 }, (_, i) => ({ host: `10.0.${i}.1`, port: 6346 }));
  // Written by hand rather than by the encoder under test: 10.0.i.1, port 6346 LE.
  const data = concat(...many.map((_, i) => Uint8Array.of(10, 0, i, 1, 0xca, 0x18)));
  const extension = ggepExtension('IPP', data, { compress: true });
  const block = encodeGgep([extension]);
  assert.ok(block.length < data.length, 'the value travelled deflated');
  assert.equal(block[1]! & 0x20, 0x20, 'deflate flag set');
  assert.deepEqual(parsed([extension]).hosts, many);
});

test('encodeUhcPong compresses IPP on request, and parseUhcPong reads it back', () => {
  const hosts = Array.from({ length: 30 }, (_, i) => ({ host: `198.51.100.${i + 1}`, port: 6346 }));
  const bytes = encodeUhcPong(
    { guid: MUID },
    { host: '192.0.2.1', port: 6346, sharedFiles: 0, sharedKilobytes: 0 },
    hosts,
    { compress: true },
  );
  const message = decodeUdpMessage(bytes);
  assert.ok(message.ok);
  assert.equal(message.value.payload[14 + 1]! & 0x20, 0x20, 'IPP flagged deflated');
  const pong = parseUhcPong(message.value, CACHE);
  assert.ok(pong.ok);
  assert.deepEqual(pong.value.hosts, hosts.slice(0, 20), 'capped at 20 hosts');
});

test('encodeUhcPong skips hosts IPP cannot carry and leaves out an empty IPP', () => {
  const self = { host: '192.0.2.1', port: 6346, sharedFiles: 1, sharedKilobytes: 2 };
  const empty = encodeUhcPong({ guid: MUID }, self, [
    { host: 'cache.example.org', port: 6346 },
    { host: '198.51.100.7', port: 0 },
    { host: '0.0.0.0', port: 6346 },
  ]);
  assert.equal(empty.length, 23 + 14);
  assert.deepEqual(empty.subarray(16, 19), Uint8Array.of(0x01, 1, 0), 'pong, TTL 1, hops 0');
});

test('BOOT-7 an IPP whose length is not a multiple of 6 rejects the pong', () => {
  for (const length of [1, 5, 7, 13]) {
    const result = parseUhcPong(pongMessage([ggepExtension('IPP', zeros(length))]), CACHE);
    assert.equal(result.ok, false, `${length} bytes`);
    assert.equal(!result.ok && result.error.code, 'pong-ipp-length');
    assert.equal(!result.ok && result.error.clause, 'BOOT-7');
  }
});

test('§5.4 only TTL ≤ 1, hops 0 pongs are taken; a ping is no pong', () => {
  const ipp = [ggepExtension('IPP', fromHex('c6 33 64 07 ca 18'))];
  assert.ok(parseUhcPong(pongMessage(ipp, { ttl: 0 }), CACHE).ok);
  for (const fields of [{ ttl: 2 }, { hops: 1 }, { ttl: 7, hops: 3 }]) {
    const result = parseUhcPong(pongMessage(ipp, fields), CACHE);
    assert.equal(!result.ok && result.error.code, 'uhc-pong-ttl-hops', JSON.stringify(fields));
  }
  const ping = parseUhcPong(pongMessage(ipp, { type: 0x00 }), CACHE);
  assert.equal(!ping.ok && ping.error.code, 'uhc-not-pong');
});

test('IPP entries with port 0 or address 0.0.0.0 are dropped; private ones are kept', () => {
  const data = fromHex(
    '0a 00 00 01 ca 18  c6 33 64 07 00 00  00 00 00 00 ca 18  c0 a8 01 02 01 00',
  );
  assert.deepEqual(parsed([ggepExtension('IPP', data)]).hosts, [
    { host: '10.0.0.1', port: 6346 },
    { host: '192.168.1.2', port: 1 },
  ]);
});

test('BOOT-8 an empty UDPHC makes the source IP a cache, at the port the pong gives', () => {
  const pong = parsed([ggepExtension('UDPHC')], { host: '203.0.113.80', port: 40000 });
  assert.deepEqual(pong.caches, [{ host: '203.0.113.80', port: 6346 }]);
});

test('BOOT-8 a UDPHC holding a DNS name makes that name the cache, same port', () => {
  const pong = parsed([ggepExtension('UDPHC', text('uhc.example.net'))]);
  assert.deepEqual(pong.caches, [{ host: 'uhc.example.net', port: 6346 }]);
  assert.deepEqual(parsed([ggepExtension('UDPHC', text('bad name!'))]).caches, []);
  const own = encodeUhcPong(
    { guid: MUID },
    { host: '192.0.2.1', port: 7000, sharedFiles: 0, sharedKilobytes: 0 },
    [],
    { udphc: 'uhc.example.net' },
  );
  const message = decodeUdpMessage(own);
  assert.ok(message.ok);
  const read = parseUhcPong(message.value, CACHE);
  assert.ok(read.ok);
  assert.deepEqual(read.value.caches, [{ host: 'uhc.example.net', port: 7000 }]);
});

test('§5.3 PHC lines: port 6346 by default, text after & ignored, junk lines skipped', () => {
  const lines = [
    '1.2.3.4:81',
    'uhc.example.org:6379',
    'uhc2.example.org',
    'uhc3.example.org:9000&x=1&y=2',
    '  198.51.100.9:1234  ',
    '',
    'no port here:',
    'host:99999',
    '300.1.1.1:6346',
    '0.0.0.0:6346',
    'five.example:0',
    '&only=params',
  ].join('\n');
  assert.deepEqual(parsePackedHostCaches(lines), [
    { host: '1.2.3.4', port: 81 },
    { host: 'uhc.example.org', port: 6379 },
    { host: 'uhc2.example.org', port: 6346 },
    { host: 'uhc3.example.org', port: 9000 },
    { host: '198.51.100.9', port: 1234 },
  ]);
  assert.equal(parsePackedHostCaches('a.example\nb.example\nc.example', 2).length, 2);
});

test('§5.3 a deflated PHC joins the caches after the pong sender', () => {
  const pong = parsed([
    ggepExtension('UDPHC'),
    ggepExtension('PHC', text('uhc.example.org:6379\r\n203.0.113.4\n'), { compress: true }),
  ]);
  assert.deepEqual(pong.caches, [
    { host: '192.0.2.1', port: 6346 },
    { host: 'uhc.example.org', port: 6379 },
    { host: '203.0.113.4', port: 6346 },
  ]);
});

test('an IP extension in the pong and in encodeUhcPong gives our address', () => {
  const bytes = encodeUhcPong(
    { guid: MUID },
    { host: '192.0.2.1', port: 6346, sharedFiles: 0, sharedKilobytes: 0 },
    SPEC_HOSTS,
    { yourAddress: { host: '198.51.100.30', port: 6346 }, udphc: true },
  );
  const message = decodeUdpMessage(bytes);
  assert.ok(message.ok);
  const pong = parseUhcPong(message.value, CACHE);
  assert.ok(pong.ok);
  assert.deepEqual(pong.value.self, { host: '198.51.100.30', port: 6346 });
  assert.deepEqual(pong.value.extensions.ids, ['IPP', 'UDPHC', 'IP']);
  assert.deepEqual(pong.value.caches, [CACHE]);
});

const bytesOf = (seed: number) => (n: number) => new Uint8Array(n).fill(seed);
const guidOf = (n: number) => new Uint8Array(16).fill(n);

test('BOOT-9 a cache is not pinged again within 180 s', () => {
  const client = new UhcClient();
  assert.ok(client.add(CACHE, 0, { source: 'configured' }));
  assert.deepEqual(client.due(0, bytesOf(1)), [CACHE]);
  client.pinged(CACHE, guidOf(1), 0);
  assert.deepEqual(client.due(0, bytesOf(1)), [], 'awaiting its answer');
  assert.deepEqual(client.handlePong(guidOf(1), CACHE, 50), CACHE);
  assert.deepEqual(client.due(179_999, bytesOf(1)), [], 'answered, but pinged 179.999 s ago');
  assert.deepEqual(client.due(180_000, bytesOf(1)), [CACHE]);
});

test('due pings at most 3 at once, fewest failures first', () => {
  const client = new UhcClient();
  const caches = [1, 2, 3, 4, 5].map((i) => ({ host: `192.0.2.${i}`, port: 6346 }));
  for (const cache of caches) client.add(cache, 0, { source: 'phc' });
  // Caches 1 and 2 fail once.
  client.pinged(caches[0]!, guidOf(1), 0);
  client.pinged(caches[1]!, guidOf(2), 0);
  assert.equal(client.expire(20_000).length, 2);
  const due = client.due(20_000, bytesOf(7));
  assert.equal(due.length, 3);
  assert.deepEqual(due.map((c) => c.host).sort(), ['192.0.2.3', '192.0.2.4', '192.0.2.5']);
  client.pinged(due[0]!, guidOf(3), 20_000);
  assert.equal(client.due(20_000, bytesOf(7)).length, 2, 'one ping still awaited');
});

test('BOOT-7 pongs are matched by MUID; unknown MUIDs and spoofed sources answer nothing', () => {
  const client = new UhcClient();
  client.add(CACHE, 0, { source: 'configured' });
  client.pinged(CACHE, guidOf(9), 0);
  assert.equal(client.handlePong(guidOf(8), CACHE, 10), undefined);
  assert.equal(client.handlePong(guidOf(9), { host: '198.51.100.66', port: 6346 }, 10), undefined);
  assert.equal(client.handlePong(new Uint8Array(3), CACHE, 10), undefined);
  assert.deepEqual(client.handlePong(guidOf(9), { host: CACHE.host, port: 40_000 }, 10), CACHE);
  assert.equal(client.handlePong(guidOf(9), CACHE, 11), undefined, 'answered once only');
  assert.equal(client.entries()[0]!.successes, 1);
});

test('a cache listed by name answers from any address', () => {
  const named = { host: 'uhc.example.org', port: 6346 };
  const client = new UhcClient();
  client.add(named, 0, { source: 'udphc' });
  client.pinged(named, guidOf(2), 0);
  assert.deepEqual(client.handlePong(guidOf(2), { host: '203.0.113.1', port: 6346 }, 1), named);
});

test('§5.4 unanswered pings time out after 20 s; a cache failing more than 5 times is dropped', () => {
  const client = new UhcClient({ repingAfterMs: 0 });
  client.add(CACHE, 0, { source: 'configured' });
  let now = 0;
  for (let i = 1; i <= 6; i++) {
    client.pinged(CACHE, guidOf(i), now);
    assert.equal(client.nextTimeout(), now + 20_000);
    assert.deepEqual(client.expire(now + 19_999), []);
    now += 20_000;
    assert.deepEqual(client.expire(now), [CACHE]);
    assert.equal(client.size, i <= 5 ? 1 : 0, `after ${i} failures`);
  }
  assert.equal(client.nextTimeout(), undefined);
});

test('an answer resets the failure count', () => {
  const client = new UhcClient({ repingAfterMs: 0 });
  client.add(CACHE, 0, { source: 'configured' });
  client.pinged(CACHE, guidOf(1), 0);
  client.expire(20_000);
  assert.equal(client.entries()[0]!.failures, 1);
  client.pinged(CACHE, guidOf(2), 20_000);
  client.handlePong(guidOf(2), CACHE, 20_100);
  assert.equal(client.entries()[0]!.failures, 0);
});

test('BOOT-8 the list keeps at most 100 caches; only a failing cache makes room', () => {
  const client = new UhcClient({ repingAfterMs: 0 });
  for (let i = 0; i < 100; i++) {
    assert.ok(client.add({ host: `10.1.${i}.1`, port: 6346 }, i, { source: 'phc' }));
  }
  const newcomer = { host: 'new.example.org', port: 6346 };
  assert.equal(client.add(newcomer, 100, { source: 'phc' }), false, 'no cache has failed');
  client.pinged({ host: '10.1.42.1', port: 6346 }, guidOf(1), 100);
  client.expire(20_100);
  assert.ok(client.add(newcomer, 20_100, { source: 'phc' }));
  assert.equal(client.size, 100);
  assert.ok(!client.entries().some((e) => e.host === '10.1.42.1'));
  assert.equal(client.add(newcomer, 20_200, { source: 'phc' }), false, 'already known');
  assert.equal(client.add({ host: '0.0.0.0', port: 1 }, 0, { source: 'phc' }), false);
});

test('pinged refuses a cache that is not on the list, or a short MUID', () => {
  const client = new UhcClient();
  assert.throws(() => client.pinged(CACHE, guidOf(1), 0), UsageError);
  client.add(CACHE, 0, { source: 'configured' });
  assert.throws(() => client.pinged(CACHE, new Uint8Array(4), 0), UsageError);
});

test('toJSON and fromJSON keep the list and its records, not pings in flight', () => {
  const client = new UhcClient();
  client.add(CACHE, 5, { source: 'configured' });
  client.add({ host: 'uhc.example.org', port: 9000 }, 6, { source: 'phc' });
  client.pinged(CACHE, guidOf(1), 10);
  client.expire(20_010);
  const saved = JSON.parse(JSON.stringify(client));
  const restored = UhcClient.fromJSON(saved);
  assert.ok(restored.ok);
  assert.deepEqual(restored.value.entries(), client.entries());
  assert.equal(restored.value.nextTimeout(), undefined);
  assert.deepEqual(restored.value.due(100_000, bytesOf(0)).length, 1, 'CACHE still resting');
});

test('fromJSON rejects a wrong outer shape and skips bad entries', () => {
  for (const value of [null, 3, 'x', [], {}, { version: 2, caches: [] }, { version: 1 }]) {
    const result = UhcClient.fromJSON(value);
    assert.equal(!result.ok && result.error.code, 'uhc-state-malformed', JSON.stringify(value));
  }
  const good = {
    host: '192.0.2.1',
    port: 6346,
    source: 'configured',
    addedAt: 0,
    failures: 0,
    successes: 0,
  };
  const result = UhcClient.fromJSON({
    version: 1,
    caches: [
      good,
      good,
      null,
      { ...good, host: '192.0.2.2', port: 0 },
      { ...good, host: '192.0.2.3', source: 'rumour' },
      { ...good, host: '192.0.2.4', failures: -1 },
      { ...good, host: '192.0.2.5', failures: 6 },
      { ...good, host: '192.0.2.6', lastPingAt: 'yesterday' },
      { ...good, host: 42 },
      { ...good, host: '192.0.2.7', lastPingAt: null, lastSuccessAt: 12 },
    ],
  });
  assert.ok(result.ok);
  assert.deepEqual(
    result.value.entries().map((e) => e.host),
    ['192.0.2.1', '192.0.2.7'],
  );
  assert.equal(result.value.entries()[1]!.lastPingAt, undefined);
});

test('a saved ping time in the future (clock set back) does not block the cache', () => {
  const restored = UhcClient.fromJSON({
    version: 1,
    caches: [{ ...CACHE, source: 'phc', addedAt: 0, failures: 0, successes: 0, lastPingAt: 9e12 }],
  });
  assert.ok(restored.ok);
  assert.deepEqual(restored.value.due(1_000, bytesOf(0)), [CACHE]);
});

test('robustness: decodeUdpMessage and parseUhcPong never throw on random bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const message = decodeUdpMessage(bytes);
      if (!message.ok) return;
      const pong = parseUhcPong({ ...message.value, type: 1, ttl: 1, hops: 0 }, CACHE);
      if (!pong.ok) assert.equal(typeof pong.error.code, 'string');
      const ping = readUhcPing(message.value.payload);
      if (!ping.ok) assert.equal(typeof ping.error.code, 'string');
    }),
    { numRuns: UNIT_RUNS },
  );
});

test('robustness: parseUhcPong never throws on pongs with random GGEP', () => {
  const extension = fc.record({
    id: fc.constantFrom('IPP', 'UDPHC', 'PHC', 'IP', 'DU', 'UP', 'LOC', 'VC', 'X'),
    data: fc.uint8Array({ maxLength: 40 }),
    compressed: fc.boolean(),
    cobs: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.array(extension, { minLength: 1, maxLength: 5 }), (extensions) => {
      const datagram = encodeMessage(
        { guid: MUID, type: 1, ttl: 1, hops: 0 },
        encodePong({
          port: 6346,
          address: '192.0.2.1',
          sharedFiles: 0,
          sharedKilobytes: 0,
          ggep: encodeGgep(extensions),
        }),
      );
      const message = decodeUdpMessage(datagram);
      assert.ok(message.ok);
      const pong = parseUhcPong(message.value, CACHE);
      if (!pong.ok) assert.equal(typeof pong.error.code, 'string');
    }),
    { numRuns: UNIT_RUNS },
  );
});
