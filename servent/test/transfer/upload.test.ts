/**
 * What an uploader answers (core/transfer/upload.ts), request by request,
 * against a fake library: the 26-byte alphabet of http-transfers.md §12,
 * shared complete with a tree, and partial files as PFSP serves them (§9).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha1, sha1Urn, tigerTreeRoot } from '../../src/core/hash/index.js';
import { type HttpRequest, parseRequestHead } from '../../src/core/http/index.js';
import { IntervalSet } from '../../src/core/transfer/intervals.js';
import {
  answerUpload,
  type UploadAnswer,
  type UploadLookup,
  type UploadResource,
} from '../../src/core/transfer/upload.js';
import { base32Encode } from '../../src/core/wire/base32.js';
import { fromHex } from '../wire/hex.js';

const ALPHABET = new TextEncoder().encode('abcdefghijklmnopqrstuvwxyz');
// http-transfers.md §12 and §13: the alphabet's SHA-1 and TTH.
const SHA1_B32 = 'GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ';
const TTH_B32 = 'LMHNA2VYO465P2RDOGTR2CL6XKHZNI2X4CCUY5Y';
const NAME = 'alphabet test file#2.txt';

const COMPLETE: UploadResource = {
  index: 1,
  name: NAME,
  size: ALPHABET.length,
  sha1: sha1(ALPHABET),
  tigerRoot: tigerTreeRoot(ALPHABET),
};

// A file only partly downloaded: its own SHA-1 (another content), held 2..6 (`cdefg`, §9).
const PARTIAL_BYTES = new TextEncoder().encode('abcdefghijklmnopqrstuvwxyZ');
const partial = (...held: Array<[number, number]>): UploadResource => {
  const available = new IntervalSet();
  for (const [start, end] of held) available.add(start, end);
  return { name: 'partial.txt', size: PARTIAL_BYTES.length, sha1: sha1(PARTIAL_BYTES), available };
};

/** A library of the given resources, by index and by SHA-1. */
function lookupOf(...resources: UploadResource[]): UploadLookup {
  return {
    byIndex: (index) => resources.find((r) => r.index === index),
    bySha1: (digest) => resources.find((r) => Buffer.from(r.sha1).equals(Buffer.from(digest))),
  };
}

const LIBRARY = lookupOf(COMPLETE, partial([2, 7]));

function request(method: string, target: string, ...headers: string[]): HttpRequest {
  const head = [`${method} ${target} HTTP/1.1`, 'Host: 192.0.2.10:6346', ...headers, '', ''];
  const parsed = parseRequestHead(head.join('\r\n'));
  assert.ok(parsed.ok, `request head of ${target} parses`);
  return parsed.value;
}

const get = (target: string, ...headers: string[]): UploadAnswer =>
  answerUpload(request('GET', target, ...headers), LIBRARY);

const header = (answer: UploadAnswer, name: string): string | undefined =>
  'headers' in answer
    ? answer.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1]
    : undefined;

function assertFile(answer: UploadAnswer, status: 200 | 206, start: number, end: number) {
  assert.equal(answer.kind, 'file', JSON.stringify(answer));
  assert.ok(answer.kind === 'file');
  assert.equal(answer.status, status);
  assert.deepEqual(answer.range, { start, end });
  return answer;
}

function assertStatus(answer: UploadAnswer, status: number) {
  assert.equal(answer.kind, 'status', JSON.stringify(answer));
  assert.ok(answer.kind === 'status');
  assert.equal(answer.status, status);
  return answer;
}

/** The bytes a file answer serves, from the resource's content. */
const served = (answer: UploadAnswer, content: Uint8Array): string => {
  assert.ok(answer.kind === 'file');
  return Buffer.from(content.subarray(answer.range.start, answer.range.end)).toString('latin1');
};

const N2R = `/uri-res/N2R?urn:sha1:${SHA1_B32}`;

test('the fixture is the §12 alphabet: SHA-1 and TTH as the spec computes them', () => {
  assert.equal(sha1Urn(COMPLETE.sha1), `urn:sha1:${SHA1_B32}`);
  assert.equal(base32Encode(COMPLETE.tigerRoot!), TTH_B32);
});

