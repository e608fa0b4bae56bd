import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  decodeUrlName,
  getTarget,
  n2rTarget,
  parseTarget,
  pushProxyTarget,
  type RequestTarget,
  urlEncodeName,
} from '../../src/core/http/index.js';
import { base32Decode } from '../../src/core/wire/base32.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { fromHex } from '../wire/hex.js';

// The 26-byte alphabet of http-transfers.md §12.
const SHA1_B32 = 'GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ';
const TTH_B32 = 'LMHNA2VYO465P2RDOGTR2CL6XKHZNI2X4CCUY5Y';
const SHA1 = (() => {
  const sha1 = base32Decode(SHA1_B32);
  assert.ok(sha1.ok);
  return sha1.value;
})();
// push.md §8.
const SERVENT = fromHex('FEDCBA9876543210FEDCBA9876543210');
const SERVENT_B32 = '73OLVGDWKQZBB7W4XKMHMVBSCA';

const kindOf = (target: string): RequestTarget['kind'] => parseTarget(target).kind;

test('parseTarget: N2R and N2X by SHA-1 in either case, or by bitprint (HTTP-1, HTTP-2)', () => {
  for (const target of [
    `/uri-res/N2R?urn:sha1:${SHA1_B32}`,
    `/uri-res/N2R?urn:sha1:${SHA1_B32.toLowerCase()}`,
    `/uri-res/N2R?URN:SHA1:${SHA1_B32}`,
    `/uri-res/N2R?urn:bitprint:${SHA1_B32}.${TTH_B32}`,
    `/uri-res/n2r?urn:bitprint:${SHA1_B32.toLowerCase()}.${TTH_B32.toLowerCase()}`,
  ]) {
    assert.deepEqual(parseTarget(target), { kind: 'n2r', sha1: SHA1 }, target);
  }
  assert.deepEqual(parseTarget(`/uri-res/N2X?urn:sha1:${SHA1_B32}`), { kind: 'n2x', sha1: SHA1 });
  // §12 C: well formed but not shared; the 404 is the library's answer (HTTP-3).
  assert.equal(kindOf('/uri-res/N2R?urn:sha1:GLIQY64M7FSXBSQEZY37FIM5QQSA2SAM'), 'n2r');
});

test('parseTarget: malformed URNs are 400 (HTTP-3)', () => {
  for (const target of [
    '/uri-res/N2R',
    '/uri-res/N2R?',
    '/uri-res/N2R?urn:sha1:',
    `/uri-res/N2R?urn:sha1:${SHA1_B32.slice(1)}`,
    `/uri-res/N2R?urn:sha1:${SHA1_B32}A`,
    `/uri-res/N2R?urn:sha1:${SHA1_B32.slice(1)}1`, // 1 is no base32 digit
    `/uri-res/N2R?urn:sha1:${SHA1_B32} `,
    `/uri-res/N2R?urn:bitprint:${SHA1_B32}.${TTH_B32.slice(1)}`,
    `/uri-res/N2R?urn:bitprint:${SHA1_B32}${TTH_B32}`,
    `/uri-res/N2R?urn:bitprint:${SHA1_B32}`,
    `/uri-res/N2R?urn:tree:tiger/:${TTH_B32}`,
    '/uri-res/N2R?urn:md5:0123456789abcdef',
    `/uri-res/N2R?sha1:${SHA1_B32}`,
    `/uri-res/N2X?urn:sha1:${SHA1_B32.slice(2)}`,
  ]) {
    assert.equal(kindOf(target), 'malformed', target);
  }
});

test('parseTarget: /get/<index>/<name>, %XX and + decoded (HTTP-4, §2)', () => {
  // §12 B: LimeWire's test name.
  assert.deepEqual(parseTarget('/get/0/alphabet%20test+file%232.txt'), {
    kind: 'get',
    index: 0,
    name: 'alphabet test file#2.txt',
  });
  assert.deepEqual(parseTarget('/get/2468/GnutellaProtocol04.pdf'), {
    kind: 'get',
    index: 2468,
    name: 'GnutellaProtocol04.pdf',
  });
  assert.deepEqual(parseTarget('/get/1/caf%C3%A9.txt'), {
    kind: 'get',
    index: 1,
    name: 'café.txt',
  });
  // Raw names: UTF-8 bytes as the latin1 head text carries them, and a raw blank.
  assert.deepEqual(parseTarget('/get/1/caf\xc3\xa9 2.txt'), {
    kind: 'get',
    index: 1,
    name: 'café 2.txt',
  });
  assert.deepEqual(parseTarget('/GET/4294967295/dir/a.txt'), {
    kind: 'get',
    index: 4294967295,
    name: 'dir/a.txt',
  });
});

