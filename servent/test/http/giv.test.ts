import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  formatGiv,
  HeadReader,
  MAX_GIV_BYTES,
  parseGiv,
  parseResponseHead,
} from '../../src/core/http/index.js';
import { guidToHex } from '../../src/core/wire/guid.js';
import { decodeLatin1, encodeLatin1 } from '../../src/core/wire/text.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { concat, fromHex } from '../wire/hex.js';
import { GIV_CONNECTIONS, payloads } from './recordings.js';

const bytes = (text: string): Uint8Array => encodeLatin1('test text', text);
const text = (data: Uint8Array): string => decodeLatin1(data, 0, data.length);

// push.md §8: the firewalled servent FEDCBA98… answering a PUSH for index 7.
const SERVENT = fromHex('FEDCBA9876543210FEDCBA9876543210');
const GIV_8 = 'GIV 7:FEDCBA9876543210FEDCBA9876543210/file\n\n';

test("parseGiv reads gtk-gnutella's real GIV (lower-case hex), and the 200 after it on the same socket", () => {
  const expected = ['12d6310261622926a94d421b47418416', '125231022629c32fc8285c9692222609'];
  GIV_CONNECTIONS.forEach((file, i) => {
    const stream = concat(...payloads(file, 'initiator'));
    const giv = parseGiv(stream);
    assert.ok(giv.ok && giv.value, file);
    assert.equal(giv.value.index, 1);
    assert.equal(guidToHex(giv.value.serventId), expected[i]);
    assert.equal(giv.value.name, 'file');
    assert.equal(giv.value.length, 45);
    assert.equal(text(stream.subarray(0, giv.value.length)), `GIV 1:${expected[i]}/file\n\n`);

    const head = new HeadReader().push(stream.subarray(giv.value.length));
    assert.ok(head.ok && head.value);
    const response = parseResponseHead(head.value.head);
    assert.ok(response.ok);
    assert.equal(response.value.status, 200);
    assert.equal(response.value.headers.get('Content-Length'), '57');
    assert.equal(
      text(head.value.rest),
      'Hello from gtk-gnutella leaf B. This is test file alpha.\n',
    );
  });
});

test('formatGiv writes the push.md §8 line; parseGiv reads it back', () => {
  const line = formatGiv(7, SERVENT);
  assert.equal(text(line), GIV_8);
  const giv = parseGiv(concat(line, bytes('GET / HTTP/1.1\r\n')));
  assert.deepEqual(giv, {
    ok: true,
    value: { index: 7, serventId: SERVENT, name: 'file', length: GIV_8.length },
  });
});

test('parseGiv: CRLF and mixed line ends, any index, any name (PUSH-8)', () => {
  const hex = 'fedcba9876543210FEDCBA9876543210';
  for (const [line, index, name] of [
    [`GIV 7:${hex}/file\r\n\r\n`, 7, 'file'],
    [`GIV 7:${hex}/file\r\n\n`, 7, 'file'],
    [`GIV 7:${hex}/file\n\r\n`, 7, 'file'],
    [`GIV 0:${hex}/\n\n`, 0, ''],
    [`GIV 4294967295:${hex}/file\n\n`, 4294967295, 'file'],
    [`GIV 3:${hex}/My%20Song+2.mp3\n\n`, 3, 'My Song 2.mp3'],
    [`GIV 3:${hex}/100%/ sure\n\n`, 3, '100%/ sure'], // a bad escape: kept as sent
    [`GIV 3:${hex}/caf\xc3\xa9\n\n`, 3, 'café'],
  ] as const) {
    const giv = parseGiv(bytes(line));
    assert.ok(giv.ok && giv.value, JSON.stringify(line));
    assert.equal(giv.value.index, index);
    assert.deepEqual(giv.value.serventId, SERVENT);
    assert.equal(giv.value.name, name);
    assert.equal(giv.value.length, line.length);
  }
});

test('parseGiv: undefined while incomplete, at every cut of the line', () => {
  for (const line of [GIV_8, GIV_8.replaceAll('\n', '\r\n')]) {
    for (let cut = 0; cut < line.length; cut++) {
      assert.deepEqual(
        parseGiv(bytes(line.slice(0, cut))),
        { ok: true, value: undefined },
        `${cut}`,
      );
    }
  }
});

test('parseGiv: malformed GIVs are errors', () => {
  const hex = 'FEDCBA9876543210FEDCBA9876543210';
  for (const [line, code] of [
    ['GET / HTTP/1.1\r\n\r\n', 'giv-bad-line'],
    ['giv 7:x', 'giv-bad-line'],
    [`GIV 7:${hex}/file\nGET / HTTP/1.1\n\n`, 'giv-bad-line'], // no empty line
    [`GIV 7:${hex}/file\n\rX`, 'giv-bad-line'],
    [`GIV 7:${hex}\n\n`, 'giv-bad-line'], // no /name
    [`GIV x:${hex}/file\n\n`, 'giv-bad-line'],
    [`GIV :${hex}/file\n\n`, 'giv-bad-line'],
    [`GIV -1:${hex}/file\n\n`, 'giv-bad-line'],
    [`GIV 99999999999999999:${hex}/file\n\n`, 'giv-bad-line'],
    [`GIV 7:${hex.slice(1)}/file\n\n`, 'giv-bad-line'],
    [`GIV 7:${hex.slice(1)}g/file\n\n`, 'giv-bad-line'],
    [`GIV  7:${hex}/file\n\n`, 'giv-bad-line'],
    [`GIV 7:${'a'.repeat(2000)}`, 'giv-too-long'],
    [`GIV 7:${hex}/${'a'.repeat(MAX_GIV_BYTES)}\n\n`, 'giv-too-long'],
  ] as const) {
    const giv = parseGiv(bytes(line));
    assert.ok(!giv.ok, JSON.stringify(line.slice(0, 60)));
    assert.equal(giv.error.code, code, JSON.stringify(line.slice(0, 60)));
  }
});

test('formatGiv: names are URL-encoded, so any name is one line; misuse is a UsageError', () => {
  const giv = parseGiv(formatGiv(0, SERVENT, 'a b\n\nc/é.txt'));
  assert.ok(giv.ok && giv.value);
  assert.equal(giv.value.name, 'a b\n\nc/é.txt');
  assert.throws(() => formatGiv(-1, SERVENT), UsageError);
  assert.throws(() => formatGiv(2 ** 32, SERVENT), UsageError);
  assert.throws(() => formatGiv(1, SERVENT.subarray(0, 15)), UsageError);
});

test('property: parseGiv never throws, and a GIV it reads fits MAX_GIV_BYTES', () => {
  const givLike = fc
    .tuple(fc.nat(), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.string(), fc.uint8Array())
    .map(([index, id, name, tail]) =>
      concat(
        bytes(`GIV ${index}:${guidToHex(id)}/`),
        bytes(name.replace(/[^\x20-\x7e]/g, '')),
        bytes('\n\n'),
        tail,
      ),
    );
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 2000 }), givLike), (data) => {
      const giv = parseGiv(data);
      if (giv.ok && giv.value) assert.ok(giv.value.length <= Math.min(MAX_GIV_BYTES, data.length));
    }),
    { numRuns: UNIT_RUNS },
  );
});
