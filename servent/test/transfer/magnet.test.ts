import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import { sha1Urn } from '../../src/core/hash/index.js';
import {
  formatMagnet,
  type Magnet,
  parseMagnet,
  safeFileName,
} from '../../src/core/transfer/index.js';
import { base32Encode } from '../../src/core/wire/base32.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { parseMagnetProperty } from './properties.js';

const ABC_SHA1 = 'GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ';
const ABC_TTH = 'LMHNA2VYO465P2RDOGTR2CL6XKHZNI2X4CCUY5Y';
const N2R = `http://192.0.2.10:6346/uri-res/N2R?urn:sha1:${ABC_SHA1}`;
const GUID_HEX = '6a074979f3201edbf323b6425fef4a53';

function magnets(uri: string): Magnet[] {
  const result = parseMagnet(uri);
  assert.ok(result.ok, `${uri}: ${!result.ok && result.error}`);
  return result.value;
}

function only(uri: string): Magnet {
  const found = magnets(uri);
  assert.equal(found.length, 1, uri);
  return found[0]!;
}

const b32 = (bytes: Uint8Array | undefined) => (bytes ? base32Encode(bytes) : undefined);

test('MAG-3 MAG-4 §8 example 1: SHA-1, name, size and one direct source kept as given', () => {
  const m = only(`magnet:?xt=urn:sha1:${ABC_SHA1}&dn=alphabet.txt&xl=26&xs=${N2R}`);
  assert.equal(b32(m.sha1), ABC_SHA1);
  assert.equal(m.tigerRoot, undefined);
  assert.equal(m.name, 'alphabet.txt');
  assert.equal(m.size, 26);
  assert.deepEqual(m.sources, [N2R]);
});

test('MAG-3 §8 example 2: a bitprint gives SHA-1 and TTH', () => {
  const m = only(`magnet:?xt=urn:bitprint:${ABC_SHA1}.${ABC_TTH}&dn=alphabet.txt&xl=26`);
  assert.equal(b32(m.sha1), ABC_SHA1);
  assert.equal(b32(m.tigerRoot), ABC_TTH);
  assert.deepEqual(m.sources, []);
});

test('MAG-2 §8 example 3: numeric suffixes are separate magnets', () => {
  const [one, two, ...rest] = magnets(
    'magnet:?xt.1=urn:sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ&dn.1=empty.bin&xt.2=urn:sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5&dn.2=abc.txt',
  );
  assert.deepEqual(rest, []);
  assert.equal(b32(one!.sha1), '3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ');
  assert.equal(one!.name, 'empty.bin');
  assert.equal(b32(two!.sha1), 'VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5');
  assert.equal(two!.name, 'abc.txt');
});

test('MAG-2 groups come out in index order, no suffix first', () => {
  const found = magnets(`magnet:?kt.10=ten&kt.2=two&kt=zero`);
  assert.deepEqual(
    found.map((m) => m.keywords),
    ['zero', 'two', 'ten'],
  );
});

test('MAG-7 §8 example 4: a keyword magnet, + as space', () => {
  const m = only('magnet:?kt=free+software+manual');
  assert.equal(m.keywords, 'free software manual');
  assert.equal(m.sha1, undefined);
});

test('MAG-2 x.guid is a vendor key, not an index', () => {
  const found = magnets(`magnet:?xt=urn:sha1:${ABC_SHA1}&x.guid=${GUID_HEX}&x.1=a`);
  assert.equal(found.length, 1);
  assert.equal(b32(found[0]!.sha1), ABC_SHA1);
  assert.deepEqual(found[0]!.serventIds, []);
});

test('MAG-1 pairs in any order, repeated keys, unknown keys and pairs without = ignored', () => {
  const other = 'http://198.51.100.7:6346/get/3/alphabet.txt';
  const m = only(
    `magnet:?xs=${N2R}&foo=bar&novalue&dn=alphabet.txt&xs=${other}&xs=${N2R}&tr=http://t/&xt=urn:sha1:${ABC_SHA1}&&`,
  );
  assert.deepEqual(m.sources, [N2R, other]);
  assert.equal(m.name, 'alphabet.txt');
  assert.equal(b32(m.sha1), ABC_SHA1);
});