test('N2R without Range: 200, the whole file, its URN and its THEX URI (HTTP-1, HTTP-12, HTTP-23)', () => {
  const answer = assertFile(get(N2R), 200, 0, 26);
  assert.equal(answer.resource, COMPLETE);
  assert.equal(header(answer, 'X-Gnutella-Content-URN'), `urn:sha1:${SHA1_B32}`);
  assert.equal(
    header(answer, 'X-Thex-URI'),
    `/uri-res/N2X?urn:sha1:${SHA1_B32};${TTH_B32}`,
    'the §12 A example',
  );
  assert.match(
    header(answer, 'X-Thex-URI')!,
    /^\/uri-res\/N2X\?urn:sha1:[A-Z2-7]{32};[A-Z2-7]{39}$/,
  );
  assert.equal(header(answer, 'Content-Range'), undefined, 'a 200 needs no Content-Range');
  assert.equal(header(answer, 'X-Available-Ranges'), undefined, 'a complete file');
});

test('N2R by lower-case base32 and by bitprint, in any case (HTTP-2)', () => {
  for (const target of [
    `/uri-res/N2R?urn:sha1:${SHA1_B32.toLowerCase()}`,
    `/uri-res/N2R?URN:SHA1:${SHA1_B32}`,
    `/uri-res/N2R?urn:bitprint:${SHA1_B32}.${TTH_B32}`,
    `/uri-res/N2R?urn:bitprint:${SHA1_B32.toLowerCase()}.${TTH_B32.toLowerCase()}`,
  ]) {
    const answer = assertFile(get(target), 200, 0, 26);
    assert.equal(answer.resource, COMPLETE, target);
  }
});

test('N2R: an unknown URN is 404, a malformed one 400 (HTTP-3)', () => {
  // §12 C: the last four characters changed.
  assertStatus(get('/uri-res/N2R?urn:sha1:GLIQY64M7FSXBSQEZY37FIM5QQSA2SAM'), 404);
  assertStatus(get(`/uri-res/N2R?urn:sha1:${'A'.repeat(32)}`), 404);
  for (const target of [
    '/uri-res/N2R?urn:sha1:AAAA', // too short
    `/uri-res/N2R?urn:sha1:${SHA1_B32}A`, // too long
    `/uri-res/N2R?urn:sha1:${SHA1_B32.slice(0, 31)}1`, // not base32
    `/uri-res/N2R?urn:bitprint:${SHA1_B32}.${TTH_B32.slice(1)}`, // bitprint of a bad length
    `/uri-res/N2R?urn:bitprint:${SHA1_B32}`,
    '/uri-res/N2R?urn:md5:0123456789abcdef0123456789abcdef',
    '/uri-res/N2R?',
    '/uri-res/N2R',
    `/uri-res/N2R?sha1:${SHA1_B32}`,
  ]) {
    assertStatus(get(target), 400);
  }
});

test('/get/<index>/<name>: served by index and URL-encoded name; wrong name or index is 404 (HTTP-4)', () => {
  // §2: `alphabet%20test+file%232.txt` is `alphabet test file#2.txt`.
  for (const target of [
    '/get/1/alphabet%20test+file%232.txt',
    '/get/1/alphabet%20test%20file%232.txt',
    '/get/1/alphabet+test+file%232.txt',
  ]) {
    const answer = assertFile(get(target), 200, 0, 26);
    assert.equal(answer.resource, COMPLETE);
    assert.equal(header(answer, 'X-Gnutella-Content-URN'), `urn:sha1:${SHA1_B32}`);
  }
  assertStatus(get('/get/1/other.txt'), 404);
  assertStatus(get('/get/1/ALPHABET%20test+file%232.txt'), 404);
  assertStatus(get('/get/2/alphabet%20test+file%232.txt'), 404);
  assertStatus(get('/get/0/alphabet%20test+file%232.txt'), 404);
  assertStatus(get('/get/4294967295/alphabet%20test+file%232.txt'), 404);
  // A partial file has no index: /get/ cannot reach it.
  assertStatus(get('/get/0/partial.txt'), 404);
  for (const target of ['/get/x/a.txt', '/get/1', '/get/1/', '/get/1/a%zz', '/get/1/a%00b']) {
    assertStatus(get(target), 400);
  }
});

test('path traversal never names a file (the library is looked up by index and URN only)', () => {
  const traversals = [
    '/get/1/..%2F..%2Fetc%2Fpasswd',
    '/get/1/../../etc/passwd',
    '/get/1/%2e%2e/%2e%2e/etc/passwd',
    `/get/1/..%2F${encodeURIComponent(NAME)}`,
    `/get/1/./${encodeURIComponent(NAME)}`,
    '/../etc/passwd',
    '/etc/passwd',
    '/uri-res/N2R?../../x',
    '/uri-res/../../etc/passwd',
    `/uri-res/N2R/../N2R?urn:sha1:${SHA1_B32}`,
    '/get/..%2F1/x',
  ];
  for (const target of traversals) {
    const answer = get(target);
    assert.ok(answer.kind === 'status', `${target}: ${JSON.stringify(answer)}`);
    assert.ok([400, 404].includes(answer.status), `${target}: ${answer.status}`);
  }
});

