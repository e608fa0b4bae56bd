import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  formatRequestHead,
  formatResponseHead,
  HeadReader,
  HttpHeaders,
  keepsAlive,
  MAX_HEAD_BYTES,
  MAX_HEADER_LINES,
  parseQueueHeaders,
  parseRequestHead,
  parseResponseHead,
  parseTarget,
} from '../../src/core/http/index.js';
import { decodeLatin1, encodeLatin1 } from '../../src/core/wire/text.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { concat } from '../wire/hex.js';
import { BARE_LF_CONNECTIONS, GTK_TO_GTK, HTTP_RESPONSES, payloads } from './recordings.js';

const bytes = (text: string): Uint8Array => encodeLatin1('test text', text);
const text = (data: Uint8Array): string => decodeLatin1(data, 0, data.length);
/** A head as the spec's listings show it, with CRLF line ends and the empty line. */
const crlf = (...lines: string[]): string => `${lines.join('\r\n')}\r\n\r\n`;

// http-transfers.md §12 A.
const REQUEST_A = crlf(
  'GET /uri-res/N2R?urn:sha1:GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ HTTP/1.1',
  'Host: 192.0.2.10:6346',
  'User-Agent: ExampleServent/0.1',
  'Range: bytes=2-5',
  'X-Gnutella-Content-URN: urn:sha1:GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ',
  'X-Alt: 198.51.100.7:6346, 203.0.113.9:24000',
  'X-Queue: 0.1',
  'X-Features: browse/1.0, queue/0.1, fwalt/0.1',
  'X-Node: 198.51.100.30:6346',
);
const RESPONSE_A = crlf(
  'HTTP/1.1 206 Partial Content',
  'Server: ExampleServent/0.1',
  'Content-Length: 4',
  'Content-Range: bytes 2-5/26',
  'X-Gnutella-Content-URN: urn:sha1:GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ',
  'X-Alt: 203.0.113.50, 198.51.100.99:6348',
  'X-Thex-URI: /uri-res/N2X?urn:sha1:GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ;LMHNA2VYO465P2RDOGTR2CL6XKHZNI2X4CCUY5Y',
  'X-Features: fwalt/0.1, browse/1.0',
);

/** Pushes `chunks` in order and collects every head, pushing `rest` again for the next one. */
function readHeads(
  reader: HeadReader,
  chunks: Uint8Array[],
): { heads: string[]; rest: Uint8Array } {
  const heads: string[] = [];
  let rest: Uint8Array = new Uint8Array(0);
  for (const chunk of chunks) {
    let pending = chunk;
    for (;;) {
      const result = reader.push(pending);
      assert.ok(result.ok, result.ok ? '' : result.error.message);
      if (!result.value) break;
      heads.push(result.value.head);
      rest = result.value.rest;
      pending = rest;
      if (pending.length === 0) break;
    }
  }
  return { heads, rest };
}

test('HeadReader: the §12 A exchange, whole or byte by byte, returns the head and the body after it', () => {
  const stream = bytes(`${RESPONSE_A}cdef`);
  const whole = new HeadReader().push(stream);
  assert.ok(whole.ok && whole.value);
  assert.equal(whole.value.head, RESPONSE_A.slice(0, -2));
  assert.equal(text(whole.value.rest), 'cdef');

  const reader = new HeadReader();
  for (let i = 0; i < stream.length; i++) {
    const result = reader.push(stream.subarray(i, i + 1));
    assert.ok(result.ok);
    if (result.value) {
      assert.equal(result.value.head, RESPONSE_A.slice(0, -2));
      assert.equal(i, RESPONSE_A.length - 1);
      return;
    }
  }
  assert.fail('no head');
});

test('HeadReader: LF, CRLF and mixed line ends all end a head', () => {
  for (const [stream, head] of [
    ['GET / HTTP/1.1\nHost: a\n\nBODY', 'GET / HTTP/1.1\nHost: a\n'],
    ['GET / HTTP/1.1\r\nHost: a\n\r\nBODY', 'GET / HTTP/1.1\r\nHost: a\n'],
    ['GET / HTTP/1.1\nHost: a\r\n\nBODY', 'GET / HTTP/1.1\nHost: a\r\n'],
  ] as const) {
    const result = new HeadReader().push(bytes(stream));
    assert.ok(result.ok && result.value, JSON.stringify(stream));
    assert.equal(result.value.head, head);
    assert.equal(text(result.value.rest), 'BODY');
    assert.ok(parseRequestHead(result.value.head).ok);
  }
});

