/**
 * What an incoming connection is, from its first bytes (core/inbound-kind.ts,
 * push.md §5): handshake, HTTP, GIV, connect-back, or nothing of ours.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { INBOUND_SNIFF_BYTES, type InboundKind, inboundKind } from '../src/core/inbound-kind.js';
import { UNIT_RUNS } from './fuzz-runs.js';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));
const kind = (text: string) => inboundKind(bytes(text));

const STARTS: Array<[string, InboundKind]> = [
  ['GNUTELLA CONNECT/0.6\r\nUser-Agent: x\r\n\r\n', 'gnutella'],
  ['GNUTELLA CONNECT/0.4\n\n', 'gnutella'],
  ['GET /uri-res/N2R?urn:sha1:GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ HTTP/1.1\r\n', 'http'],
  ['GET / HTTP/1.1\r\nAccept: application/x-gnutella-packets\r\n\r\n', 'http'],
  ['GET /get/1/a.txt HTTP/1.0\r\n', 'http'],
  ['HEAD /uri-res/N2R?urn:sha1:GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ HTTP/1.1\r\n', 'http'],
  ['POST / HTTP/1.1\r\n', 'http'],
  ['GIV 1:FEDCBA9876543210FEDCBA9876543210/file\n\n', 'giv'],
  ['GIV 0:fedcba9876543210fedcba9876543210/file\r\n\r\n', 'giv'],
  ['\n\n', 'connect-back'],
  ['\r\n\r\n', 'connect-back'],
  ['CONNECT BACK\r\n\r\n', 'connect-back'],
];

test('the kinds, from whole first lines and from exactly the prefix', () => {
  for (const [text, expected] of STARTS) {
    assert.equal(kind(text), expected, JSON.stringify(text));
    assert.equal(kind(text.slice(0, INBOUND_SNIFF_BYTES)), expected, JSON.stringify(text));
  }
  assert.equal(kind('GNUTELLA '), 'gnutella');
  assert.equal(kind('GET '), 'http');
  assert.equal(kind('HEAD '), 'http');
  assert.equal(kind('GIV '), 'giv');
  assert.equal(kind('CONNECT BACK'), 'connect-back');
});

test('byte by byte: undefined until the bytes decide, then the kind', () => {
  for (const [text, expected] of STARTS) {
    const head = bytes(text);
    let decidedAt: number | undefined;
    for (let n = 0; n <= head.length; n++) {
      const got = inboundKind(head.subarray(0, n));
      if (got === undefined) {
        assert.equal(decidedAt, undefined, `${JSON.stringify(text)}: undecided again at ${n}`);
        continue;
      }
      decidedAt ??= n;
      assert.equal(got, expected, `${JSON.stringify(text)} at ${n} bytes`);
    }
    assert.ok(decidedAt !== undefined && decidedAt <= INBOUND_SNIFF_BYTES, JSON.stringify(text));
  }
  assert.equal(kind(''), undefined);
  for (const prefix of [
    'G',
    'GE',
    'GET',
    'GI',
    'GIV',
    'GN',
    'GNUTELLA',
    'H',
    'HEA',
    'C',
    'CONNECT BAC',
  ]) {
    assert.equal(kind(prefix), undefined, prefix);
  }
  assert.equal(kind('\n'), undefined);
  assert.equal(kind('\r'), undefined);
  assert.equal(kind('\r\n\r'), undefined);
});

test('garbage and near misses are unknown as soon as no kind can match', () => {
  for (const text of [
    'X',
    'get / HTTP/1.1', // methods are case-sensitive
    'GETX',
    'GIVE',
    'GNUTELLA/0.6 200 OK',
    'HEADER',
    'CONNECT /',
    'QUEUE 0123 1.2.3.4:6346', // PARQ callbacks are not served
    '\n\r',
    '\r\r',
    ' GET /',
    '\x16\x03\x01\x02\x00', // a TLS ClientHello
    '\0\0\0\0',
  ]) {
    assert.equal(kind(text), 'unknown', JSON.stringify(text));
  }
});

test('property: the answer depends only on the first INBOUND_SNIFF_BYTES, and more bytes never change a decision', () => {
  const prefixes = STARTS.map(([text]) => bytes(text));
  const head = fc.oneof(
    fc.uint8Array({ maxLength: 30 }),
    fc
      .tuple(fc.constantFrom(...prefixes), fc.nat(30), fc.uint8Array({ maxLength: 10 }))
      .map(([p, cut, tail]) => Uint8Array.from([...p.subarray(0, cut), ...tail])),
  );
  fc.assert(
    fc.property(head, fc.uint8Array({ maxLength: 10 }), (start, more) => {
      const first = inboundKind(start);
      assert.equal(inboundKind(start.subarray(0, INBOUND_SNIFF_BYTES)), first);
      if (first !== undefined) {
        assert.equal(inboundKind(Uint8Array.from([...start, ...more])), first);
      }
      if (start.length >= INBOUND_SNIFF_BYTES) assert.notEqual(first, undefined);
    }),
    { numRuns: UNIT_RUNS },
  );
});