test('HEAD gets the same answer as GET (HTTP-5); other methods 501', () => {
  const targets = [
    N2R,
    '/get/1/alphabet%20test+file%232.txt',
    '/uri-res/N2R?urn:sha1:AAAA',
    `/uri-res/N2R?urn:sha1:${'A'.repeat(32)}`,
    `/uri-res/N2X?urn:sha1:${SHA1_B32}`,
  ];
  for (const target of targets) {
    for (const range of [[], ['Range: bytes=2-5'], ['Range: bytes=26-30'], ['Range: 2-5']]) {
      const viaGet = answerUpload(request('GET', target, ...range), LIBRARY);
      const viaHead = answerUpload(request('HEAD', target, ...range), LIBRARY);
      assert.deepEqual(viaHead, viaGet, `${target} ${range.join()}`);
    }
  }
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'get']) {
    const answer = assertStatus(answerUpload(request(method, N2R), LIBRARY), 501);
    assert.equal(answer.reason, 'Not Implemented');
  }
});

test('ranges: the §12 examples (HTTP-6, HTTP-8, HTTP-10)', () => {
  // §12 A: bytes=2-5 is `cdef`.
  const a = assertFile(get(N2R, 'Range: bytes=2-5'), 206, 2, 6);
  assert.equal(served(a, ALPHABET), 'cdef');
  assert.equal(header(a, 'Content-Range'), 'bytes 2-5/26');
  assert.equal(header(a, 'X-Gnutella-Content-URN'), `urn:sha1:${SHA1_B32}`);
  // §12 B: bytes=-5 is `vwxyz`.
  const b = assertFile(get('/get/1/alphabet%20test+file%232.txt', 'Range: bytes=-5'), 206, 21, 26);
  assert.equal(served(b, ALPHABET), 'vwxyz');
  assert.equal(header(b, 'Content-Range'), 'bytes 21-25/26');
  // §12 C: a start at the size is 416, with the size.
  const c = assertStatus(get(N2R, 'Range: bytes=26-30'), 416);
  assert.equal(header(c, 'Content-Range'), 'bytes */26');
  assert.equal(header(c, 'X-Gnutella-Content-URN'), `urn:sha1:${SHA1_B32}`, 'HTTP-12 on a 416');
  // §6: no unit is 400.
  assertStatus(get(N2R, 'Range: 2-5'), 400);
});

test('ranges: other spellings, clamping, the whole file as 200 (HTTP-6, HTTP-7, HTTP-10)', () => {
  const cases: Array<[string, 200 | 206, number, number]> = [
    ['bytes 2-5', 206, 2, 6],
    ['  bytes=  2  -  5 ', 206, 2, 6],
    ['bytes=20-100', 206, 20, 26],
    ['bytes=25-', 206, 25, 26],
    ['bytes=0-', 200, 0, 26],
    ['bytes=0-25', 200, 0, 26],
    ['bytes=0-99999999999999999999', 200, 0, 26],
    ['bytes=-26', 200, 0, 26],
    ['bytes=-100', 200, 0, 26],
    ['bytes=0-9,20-29', 206, 0, 10], // HTTP-9: one sub-range of the request
  ];
  for (const [range, status, start, end] of cases) {
    const answer = assertFile(get(N2R, `Range: ${range}`), status, start, end);
    const contentRange = header(answer, 'Content-Range');
    if (status === 206) assert.equal(contentRange, `bytes ${start}-${end - 1}/26`, range);
    else assert.equal(contentRange, undefined, range);
  }
  for (const range of ['bytes=26-', 'bytes=99999999999-', 'bytes=-0', 'bytes=30-40,50-60']) {
    const answer = assertStatus(get(N2R, `Range: ${range}`), 416);
    assert.equal(header(answer, 'Content-Range'), 'bytes */26', range);
  }
  for (const range of ['2-5', 'bytes=5-2', 'bytes=a-b', 'bytes=', 'bytes=-', 'items=2-5']) {
    assertStatus(get(N2R, `Range: ${range}`), 400);
  }
});

test('an empty file: 200 with nothing in it; any range 416', () => {
  const empty: UploadResource = { index: 3, name: 'empty', size: 0, sha1: sha1(new Uint8Array()) };
  const lookup = lookupOf(empty);
  const target = `/uri-res/N2R?${sha1Urn(empty.sha1)}`;
  assertFile(answerUpload(request('GET', target), lookup), 200, 0, 0);
  const answer = assertStatus(answerUpload(request('GET', target, 'Range: bytes=0-'), lookup), 416);
  assert.equal(header(answer, 'Content-Range'), 'bytes */0');
});