test('HeadReader: blank lines before a request are skipped (§6 pipelining), and pipelined requests come one by one', () => {
  const second = crlf('GET /get/0/a.txt HTTP/1.1', 'Host: 192.0.2.10:6346');
  const { heads, rest } = readHeads(new HeadReader(), [bytes(`\r\n\n${REQUEST_A}\r\n${second}`)]);
  assert.deepEqual(heads, [REQUEST_A.slice(0, -2), second.slice(0, -2)]);
  assert.equal(rest.length, 0);
});

test('HeadReader: head-too-long past MAX_HEAD_BYTES, sticky; a head of exactly the limit passes', () => {
  const reader = new HeadReader();
  const first = reader.push(new Uint8Array(MAX_HEAD_BYTES).fill(0x41));
  assert.ok(first.ok && first.value === undefined);
  assert.equal(reader.buffered, MAX_HEAD_BYTES);
  const over = reader.push(bytes('A'));
  assert.ok(!over.ok);
  assert.equal(over.error.code, 'head-too-long');
  const again = reader.push(bytes('\r\n\r\n'));
  assert.ok(!again.ok && again.error.code === 'head-too-long');

  const line = 'GET / HTTP/1.1\r\nX: ';
  const exact = `${line}${'a'.repeat(MAX_HEAD_BYTES - line.length - 3)}\r\n\r\n`;
  const fits = new HeadReader().push(bytes(exact));
  assert.ok(fits.ok && fits.value);
});

test("HeadReader and parseResponseHead read gtk-gnutella's real 200 answers (Content-Length 340)", () => {
  for (const file of HTTP_RESPONSES) {
    const { heads, rest } = readHeads(new HeadReader(), payloads(file, 'responder'));
    assert.equal(heads.length, 1, file);
    const response = parseResponseHead(heads[0]!);
    assert.ok(response.ok, file);
    const { version, status, reason, headers } = response.value;
    assert.deepEqual([version, status, reason], ['1.1', 200, 'OK']);
    assert.equal(headers.get('content-length'), '340');
    assert.equal(rest.length, 340, `${file}: the recorded body follows the head`);
    assert.equal(
      headers.get('X-Gnutella-Content-URN'),
      'urn:sha1:K2XZ2AS3RN63R37KEA4W3R3I6D4HAKRR',
    );
    assert.equal(
      headers.get('x-thex-uri'),
      '/uri-res/N2X?urn:sha1:K2XZ2AS3RN63R37KEA4W3R3I6D4HAKRR;JV22LKQCC6E6V5C2OMGVGXIXHYM4F56NYPW2OPY',
    );
    assert.match(headers.get('Server') ?? '', /^gtk-gnutella\/1\.2\.3 /);
    // s05 and s08 answered a request carrying `Connection: close` and say so; s11 stays open.
    assert.equal(keepsAlive(version, headers), !headers.has('Connection'), file);
  }
});

test("parseRequestHead reads gtk-gnutella's real N2R request", () => {
  const { heads } = readHeads(new HeadReader(), payloads(GTK_TO_GTK, 'initiator'));
  const request = parseRequestHead(heads[0]!);
  assert.ok(request.ok);
  const { method, target, version, headers } = request.value;
  assert.deepEqual(
    [method, target, version],
    ['GET', '/uri-res/N2R?urn:sha1:K2XZ2AS3RN63R37KEA4W3R3I6D4HAKRR', '1.1'],
  );
  assert.equal(headers.get('host'), '127.0.0.1:6346');
  assert.equal(headers.get('X-Token'), 'aDvk8XYeiscm4uTEkvfxnSQGtqHQhhUpXrfd; 8iY=');
  assert.equal(parseTarget(target).kind, 'n2r');
  // `X-Queue: 1.1` in a request announces PARQ support; it is no queue status (§7).
  assert.equal(headers.get('X-Queue'), '1.1');
  assert.equal(parseQueueHeaders(headers), undefined);
  assert.ok(keepsAlive(version, headers));
});