test('parseTarget: malformed /get/ requests are 400', () => {
  for (const target of [
    '/get/',
    '/get/1',
    '/get//name',
    '/get/x/name',
    '/get/-1/name',
    '/get/+1/name',
    '/get/4294967296/name',
    '/get/1/',
    '/get/1/a%zz',
    '/get/1/a%2',
    '/get/1/a%',
    '/get/1/a%00b',
    '/get/1/a\u0100b',
  ]) {
    assert.equal(kindOf(target), 'malformed', target);
  }
});

test('parseTarget: traversal attempts give a literal name or no file form, never a path', () => {
  assert.deepEqual(parseTarget('/get/1/..%2F..%2Fetc%2Fpasswd'), {
    kind: 'get',
    index: 1,
    name: '../../etc/passwd',
  });
  assert.deepEqual(parseTarget('/get/1/../../x'), { kind: 'get', index: 1, name: '../../x' });
  for (const target of [
    '/../etc/passwd',
    '/get/../etc/passwd',
    '/uri-res/../etc/passwd',
    '/uri-res/N2R/../../etc/passwd',
    '//etc/passwd',
    '/%2e%2e/etc/passwd',
    '/get%2F1%2Fpasswd',
  ]) {
    assert.ok(['malformed', 'unknown'].includes(kindOf(target)), target);
  }
});

test('parseTarget: push-proxy requests, names in any case (push.md §6.4, PUSH-15)', () => {
  const plain = { kind: 'push-proxy', serventId: SERVENT, fileIndex: 0, tls: false };
  for (const target of [
    `/gnutella/push-proxy?ServerId=${SERVENT_B32}`,
    `/gnutella/push-proxy?ServerID=${SERVENT_B32}`, // LimeWire's client
    `/gnutella/push-proxy?serverid=${SERVENT_B32.toLowerCase()}`,
    `/gnutella/pushproxy?ServerId=${SERVENT_B32}`, // gtk-gnutella
    `/gnutella/push-proxy?ServerId=${SERVENT_B32}======`, // padded to 32
    `/gnutella/push-proxy?ServerId=${SERVENT_B32}%3D%3D%3D%3D%3D%3D`,
    `/gnutella/push-proxy?tls=false&ServerId=${SERVENT_B32}&ServerId=AAAAAAAAAAAAAAAAAAAAAAAAAA`,
    '/gnet/push-proxy?guid=FEDCBA9876543210FEDCBA9876543210',
    '/gnet/push-proxy?GUID=fedcba9876543210fedcba9876543210',
  ]) {
    assert.deepEqual(parseTarget(target), plain, target);
  }
  assert.deepEqual(parseTarget(`/gnutella/push-proxy?ServerId=${SERVENT_B32}&file=7&tls=true`), {
    ...plain,
    fileIndex: 7,
    tls: true,
  });
  assert.deepEqual(parseTarget(`/gnutella/pushproxy?FILE=3&ServerId=${SERVENT_B32}&TLS=TRUE`), {
    ...plain,
    fileIndex: 3,
    tls: true,
  });
});

test('parseTarget: push-proxy requests without a valid GUID or index are 400 (PUSH-15)', () => {
  for (const target of [
    '/gnutella/push-proxy',
    '/gnutella/push-proxy?',
    '/gnutella/push-proxy?file=1',
    '/gnutella/push-proxy?ServerId=',
    `/gnutella/push-proxy?ServerId=${SERVENT_B32.slice(1)}`,
    `/gnutella/push-proxy?ServerId=${SERVENT_B32}A`,
    `/gnutella/push-proxy?ServerId=${SERVENT_B32.slice(1)}1`,
    `/gnutella/push-proxy?ServerId=${SERVENT_B32}&file=x`,
    `/gnutella/push-proxy?ServerId=${SERVENT_B32}&file=-1`,
    `/gnutella/push-proxy?ServerId=${SERVENT_B32}%zz`,
    '/gnutella/push-proxy?guid=FEDCBA9876543210FEDCBA9876543210', // hex is the /gnet/ form
    '/gnet/push-proxy?guid=FEDCBA9876543210FEDCBA987654321',
    `/gnet/push-proxy?ServerId=${SERVENT_B32}`,
  ]) {
    assert.equal(kindOf(target), 'malformed', target);
  }
});

