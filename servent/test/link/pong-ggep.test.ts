import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import {
  decodePongGgep,
  encodePongGgep,
  ippValue,
  type SelfDescription,
  selfPong,
} from '../../src/core/link/link-messages.js';
import { decodeHeader, decodePong, encodeGgep, ggepExtension } from '../../src/core/wire/index.js';
import { fromHex } from '../wire/hex.js';
import { ggepPongBlock } from '../wire/vectors.js';

const ping = { guid: new Uint8Array(16).fill(7), type: 0x00, ttl: 1, hops: 0, length: 0 };

const up: SelfDescription = {
  address: { host: '203.0.113.5', port: 6346 },
  mode: 'ultrapeer',
  sharedFiles: 120,
  sharedKilobytes: 524_288,
  ggep: { dailyUptimeS: 3600, freeLeafSlots: 5, freeUltrapeerSlots: 2 },
};

/** The GGEP block of a pong message, after the 23-byte header and the 14 fixed bytes. */
const ggepOf = (message: Uint8Array) => message.subarray(23 + 14);

test('RT-15 no GGEP goes to a link that did not advertise it, whatever we could say', () => {
  assert.equal(ggepOf(selfPong(ping, up)).length, 0, 'default: not allowed');
  assert.equal(ggepOf(selfPong(ping, up, false)).length, 0);
  const header = decodeHeader(selfPong(ping, up, false));
  assert.ok(header.ok);
  assert.equal(header.value.length, 14);
});

test('RT-15 §8.3 DU and UP as LimeWire writes them, to a link that advertised GGEP', () => {
  const message = selfPong(ping, up, true);
  // messages.md §13.3 with LimeWire's UP version 0 and no VC.
  assert.deepEqual(
    ggepOf(message),
    fromHex(`c3
      02 44 55 42 10 0e
      82 55 50 43 00 05 02`),
  );
  const header = decodeHeader(message);
  assert.ok(header.ok);
  assert.equal(header.value.length, message.length - 23, 'the header counts the GGEP block');
});

test('DU: 0 is one zero byte (LimeWire), a day at most, leading zero bytes dropped', () => {
  const du = (dailyUptimeS: number) => encodePongGgep({ dailyUptimeS }, 'leaf');
  assert.deepEqual(du(0), fromHex('c3 82 44 55 41 00'));
  assert.deepEqual(du(200), fromHex('c3 82 44 55 41 c8'));
  assert.deepEqual(du(86_400), fromHex('c3 82 44 55 43 80 51 01'));
  assert.deepEqual(du(10_000_000), du(86_400), 'capped at 86 400 s');
  assert.throws(() => du(-1), UsageError);
  assert.throws(() => du(1.5), UsageError);
});

test('UP: only from an ultrapeer; slots capped at 255; a missing count is 0', () => {
  assert.equal(encodePongGgep({ freeLeafSlots: 30 }, 'leaf').length, 0);
  assert.deepEqual(
    encodePongGgep({ freeLeafSlots: 1000 }, 'ultrapeer'),
    fromHex('c3 82 55 50 43 00 ff 00'),
  );
  const leafPong = selfPong(ping, { ...up, mode: 'leaf' }, true);
  const read = decodePongGgep(ggepOf(leafPong));
  assert.ok(read.ok);
  assert.deepEqual(read.value.ids, ['DU']);
});

test('LOC: two letters and a slot byte, LimeWire form', () => {
  assert.deepEqual(
    encodePongGgep({ locale: 'EN', freeLocaleSlots: 4 }, 'leaf'),
    fromHex('c3 83 4c 4f 43 43 65 6e 04'),
  );
  assert.deepEqual(encodePongGgep({ locale: 'de' }, 'leaf'), fromHex('c3 83 4c 4f 43 43 64 65 00'));
  for (const locale of ['e', 'eng', 'en_US', 'é1']) {
    assert.throws(() => encodePongGgep({ locale }, 'leaf'), UsageError, locale);
  }
});

test('RT-16 IPP: 6 bytes per host, unpackable hosts skipped, at most 20', () => {
  assert.deepEqual(
    ippValue([
      { host: '198.51.100.7', port: 6346 },
      { host: 'cache.example.org', port: 6346 },
      { host: '10.0.0.1', port: 0 },
      { host: '0.0.0.0', port: 6346 },
      { host: '203.0.113.9', port: 24000 },
    ]),
    fromHex('c6 33 64 07 ca 18 cb 00 71 09 c0 5d'),
  );
  const many = Array.from({ length: 25 }, (_, i) => ({ host: `10.0.0.${i + 1}`, port: 6346 }));
  const block = encodePongGgep({ ipp: many }, 'ultrapeer');
  // 20 × 6 = 120 bytes: the two-byte GGEP length 0x81 0x78 (1 × 64 + 56), RT-15.
  assert.deepEqual(block.subarray(0, 7), fromHex('c3 83 49 50 50 81 78'));
  assert.equal(block.length, 7 + 120);
  assert.equal(encodePongGgep({ ipp: [] }, 'ultrapeer').length, 0, 'no hosts, no IPP');
});