test("HeadReader takes gtk-gnutella's bare two-LF connections as blank lines, not as a head", () => {
  for (const file of BARE_LF_CONNECTIONS) {
    const reader = new HeadReader();
    for (const chunk of payloads(file, 'initiator')) {
      assert.equal(text(chunk), '\n\n');
      const result = reader.push(chunk);
      assert.ok(result.ok && result.value === undefined, file);
    }
    assert.equal(reader.buffered, 0);
  }
});

test('parseRequestHead: the §12 A request, names looked up in any case', () => {
  const request = parseRequestHead(REQUEST_A.slice(0, -2));
  assert.ok(request.ok);
  assert.equal(request.value.method, 'GET');
  assert.equal(request.value.target, '/uri-res/N2R?urn:sha1:GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ');
  assert.equal(request.value.version, '1.1');
  assert.equal(request.value.headers.get('x-alt'), '198.51.100.7:6346, 203.0.113.9:24000');
  assert.equal(request.value.headers.get('RANGE'), 'bytes=2-5');
  assert.equal(request.value.headers.entries().length, 8);
});

test('parseRequestHead: versions, HEAD, raw names with spaces', () => {
  const cases: [string, string, string, string][] = [
    ['GET / HTTP/1.0', 'GET', '/', '1.0'],
    ['HEAD /get/1/a.txt HTTP/1.1', 'HEAD', '/get/1/a.txt', '1.1'],
    // A later 1.x reads as 1.1 (RFC 7230 §2.6).
    ['GET / HTTP/1.2', 'GET', '/', '1.1'],
    // A raw name (RFC draft: should be accepted, §2).
    ['GET /get/7/my song.mp3 HTTP/1.1', 'GET', '/get/7/my song.mp3', '1.1'],
    ['GET / HTTP/1.1  ', 'GET', '/', '1.1'],
  ];
  for (const [line, method, target, version] of cases) {
    const request = parseRequestHead(`${line}\r\n`);
    assert.ok(request.ok, line);
    assert.deepEqual(
      [request.value.method, request.value.target, request.value.version],
      [method, target, version],
    );
  }
});

test('parseRequestHead: unfolds continuation lines; repeated names join with ", "', () => {
  const request = parseRequestHead(
    'GET / HTTP/1.1\r\nX-Alt: 1.2.3.4:6346,\r\n  5.6.7.8\r\n\tx\r\nx-alt: 9.9.9.9\r\n',
  );
  assert.ok(request.ok);
  assert.equal(request.value.headers.get('X-Alt'), '1.2.3.4:6346, 5.6.7.8 x, 9.9.9.9');
  assert.deepEqual(request.value.headers.entries(), [
    ['X-Alt', '1.2.3.4:6346, 5.6.7.8 x'],
    ['x-alt', '9.9.9.9'],
  ]);
});

test('parseRequestHead: malformed heads are errors with a code, never throws', () => {
  const cases: [string, string][] = [
    ['', 'bad-request-line'],
    ['GET\r\n', 'bad-request-line'],
    ['GET /\r\n', 'bad-request-line'],
    ['GET  HTTP/1.1\r\n', 'bad-request-line'],
    ['G(T / HTTP/1.1\r\n', 'bad-request-line'],
    ['GET / HTTP/x\r\n', 'bad-request-line'],
    ['GNUTELLA CONNECT/0.6\r\n', 'bad-request-line'],
    ['GET / HTTP/2.0\r\n', 'bad-version'],
    ['GET / HTTP/0.9\r\n', 'bad-version'],
    ['GET / HTTP/1.1\r\n continued\r\n', 'bad-header-line'],
    ['GET / HTTP/1.1\r\nno colon here\r\n', 'bad-header-line'],
    ['GET / HTTP/1.1\r\n: empty name\r\n', 'bad-header-line'],
    ['GET / HTTP/1.1\r\nTwo Words: x\r\n', 'bad-header-line'],
    [`GET / HTTP/1.1\r\n${'X: y\r\n'.repeat(MAX_HEADER_LINES + 1)}`, 'too-many-headers'],
  ];
  for (const [head, code] of cases) {
    const request = parseRequestHead(head);
    assert.ok(!request.ok, JSON.stringify(head));
    assert.equal(request.error.code, code, JSON.stringify(head));
  }
  assert.ok(parseRequestHead(`GET / HTTP/1.1\r\n${'X: y\r\n'.repeat(MAX_HEADER_LINES)}`).ok);
});