test('MAG-3 scheme, keys, namespaces and base32 in any case; both tiger spellings', () => {
  const m = only(`MAGNET:?XT=URN:SHA1:${ABC_SHA1.toLowerCase()}&Dn=a`);
  assert.equal(b32(m.sha1), ABC_SHA1);
  for (const ns of ['urn:tree:tiger:', 'urn:tree:tiger/:', 'URN:TREE:TIGER/:']) {
    const t = only(`magnet:?xt=${ns}${ABC_TTH}`);
    assert.equal(b32(t.tigerRoot), ABC_TTH);
    assert.equal(t.sha1, undefined);
  }
  // Other namespaces and malformed URNs are skipped.
  assert.deepEqual(magnets('magnet:?xt=urn:btih:abc&xt=urn:sha1:SHORT&dn=x'), []);
});

test('MAG-1 MAG-7 percent-encoded UTF-8; + and %20 are both spaces in dn', () => {
  assert.equal(only(`magnet:?xt=urn:sha1:${ABC_SHA1}&dn=a+b.txt`).name, 'a b.txt');
  assert.equal(only(`magnet:?xt=urn:sha1:${ABC_SHA1}&dn=a%20b.txt`).name, 'a b.txt');
  assert.equal(only(`magnet:?xt=urn:sha1:${ABC_SHA1}&dn=caf%C3%A9%2B.txt`).name, 'café+.txt');
  assert.equal(only(`magnet:?xt=urn:sha1:${ABC_SHA1}&dn=bad%C3.txt`).name, 'bad\uFFFD.txt');
  assert.equal(only(`magnet:?xt=urn:sha1:${ABC_SHA1}&dn=100%`).name, '100%');
});

test('MAG-7 dn=../../etc/passwd becomes a plain name', () => {
  const m = only(`magnet:?xt=urn:sha1:${ABC_SHA1}&dn=../../etc/passwd`);
  assert.equal(m.name, '_.._etc_passwd');
  assert.equal(only(`magnet:?xt=urn:sha1:${ABC_SHA1}&dn=..%2F..%5Cx`).name, '_.._x');
});

test('xl: decimal only; negative or garbage sizes are ignored', () => {
  for (const [xl, size] of [
    ['26', 26],
    ['0', 0],
    ['-5', undefined],
    ['12abc', undefined],
    ['1e3', undefined],
    ['99999999999999999', undefined],
  ] as const) {
    assert.equal(only(`magnet:?xt=urn:sha1:${ABC_SHA1}&xl=${xl}`).size, size, xl);
  }
});

test('MAG-4 sources: http URLs as given, escaped ones decoded, push and GUIDs apart', () => {
  const m = only(
    [
      'magnet:?xs=http://1.2.3.4:6346/get/1/my%20file.txt',
      'as=http%3A%2F%2F5.6.7.8%3A80%2Fmirror%2Fa.txt',
      'xs=push://6a074979f3201edbf323b6425fef4a53:1.2.3.4:6346/uri-res/N2R?urn:sha1:X',
      `xs=urn:guid:${GUID_HEX.toUpperCase()}`,
      `xs=urn:guid:${GUID_HEX}`,
      'xs=urn:guid:nothex',
      'xs=ftp://1.2.3.4/a',
    ].join('&'),
  );
  assert.deepEqual(m.sources, [
    'http://1.2.3.4:6346/get/1/my%20file.txt',
    'http://5.6.7.8:80/mirror/a.txt',
  ]);
  assert.deepEqual(m.pushSources, [
    'push://6a074979f3201edbf323b6425fef4a53:1.2.3.4:6346/uri-res/N2R?urn:sha1:X',
  ]);
  assert.equal(m.serventIds.length, 1);
  assert.equal(Buffer.from(m.serventIds[0]!).toString('hex'), GUID_HEX);
});

test('§3: without an xt SHA-1, one named in a source URL is taken', () => {
  const m = only(`magnet:?xs=${N2R}`);
  assert.equal(b32(m.sha1), ABC_SHA1);
});