test('parseTarget: browse, and unknown forms (§2)', () => {
  assert.deepEqual(parseTarget('/'), { kind: 'browse' });
  for (const target of [
    '/index.html',
    '/?',
    `/uri-res/N2Xv?urn:sha1:${SHA1_B32}`, // §2: N2Xv was not found anywhere
    `/gnutella/thex/v1?urn:tree:tiger/:${TTH_B32}&depth=9&ed2k=0`,
    '*',
    'http://192.0.2.10:6346/',
    '',
  ]) {
    assert.equal(kindOf(target), 'unknown', target);
  }
});

test('urlEncodeName and decodeUrlName (HTTP-25)', () => {
  assert.equal(urlEncodeName('alphabet test file#2.txt'), 'alphabet%20test%20file%232.txt');
  assert.equal(urlEncodeName('café/..~_-.txt'), 'caf%C3%A9%2F..~_-.txt');
  assert.equal(urlEncodeName('a+b%c'), 'a%2Bb%25c');
  assert.equal(decodeUrlName('alphabet%20test+file%232.txt'), 'alphabet test file#2.txt');
  assert.equal(decodeUrlName('%e2%82%ac'), '€');
  assert.equal(decodeUrlName('%ff'), '\ufffd');
  assert.equal(decodeUrlName('a%g0'), undefined);
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (name) => {
      const encoded = urlEncodeName(name);
      assert.match(encoded, /^[A-Za-z0-9._~%-]*$/);
      assert.equal(decodeUrlName(encoded), name);
    }),
    { numRuns: UNIT_RUNS },
  );
});

test('n2rTarget, getTarget and pushProxyTarget write what parseTarget reads', () => {
  assert.equal(n2rTarget(SHA1), `/uri-res/N2R?urn:sha1:${SHA1_B32}`);
  assert.deepEqual(parseTarget(n2rTarget(SHA1)), { kind: 'n2r', sha1: SHA1 });
  assert.equal(getTarget(0, 'alphabet test file#2.txt'), '/get/0/alphabet%20test%20file%232.txt');
  assert.deepEqual(parseTarget(getTarget(0, 'alphabet test file#2.txt')), {
    kind: 'get',
    index: 0,
    name: 'alphabet test file#2.txt',
  });
  // push.md §8, spelled `ServerId` exactly (PUSH-15).
  assert.equal(pushProxyTarget(SERVENT), `/gnutella/push-proxy?ServerId=${SERVENT_B32}`);
  assert.equal(
    pushProxyTarget(SERVENT, 7, true),
    `/gnutella/push-proxy?ServerId=${SERVENT_B32}&file=7&tls=true`,
  );
  assert.deepEqual(parseTarget(pushProxyTarget(SERVENT, 7, true)), {
    kind: 'push-proxy',
    serventId: SERVENT,
    fileIndex: 7,
    tls: true,
  });
  assert.throws(() => n2rTarget(SHA1.subarray(1)), UsageError);
  assert.throws(() => getTarget(-1, 'a'), UsageError);
  assert.throws(() => pushProxyTarget(SERVENT.subarray(1)), UsageError);
});

test('property: parseTarget never throws; a /get/ name never holds NUL', () => {
  const targetLike = fc
    .tuple(
      fc.constantFrom('/get/', '/uri-res/N2R?', '/gnutella/push-proxy?', '/gnet/push-proxy?', '/'),
      fc.string(),
    )
    .map(([prefix, rest]) => prefix + rest);
  fc.assert(
    fc.property(fc.oneof(fc.string(), targetLike), (target) => {
      const parsed = parseTarget(target);
      if (parsed.kind === 'get') assert.ok(!parsed.name.includes('\0') && parsed.name !== '');
    }),
    { numRuns: UNIT_RUNS },
  );
});