test('parseResponseHead: the status lines of §12 A–E and push.md §8', () => {
  const cases: [string, number, string][] = [
    [RESPONSE_A, 206, 'Partial Content'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 26\r\n', 200, 'OK'],
    ['HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n', 404, 'Not Found'],
    [
      'HTTP/1.1 416 Requested Range Not Satisfiable\r\nContent-Range: bytes */26\r\n',
      416,
      'Requested Range Not Satisfiable',
    ],
    ['HTTP/1.1 416 Requested Range Unavailable\r\n', 416, 'Requested Range Unavailable'],
    ['HTTP/1.1 503 Service Unavailable\r\nConnection: Keep-Alive\r\n', 503, 'Service Unavailable'],
    ['HTTP/1.1 503 Queued\r\nRetry-After: 290\r\n', 503, 'Queued'],
    ['HTTP/1.1 202 Message sent\r\n', 202, 'Message sent'],
    ['HTTP/1.1 410 Servent not connected\r\n', 410, 'Servent not connected'],
    ['HTTP/1.0 200\r\n', 200, ''],
  ];
  for (const [head, status, reason] of cases) {
    const response = parseResponseHead(head);
    assert.ok(response.ok, head);
    assert.equal(response.value.status, status);
    assert.equal(response.value.reason, reason);
  }
});

test('parseResponseHead: folded response headers are unfolded (§1)', () => {
  const response = parseResponseHead(
    'HTTP/1.1 200 OK\r\nX-Alt: 1.2.3.4:6346,\r\n 5.6.7.8:6347\r\nContent-Length: 0\r\n',
  );
  assert.ok(response.ok);
  assert.equal(response.value.headers.get('X-Alt'), '1.2.3.4:6346, 5.6.7.8:6347');
  assert.equal(response.value.headers.get('Content-Length'), '0');
});

test('parseResponseHead: malformed status lines', () => {
  for (const [head, code] of [
    ['', 'bad-status-line'],
    ['HTTP/1.1 20 OK\r\n', 'bad-status-line'],
    ['HTTP/1.1 2000 OK\r\n', 'bad-status-line'],
    ['HTTP/1.1 OK\r\n', 'bad-status-line'],
    ['ICY 200 OK\r\n', 'bad-status-line'],
    ['HTTP/3.0 200 OK\r\n', 'bad-version'],
    ['HTTP/1.1 200 OK\r\n\tfolded first\r\n', 'bad-header-line'],
  ] as const) {
    const response = parseResponseHead(head);
    assert.ok(!response.ok, head);
    assert.equal(response.error.code, code, head);
  }
});

test('formatResponseHead and formatRequestHead write HTTP/1.1 with CRLF, and parse back', () => {
  const head = formatResponseHead(206, 'Partial Content', [
    ['Server', 'ExampleServent/0.1'],
    ['Content-Length', '4'],
    ['Content-Range', 'bytes 2-5/26'],
    ['X-Gnutella-Content-URN', 'urn:sha1:GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ'],
    ['X-Alt', '203.0.113.50, 198.51.100.99:6348'],
    [
      'X-Thex-URI',
      '/uri-res/N2X?urn:sha1:GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ;LMHNA2VYO465P2RDOGTR2CL6XKHZNI2X4CCUY5Y',
    ],
    ['X-Features', 'fwalt/0.1, browse/1.0'],
  ]);
  assert.equal(text(head), RESPONSE_A);

  const fields: [string, string][] = [
    ['Host', '192.0.2.10:6346'],
    ['User-Agent', 'ExampleServent/0.1'],
    ['Range', 'bytes=-5'],
  ];
  const request = formatRequestHead('GET', '/get/0/alphabet%20test+file%232.txt', fields);
  const read = new HeadReader().push(request);
  assert.ok(read.ok && read.value && read.value.rest.length === 0);
  const parsed = parseRequestHead(read.value.head);
  assert.ok(parsed.ok);
  assert.equal(parsed.value.target, '/get/0/alphabet%20test+file%232.txt');
  assert.deepEqual(parsed.value.headers.entries(), fields);
});

test('format*Head refuse, as our bug, what would break or inject lines', () => {
  const misuse: (() => unknown)[] = [
    () => formatResponseHead(200, 'OK', [['X-Evil\r\nInjected', 'x']]),
    () => formatResponseHead(200, 'OK', [['X-Alt', '1.2.3.4\r\nX-Injected: 1']]),
    () => formatResponseHead(200, 'OK', [['X-Alt', 'a\nb']]),
    () => formatResponseHead(200, 'OK', [['', 'x']]),
    () => formatResponseHead(200, 'OK\r\nX: y', []),
    () => formatResponseHead(99, 'Low', []),
    () => formatResponseHead(200.5, 'OK', []),
    () => formatRequestHead('GET', '/get/1/a b', []),
    () => formatRequestHead('GET', '/\r\nX: y', []),
    () => formatRequestHead('GET', '', []),
    () => formatRequestHead('G T', '/', []),
    () => formatRequestHead('GET', '/', [['Name', 'caf\u20ac']]),
  ];
  for (const call of misuse) assert.throws(call, UsageError);
});

test('keepsAlive (HTTP-11): 1.1 unless close, 1.0 only with Keep-Alive', () => {
  const cases: [version: '1.0' | '1.1', connection: string | undefined, alive: boolean][] = [
    ['1.1', undefined, true],
    ['1.1', 'close', false],
    ['1.1', 'Close', false],
    ['1.1', 'Keep-Alive', true],
    ['1.1', 'TE, close', false],
    ['1.0', undefined, false],
    ['1.0', 'Keep-Alive', true],
    ['1.0', 'keep-alive', true],
    ['1.0', 'close', false],
  ];
  for (const [version, connection, alive] of cases) {
    const headers = HttpHeaders.from(connection === undefined ? [] : [['Connection', connection]]);
    assert.equal(keepsAlive(version, headers), alive, `${version} ${connection}`);
  }
});

test('HttpHeaders: case-insensitive, ordered, repeated names joined', () => {
  const headers = HttpHeaders.from([
    ['X-NAlt', '1.2.3.4'],
    ['Content-Length', '0'],
    ['X-Nalt', '5.6.7.8:6347'],
  ]);
  assert.equal(headers.get('x-nalt'), '1.2.3.4, 5.6.7.8:6347');
  assert.ok(headers.has('CONTENT-LENGTH'));
  assert.equal(headers.get('Retry-After'), undefined);
  assert.ok(!headers.has('Retry-After'));
  assert.deepEqual(
    headers.entries().map(([name]) => name),
    ['X-NAlt', 'Content-Length', 'X-Nalt'],
  );
});

// Bytes biased towards line ends, so that heads do complete.
const streamByte = fc.oneof(
  fc.constantFrom(0x0a, 0x0d, 0x20, 0x3a, 0x41, 0x09),
  fc.integer({ min: 0, max: 255 }),
);
const chunks = fc.array(
  fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.array(streamByte, { maxLength: 64 }).map((b) => Uint8Array.from(b)),
    fc.uint8Array({ minLength: 4000, maxLength: 9000 }),
  ),
  { maxLength: 12 },
);