test('selfPong with every key reads back through decodePongGgep', () => {
  const hosts = [
    { host: '198.51.100.7', port: 6346 },
    { host: '203.0.113.9', port: 24000 },
  ];
  const message = selfPong(
    ping,
    { ...up, ggep: { ...up.ggep, locale: 'en', freeLocaleSlots: 3, ipp: hosts } },
    true,
  );
  const pong = decodePong(message.subarray(23));
  assert.ok(pong.ok);
  const read = decodePongGgep(pong.value.ggep);
  assert.ok(read.ok);
  assert.deepEqual(read.value, {
    ids: ['DU', 'UP', 'LOC', 'IPP'],
    invalid: [],
    dailyUptimeS: 3600,
    upVersion: 0,
    freeLeafSlots: 5,
    freeUltrapeerSlots: 2,
    locale: 'en',
    freeLocaleSlots: 3,
    ipp: hosts,
  });
});

test('decodePongGgep reads the messages.md §13.3 block (UP version 1, VC)', () => {
  const read = decodePongGgep(ggepPongBlock);
  assert.ok(read.ok);
  assert.deepEqual(read.value, {
    ids: ['DU', 'UP', 'VC'],
    invalid: [],
    dailyUptimeS: 3600,
    upVersion: 1,
    freeLeafSlots: 5,
    freeUltrapeerSlots: 2,
    vendor: { code: 'EXMP', version: 1 },
  });
});

test('decodePongGgep takes gtk-gnutella forms: empty DU, LOC ll_CC, UP version 2', () => {
  const block = encodeGgep([
    ggepExtension('DU'),
    ggepExtension('UP', Uint8Array.of(2, 10, 3)),
    ggepExtension('LOC', new TextEncoder().encode('en_US')),
    ggepExtension('GUE', Uint8Array.of(1)),
    ggepExtension('TLS'),
    ggepExtension('GTKG.IPV6'),
  ]);
  const read = decodePongGgep(block);
  assert.ok(read.ok);
  assert.deepEqual(read.value, {
    ids: ['DU', 'UP', 'LOC', 'GUE', 'TLS', 'GTKG.IPV6'],
    invalid: [],
    dailyUptimeS: 0,
    upVersion: 2,
    freeLeafSlots: 10,
    freeUltrapeerSlots: 3,
    locale: 'en_US',
    guess: true,
    tls: true,
  });
});

test('decodePongGgep reads UHC keys: deflated IPP and PHC, UDPHC, IP, DHTIPP', () => {
  const block = encodeGgep([
    ggepExtension('IPP', fromHex('c6 33 64 07 ca 18'), { compress: true }),
    ggepExtension('UDPHC', new TextEncoder().encode('uhc.example.org')),
    ggepExtension('PHC', new TextEncoder().encode('a.example:1\nb.example'), { compress: true }),
    ggepExtension('IP', fromHex('c6 33 64 1e ca 18')),
    ggepExtension('DHTIPP', fromHex('cb 00 71 09 c0 5d')),
  ]);
  const read = decodePongGgep(block);
  assert.ok(read.ok);
  assert.deepEqual(read.value.ipp, [{ host: '198.51.100.7', port: 6346 }]);
  assert.equal(read.value.udphc, 'uhc.example.org');
  assert.equal(read.value.phc, 'a.example:1\nb.example');
  assert.deepEqual(read.value.ip, { host: '198.51.100.30', port: 6346 });
  assert.deepEqual(read.value.dhtIpp, [{ host: '203.0.113.9', port: 24000 }]);
});

test('BOOT-7 an IPP whose length is not a multiple of 6 fails the pong', () => {
  for (const length of [1, 5, 7]) {
    const read = decodePongGgep(encodeGgep([ggepExtension('IPP', new Uint8Array(length))]));
    assert.equal(!read.ok && read.error.code, 'pong-ipp-length', `${length} bytes`);
  }
  assert.equal(decodePongGgep(fromHex('c3 83 44 55')).ok, false, 'truncated block');
  assert.deepEqual(decodePongGgep(new Uint8Array(0)), {
    ok: true,
    value: { ids: [], invalid: [] },
  });
});

test('GGEP-13 other values of impossible shape are left out and named, the rest kept', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['DHTIPP', new Uint8Array(5), /^DHTIPP: 5 bytes/],
    ['DU', new Uint8Array(9), /^DU: /],
    ['UP', Uint8Array.of(0, 1), /^UP: 3 bytes expected, got 2/],
    ['LOC', Uint8Array.of(0xff, 0x00), /^LOC: not a locale: ff 00/],
    ['IP', new Uint8Array(12), /^IP: 6 bytes expected, got 12/],
    ['VC', new Uint8Array(3), /^VC: at least 4 bytes/],
  ];
  for (const [id, data, why] of cases) {
    const read = decodePongGgep(
      encodeGgep([ggepExtension(id, data), ggepExtension('IPP', fromHex('c6 33 64 07 ca 18'))]),
    );
    assert.ok(read.ok, id);
    assert.deepEqual(read.value.ids, [id, 'IPP']);
    assert.equal(read.value.invalid.length, 1, id);
    assert.match(read.value.invalid[0]!, why);
    assert.deepEqual(read.value.ipp, [{ host: '198.51.100.7', port: 6346 }]);
    const { ids: _ids, invalid: _invalid, ipp: _ipp, ...rest } = read.value;
    assert.deepEqual(rest, {}, `${id} left out`);
  }
});

test('a repeated key: the first one counts', () => {
  const read = decodePongGgep(
    encodeGgep([ggepExtension('DU', Uint8Array.of(5)), ggepExtension('DU', Uint8Array.of(9))]),
  );
  assert.ok(read.ok);
  assert.equal(read.value.dailyUptimeS, 5);
  assert.deepEqual(read.value.ids, ['DU', 'DU']);
});
