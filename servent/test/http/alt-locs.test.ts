import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import { formatAltLocs, MAX_ALT_LOCS_READ, parseAltLocs } from '../../src/core/http/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';

test('parseAltLocs: the X-Alt values of §12 A; a missing port is 6346 (HTTP-30)', () => {
  assert.deepEqual(parseAltLocs('198.51.100.7:6346, 203.0.113.9:24000'), [
    { host: '198.51.100.7', port: 6346 },
    { host: '203.0.113.9', port: 24000 },
  ]);
  assert.deepEqual(parseAltLocs('203.0.113.50, 198.51.100.99:6348'), [
    { host: '203.0.113.50', port: 6346 },
    { host: '198.51.100.99', port: 6348 },
  ]);
});

test('parseAltLocs: a leading tls=<hex> token, `;` separators and blanks (HTTP-30)', () => {
  assert.deepEqual(parseAltLocs('tls=8,203.0.113.9:6346,198.51.100.20:6348'), [
    { host: '203.0.113.9', port: 6346 },
    { host: '198.51.100.20', port: 6348 },
  ]);
  assert.deepEqual(parseAltLocs(' tls=C0 , 1.2.3.4 ;5.6.7.8:7000;; ,'), [
    { host: '1.2.3.4', port: 6346 },
    { host: '5.6.7.8', port: 7000 },
  ]);
});

test('parseAltLocs: full URLs in X-Alt (LimeWire) and the legacy X-Gnutella-Alternate-Location', () => {
  assert.deepEqual(
    parseAltLocs(
      'http://1.2.3.4:6347/uri-res/N2R?urn:sha1:GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ, 5.6.7.8',
    ),
    [
      { host: '1.2.3.4', port: 6347 },
      { host: '5.6.7.8', port: 6346 },
    ],
  );
  // §8, the folded header as a reader unfolds it: URLs with a timestamp after a blank.
  const legacy =
    'http://10.0.0.25:6346/uri-res/N2R?urn:sha1:GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ 2002-04-30T08:30Z, ' +
    'http://10.0.0.10:6346/get/2468/GnutellaProtocol04.pdf';
  assert.deepEqual(parseAltLocs(legacy), [
    { host: '10.0.0.25', port: 6346 },
    { host: '10.0.0.10', port: 6346 },
  ]);
  assert.deepEqual(parseAltLocs('HTTP://10.0.0.1/get/1/a file.txt'), [
    { host: '10.0.0.1', port: 6346 },
  ]);
});

test('parseAltLocs: bogus entries are ignored (HTTP-15), duplicates dropped', () => {
  const bogus = [
    '0.0.0.0:6346',
    '0.0.0.0',
    '255.255.255.255:6346',
    '1.2.3.4:0',
    '1.2.3.4:65536',
    '1.2.3.4:',
    'example.com:6346',
    '[2001:db8::1]:6346',
    '1.2.3:6346',
    '1.2.3.256',
    '01.2.3.4:6346',
    'http://example.com:6346/uri-res/N2R?urn:sha1:GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ',
    'ftp://1.2.3.4:21/x',
    '6346:1.2.3.4',
  ];
  assert.deepEqual(parseAltLocs(bogus.join(', ')), []);
  assert.deepEqual(parseAltLocs('1.2.3.4, 1.2.3.4:6346, http://1.2.3.4:6346/x, 1.2.3.4:6347'), [
    { host: '1.2.3.4', port: 6346 },
    { host: '1.2.3.4', port: 6347 },
  ]);
});

test(`parseAltLocs: reads at most ${MAX_ALT_LOCS_READ} items`, () => {
  const items = Array.from({ length: 150 }, (_, i) => `10.0.${i >> 8}.${i & 255}:6346`);
  const hosts = parseAltLocs(items.join(','));
  assert.equal(hosts.length, MAX_ALT_LOCS_READ);
  assert.deepEqual(hosts.at(-1), { host: '10.0.0.99', port: 6346 });
});

test('formatAltLocs: ip:port joined with ", ", read back the same', () => {
  const hosts = [
    { host: '203.0.113.50', port: 6346 },
    { host: '198.51.100.99', port: 6348 },
  ];
  assert.equal(formatAltLocs(hosts), '203.0.113.50:6346, 198.51.100.99:6348');
  assert.deepEqual(parseAltLocs(formatAltLocs(hosts)), hosts);
  assert.equal(formatAltLocs([]), '');
  assert.throws(() => formatAltLocs([{ host: 'example.com', port: 6346 }]), UsageError);
  assert.throws(() => formatAltLocs([{ host: '1.2.3.4', port: 0 }]), UsageError);
});

test('property: parseAltLocs never throws and returns only valid, distinct hosts', () => {
  const item = fc.oneof(
    fc.string(),
    fc
      .tuple(fc.ipV4(), fc.option(fc.integer({ min: 0, max: 70000 })))
      .map(([ip, port]) => (port === null ? ip : `${ip}:${port}`)),
  );
  fc.assert(
    fc.property(fc.array(item, { maxLength: 20 }), (items) => {
      const hosts = parseAltLocs(items.join(', '));
      const keys = hosts.map(({ host, port }) => `${host}:${port}`);
      assert.equal(new Set(keys).size, keys.length);
      assert.deepEqual(parseAltLocs(formatAltLocs(hosts)), hosts);
    }),
    { numRuns: UNIT_RUNS },
  );
});
