import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  canonicalHeaderName,
  formatBool,
  HeaderName,
  Headers,
} from '../../src/core/handshake/index.js';

// The first column of the header table in shared/spec/handshake.md §5, typed
// out independently of headers.ts.
const SPEC_SECTION_5 = [
  'User-Agent',
  'X-Ultrapeer',
  'X-Ultrapeer-Needed',
  'X-Try',
  'X-Try-Ultrapeers',
  'Listen-IP',
  'Remote-IP',
  'Accept-Encoding',
  'Content-Encoding',
  'X-Query-Routing',
  'X-Ultrapeer-Query-Routing',
  'X-Dynamic-Querying',
  'X-Ext-Probes',
  'X-Max-TTL',
  'X-Degree',
  'X-Leaf-Max',
  'Pong-Caching',
  'GGEP',
  'Vendor-Message',
  'Bye-Packet',
  'X-Requeries',
  'X-Locale-Pref',
  'X-Guess',
  'X-Version',
  'GUID',
  'X-Live-Since',
  'X-Token',
  'X-Features',
  'Uptime',
  'Machine',
  'Hops-Flow',
  'X-Hostname',
  'Crawler',
  'Accept',
  'Content-Type',
  'Upgrade',
  'Connection',
];

test('HeaderName has every canonical name of spec §5', () => {
  const names = new Set<string>(Object.values(HeaderName));
  for (const name of SPEC_SECTION_5) assert.ok(names.has(name), name);
});

test('canonicalHeaderName restores canonical spelling and keeps unknown names (HS-8)', () => {
  assert.equal(canonicalHeaderName('x-ultrapeer'), 'X-Ultrapeer');
  assert.equal(canonicalHeaderName('LISTEN-IP'), 'Listen-IP');
  assert.equal(canonicalHeaderName('ggep'), 'GGEP');
  assert.equal(canonicalHeaderName('x-max-ttl'), 'X-Max-TTL');
  assert.equal(canonicalHeaderName('X-Frobnicate'), 'X-Frobnicate');
  assert.equal(canonicalHeaderName('x-frobnicate'), 'x-frobnicate');
});

test('formatBool writes True/False (HS-13)', () => {
  assert.equal(formatBool(true), 'True');
  assert.equal(formatBool(false), 'False');
});

test('lookups ignore case (HS-7)', () => {
  const headers = Headers.of([['x-ultrapeer', 'false']]);
  assert.equal(headers.get('X-Ultrapeer'), 'false');
  assert.equal(headers.get('X-ULTRAPEER'), 'false');
  assert.ok(headers.has('X-Ultrapeer'));
  assert.ok(!headers.has('X-Ultrapeer-Needed'));
  assert.equal(headers.get('X-Ultrapeer-Needed'), undefined);
});

test('repeated names are joined with ", " in order; fields() keeps them apart', () => {
  const headers = Headers.of([
    ['X-Try', '1.2.3.4:6346'],
    ['User-Agent', 'a'],
    ['x-try', '5.6.7.8:6347'],
  ]);
  assert.equal(headers.get('X-Try'), '1.2.3.4:6346, 5.6.7.8:6347');
  assert.deepEqual(headers.fields(), [
    ['X-Try', '1.2.3.4:6346'],
    ['User-Agent', 'a'],
    ['x-try', '5.6.7.8:6347'],
  ]);
});

test('getBoolean reads True/False in any case and nothing else (HS-13)', () => {
  const headers = Headers.of([
    ['A', 'True'],
    ['B', 'true'],
    ['C', 'TRUE'],
    ['D', 'False'],
    ['E', 'fAlSe'],
    ['F', 'Yes'],
    ['G', ''],
  ]);
  assert.equal(headers.getBoolean('a'), true);
  assert.equal(headers.getBoolean('b'), true);
  assert.equal(headers.getBoolean('c'), true);
  assert.equal(headers.getBoolean('d'), false);
  assert.equal(headers.getBoolean('e'), false);
  assert.equal(headers.getBoolean('f'), undefined);
  assert.equal(headers.getBoolean('g'), undefined);
  assert.equal(headers.getBoolean('missing'), undefined);
});

test('getList splits on commas, trims and drops empty items', () => {
  const headers = Headers.of([
    ['Accept-Encoding', ' deflate , gzip,,'],
    ['accept-encoding', 'x-foo'],
  ]);
  assert.deepEqual(headers.getList('Accept-Encoding'), ['deflate', 'gzip', 'x-foo']);
  assert.deepEqual(headers.getList('Missing'), []);
});

test('toObject uses canonical names and joined values', () => {
  const headers = Headers.of([
    ['user-agent', 'gtk'],
    ['X-Frobnicate', '1'],
    ['x-try', 'a'],
    ['X-TRY', 'b'],
    ['__proto__', 'evil'],
  ]);
  const object = headers.toObject();
  assert.deepEqual(Object.keys(object), ['User-Agent', 'X-Frobnicate', 'X-Try', '__proto__']);
  assert.equal(object['User-Agent'], 'gtk');
  assert.equal(object['X-Try'], 'a, b');
  assert.equal(Object.getPrototypeOf(object), Object.prototype);
  assert.ok(Object.hasOwn(object, '__proto__'));
  assert.equal(Object.getOwnPropertyDescriptor(object, '__proto__')?.value, 'evil');
});

test('merged lets a later block override an earlier one name by name', () => {
  const block1 = Headers.of([
    ['X-Ultrapeer', 'True'],
    ['User-Agent', 'x'],
  ]);
  const block3 = Headers.of([
    ['x-ultrapeer', 'False'],
    ['Content-Encoding', 'deflate'],
  ]);
  const merged = block1.merged(block3);
  assert.equal(merged.get('X-Ultrapeer'), 'False');
  assert.equal(merged.get('User-Agent'), 'x');
  assert.equal(merged.get('Content-Encoding'), 'deflate');
  assert.equal(block1.get('X-Ultrapeer'), 'True', 'the original is unchanged');
});

test('Headers.of copies its input', () => {
  const fields: [string, string][] = [['A', '1']];
  const headers = Headers.of(fields);
  fields[0]![1] = '2';
  fields.push(['B', '3']);
  assert.equal(headers.get('A'), '1');
  assert.ok(!headers.has('B'));
});