test('property: HeadReader never throws, never holds more than MAX_HEAD_BYTES, and its heads never throw the parsers', () => {
  fc.assert(
    fc.property(chunks, (parts) => {
      const reader = new HeadReader();
      for (const part of parts) {
        let pending: Uint8Array = part;
        for (;;) {
          const result = reader.push(pending);
          assert.ok(reader.buffered <= MAX_HEAD_BYTES);
          if (!result.ok || !result.value) break;
          parseRequestHead(result.value.head);
          parseResponseHead(result.value.head);
          pending = result.value.rest;
        }
      }
    }),
    { numRuns: UNIT_RUNS },
  );
});

test('property: how the stream is cut into chunks does not change the heads read', () => {
  const stream = bytes(`\r\n${REQUEST_A}GET / HTTP/1.0\nConnection: Keep-Alive\n\n${REQUEST_A}`);
  const expected = readHeads(new HeadReader(), [stream]).heads;
  assert.equal(expected.length, 3);
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 20 }),
      (cuts) => {
        const bounds = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const parts = bounds.slice(1).map((end, i) => stream.subarray(bounds[i], end));
        assert.deepEqual(readHeads(new HeadReader(), parts).heads, expected);
      },
    ),
    { numRuns: UNIT_RUNS },
  );
  // The same bytes in one piece, then as a concatenation of single bytes.
  const single = [...stream].map((b) => Uint8Array.of(b));
  assert.deepEqual(readHeads(new HeadReader(), single).heads, expected);
  assert.deepEqual(readHeads(new HeadReader(), [concat(...single)]).heads, expected);
});