test('a magnet with no hash, source or keywords is dropped', () => {
  assert.deepEqual(magnets('magnet:?dn=foo.txt&xl=3'), []);
  assert.deepEqual(magnets('magnet:?'), []);
  assert.equal(magnets(`magnet:?dn=foo&xt.1=urn:sha1:${ABC_SHA1}`).length, 1);
});

test('the scheme and the size bounds are errors', () => {
  for (const [uri, code] of [
    ['http://example.com/?xt=urn:sha1:x', 'magnet-bad-scheme'],
    ['magnet:xt=urn:sha1:x', 'magnet-bad-scheme'],
    [`magnet:?dn=${'a'.repeat(8200)}`, 'magnet-too-long'],
    [`magnet:?${'kt=a&'.repeat(101)}`, 'magnet-too-many-pairs'],
  ] as const) {
    const result = parseMagnet(uri);
    assert.ok(!result.ok);
    assert.equal(result.error.code, code);
  }
  assert.ok(parseMagnet(`magnet:?${'kt=a&'.repeat(100)}`).ok);
});

test('MAG-7 safeFileName', () => {
  const cases: Array<[string, string]> = [
    ['alphabet.txt', 'alphabet.txt'],
    ['', 'download'],
    ['.', 'download'],
    ['..', 'download'],
    ['  . .hidden ', 'hidden'],
    ['a/b\\c', 'a_b_c'],
    ['a\u0000b\u0007c\u007f\u0085d', 'a_b_c__d'],
    ['tab\there', 'tab_here'],
    ['x\uD800y', 'x\uFFFDy'],
    ['emoji 😀.txt', 'emoji 😀.txt'],
  ];
  for (const [name, safe] of cases) assert.equal(safeFileName(name), safe, JSON.stringify(name));
  const long = safeFileName(`${'é'.repeat(300)}.mp3`);
  assert.ok(new TextEncoder().encode(long).length <= 255);
  assert.ok(long.endsWith('é.mp3'));
  const longNoExtension = safeFileName('😀'.repeat(100));
  assert.equal(longNoExtension, '😀'.repeat(63));
});

test('formatMagnet writes the LimeWire form and escapes dn', () => {
  const sha1 = only(`magnet:?xt=urn:sha1:${ABC_SHA1}`).sha1!;
  assert.equal(
    formatMagnet({ sha1, name: 'alphabet.txt', size: 26, sources: [N2R] }),
    `magnet:?xt=urn:sha1:${ABC_SHA1}&dn=alphabet.txt&xs=${N2R}&xl=26`,
  );
  const name = 'a b&c=d%e#f+g é.txt';
  const uri = formatMagnet({ sha1, name, size: 0, sources: ['http://1.2.3.4:1/get/0/a&b#c d'] });
  assert.ok(uri.includes('&dn=a%20b%26c%3Dd%25e%23f%2Bg%20%C3%A9.txt&'), uri);
  assert.ok(uri.includes('&xs=http://1.2.3.4:1/get/0/a%26b%23c%20d&'), uri);
  const back = only(uri);
  assert.equal(back.name, name);
  assert.equal(back.size, 0);
  assert.throws(() => formatMagnet({ sha1, name, size: -1 }), UsageError);
  assert.throws(() => formatMagnet({ sha1: sha1.subarray(1), name, size: 1 }), UsageError);
});

test('formatMagnet then parseMagnet gives back SHA-1, size, sources and the safe name', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 20, maxLength: 20 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      fc.array(fc.webUrl({ validSchemes: ['http'] }), { maxLength: 3 }),
      (sha1, name, size, sources) => {
        const m = only(formatMagnet({ sha1, name, size, sources }));
        assert.equal(sha1Urn(m.sha1!), sha1Urn(sha1));
        assert.equal(m.size, size);
        assert.equal(m.name, name.trim() === '' ? undefined : safeFileName(name));
        assert.equal(m.sources.length, new Set(sources).size);
      },
    ),
    { numRuns: UNIT_RUNS },
  );
});

test('MAG-1 parseMagnet never throws', () => {
  fc.assert(parseMagnetProperty(), { numRuns: UNIT_RUNS * 5 });
});