test('HTTP-13: a request naming another SHA-1 is 404, whatever the path said', () => {
  const other = 'urn:sha1:GLIQY64M7FSXBSQEZY37FIM5QQSA2SAM';
  for (const name of ['X-Gnutella-Content-URN', 'X-Content-URN', 'x-gnutella-content-urn']) {
    assertStatus(get(N2R, `${name}: ${other}`), 404);
    assertStatus(get('/get/1/alphabet%20test+file%232.txt', `${name}: ${other}`), 404);
  }
  assertStatus(get(N2R, `X-Gnutella-Content-URN: urn:bitprint:${other.slice(9)}.${TTH_B32}`), 404);
  // The right SHA-1, in any spelling, or among others, is served.
  for (const value of [
    `urn:sha1:${SHA1_B32}`,
    `urn:sha1:${SHA1_B32.toLowerCase()}`,
    `urn:bitprint:${SHA1_B32}.${TTH_B32}`,
    `${other}, urn:sha1:${SHA1_B32}`,
  ]) {
    assertFile(get(N2R, `X-Gnutella-Content-URN: ${value}`), 200, 0, 26);
  }
  // What is not a SHA-1 claims nothing.
  assertFile(get(N2R, 'X-Gnutella-Content-URN: urn:md5:abc'), 200, 0, 26);
});

const PARTIAL_N2R = `/uri-res/N2R?${sha1Urn(sha1(PARTIAL_BYTES))}`;

test('PFSP: the held part of the requested range, 206, with X-Available-Ranges (§9, HTTP-20, HTTP-21)', () => {
  // LimeWire's test (§9): held 2..6 (`cdefg`).
  const cases: Array<[string, string, number, number]> = [
    ['bytes=1-3', 'cd', 2, 4],
    ['bytes 1-3', 'cd', 2, 4],
    ['bytes=3-10', 'defg', 3, 7],
    ['bytes=0-20', 'cdefg', 2, 7],
    ['bytes=2-6', 'cdefg', 2, 7],
    ['bytes=4-4', 'e', 4, 5],
    ['bytes=-24', 'cdefg', 2, 7],
  ];
  for (const [range, text, start, end] of cases) {
    const answer = assertFile(get(PARTIAL_N2R, `Range: ${range}`), 206, start, end);
    assert.equal(served(answer, PARTIAL_BYTES), text, range);
    assert.equal(header(answer, 'Content-Range'), `bytes ${start}-${end - 1}/26`, range);
    assert.equal(header(answer, 'X-Available-Ranges'), 'bytes 2-6', range);
    assert.equal(header(answer, 'X-Thex-URI'), undefined, 'no tree for a partial file');
    assert.equal(header(answer, 'X-Gnutella-Content-URN'), sha1Urn(sha1(PARTIAL_BYTES)));
  }
});

test('PFSP: nothing held in range, or no Range at all, is 416 with X-Available-Ranges, never 503 (HTTP-21)', () => {
  for (const range of [['Range: bytes=0-1'], ['Range: bytes=7-25'], ['Range: bytes=-3'], []]) {
    const answer = assertStatus(get(PARTIAL_N2R, ...range), 416);
    assert.equal(header(answer, 'X-Available-Ranges'), 'bytes 2-6', range.join());
    assert.equal(header(answer, 'X-Gnutella-Content-URN'), sha1Urn(sha1(PARTIAL_BYTES)));
  }
  // Past the complete size it is the plain 416 of HTTP-8, with the list too.
  const past = assertStatus(get(PARTIAL_N2R, 'Range: bytes=26-'), 416);
  assert.equal(header(past, 'Content-Range'), 'bytes */26');
  assert.equal(header(past, 'X-Available-Ranges'), 'bytes 2-6');
});

test('PFSP: several held pieces; the first one inside the request is served', () => {
  const lookup = lookupOf(partial([2, 7], [10, 15], [20, 26]));
  const ask = (range: string) =>
    answerUpload(request('GET', PARTIAL_N2R, `Range: ${range}`), lookup);
  const answer = assertFile(ask('bytes=0-25'), 206, 2, 7);
  assert.equal(header(answer, 'X-Available-Ranges'), 'bytes 2-6, 10-14, 20-25');
  assertFile(ask('bytes=8-12'), 206, 10, 13);
  assertFile(ask('bytes=16-'), 206, 20, 26);
  assertStatus(ask('bytes=7-9'), 416);
});

test('PFSP: a long list is cut and X-Available gives the bytes held (HTTP-20)', () => {
  const held: Array<[number, number]> = [];
  for (let i = 0; i < 70; i++) held.push([i * 10, i * 10 + 5]);
  const size = 700;
  const resource: UploadResource = { ...partial(...held), size };
  const answer = assertFile(
    answerUpload(request('GET', PARTIAL_N2R, 'Range: bytes=0-'), lookupOf(resource)),
    206,
    0,
    5,
  );
  const list = header(answer, 'X-Available-Ranges')!;
  assert.equal(list.split(',').length, 64);
  assert.ok(list.startsWith('bytes 0-4, 10-14'));
  assert.equal(header(answer, 'X-Available'), `bytes ${70 * 5}`);
});

test('N2X: THEX for a complete file with a tree (HTTP-22); 404 for a partial file or no tree', () => {
  const answer = get(`/uri-res/N2X?urn:sha1:${SHA1_B32}`);
  assert.equal(answer.kind, 'thex');
  assert.ok(answer.kind === 'thex');
  assert.equal(answer.resource, COMPLETE);
  assert.equal(header(answer, 'X-Gnutella-Content-URN'), `urn:sha1:${SHA1_B32}`);
  // The URI X-Thex-URI gives is one we answer (HTTP-23).
  const uri = header(get(N2R), 'X-Thex-URI')!.split(';')[0]!;
  assert.equal(get(uri).kind, 'thex');
  assert.equal(get(`/uri-res/N2X?urn:bitprint:${SHA1_B32}.${TTH_B32}`).kind, 'thex');
  assert.equal(get(`/uri-res/N2X?urn:sha1:${SHA1_B32.toLowerCase()}`).kind, 'thex');
  // A partial file: no tree is served (§9, LimeWire).
  const partialThex = assertStatus(get(`/uri-res/N2X?${sha1Urn(sha1(PARTIAL_BYTES))}`), 404);
  assert.equal(header(partialThex, 'X-Gnutella-Content-URN'), sha1Urn(sha1(PARTIAL_BYTES)));
  // A complete file whose tree is not known: 404, and no X-Thex-URI on its answers.
  const noTree: UploadResource = { ...COMPLETE, tigerRoot: undefined };
  delete noTree.tigerRoot;
  const lookup = lookupOf(noTree);
  assertStatus(answerUpload(request('GET', `/uri-res/N2X?urn:sha1:${SHA1_B32}`), lookup), 404);
  const file = assertFile(answerUpload(request('GET', N2R), lookup), 200, 0, 26);
  assert.equal(header(file, 'X-Thex-URI'), undefined);
  // Unknown and malformed URNs as for N2R (HTTP-3).
  assertStatus(get(`/uri-res/N2X?urn:sha1:${'A'.repeat(32)}`), 404);
  assertStatus(get('/uri-res/N2X?urn:sha1:AAAA'), 400);
});

// push.md §8: base32 `73OLVGDWKQZBB7W4XKMHMVBSCA` is FEDCBA9876543210FEDCBA9876543210.
const SERVENT = fromHex('FEDCBA9876543210FEDCBA9876543210');

test('push-proxy requests are handed to the shell with the GUID and index (push.md §6.4, PUSH-15)', () => {
  for (const [target, fileIndex] of [
    ['/gnutella/push-proxy?ServerId=73OLVGDWKQZBB7W4XKMHMVBSCA', 0],
    ['/gnutella/push-proxy?ServerID=73OLVGDWKQZBB7W4XKMHMVBSCA&file=7', 7],
    ['/gnutella/pushproxy?serverid=73OLVGDWKQZBB7W4XKMHMVBSCA', 0],
    ['/gnet/push-proxy?guid=FEDCBA9876543210FEDCBA9876543210', 0],
    ['/gnet/push-proxy?guid=fedcba9876543210fedcba9876543210&file=3', 3],
  ] as const) {
    for (const method of ['GET', 'HEAD']) {
      const answer = answerUpload(request(method, target, 'X-Node: 198.51.100.7:6346'), LIBRARY);
      assert.deepEqual(answer, { kind: 'push-proxy', serventId: SERVENT, fileIndex }, target);
    }
  }
  for (const target of [
    '/gnutella/push-proxy?ServerId=73OLVGDW',
    '/gnutella/push-proxy?file=1',
    '/gnet/push-proxy?guid=XYZ',
  ]) {
    assertStatus(get(target), 400);
  }
});

test('browse and unknown paths are 404: nothing else is served', () => {
  for (const target of ['/', '/index.html', `/uri-res/N2Xv?urn:sha1:${SHA1_B32}`, '*']) {
    assertStatus(get(target, 'Accept: application/x-gnutella-packets'), 404);
  }
});
