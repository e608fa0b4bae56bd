import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  BlockReader,
  type BlockReadResult,
  DEFAULT_LIMITS,
  formatBlock,
  parseHostList,
} from '../../src/core/handshake/index.js';
import { bareLf, bytesOf, concat, readBlock, text } from './support.js';
import {
  GTK_DEFLATE_CONFIRM,
  GTK_LEAF_REQUEST,
  GTK_UP_RESPONSE,
  SPEC_BLOCK_1,
  SPEC_BLOCK_3,
  SPEC_DEFLATED_PING,
  SPEC_FOLDED_503,
} from './vectors.js';

const errorCode = (result: BlockReadResult): string | undefined =>
  result.kind === 'error' ? result.error.code : undefined;

/** Splits `bytes` at the given cut points. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  return chunks;
}

test('DEFAULT_LIMITS read as liberally as gtk-gnutella', () => {
  assert.deepEqual(DEFAULT_LIMITS, {
    maxLineBytes: 1024,
    maxHeaderLines: 128,
    maxBlockBytes: 16384,
  });
});

test('spec §10 block (1) parses field by field', () => {
  const block = readBlock(SPEC_BLOCK_1);
  assert.equal(block.firstLine, 'GNUTELLA CONNECT/0.6');
  assert.equal(block.byteLength, 285);
  assert.equal(block.bareLf, false);
  assert.equal(block.continuationLines, 0);
  assert.equal(block.ignoredLines, 0);
  assert.deepEqual(block.raw, SPEC_BLOCK_1);
  assert.equal(block.rest.length, 0);
  assert.deepEqual(block.headers.fields(), [
    ['User-Agent', 'ExampleServent/0.1'],
    ['X-Ultrapeer', 'False'],
    ['X-Query-Routing', '0.1'],
    ['Listen-IP', '198.51.100.7:6346'],
    ['Remote-IP', '203.0.113.5'],
    ['Accept-Encoding', 'deflate'],
    ['GGEP', '0.5'],
    ['Vendor-Message', '0.2'],
    ['Pong-Caching', '0.1'],
    ['Bye-Packet', '0.1'],
    ['X-Requeries', 'False'],
    ['X-Locale-Pref', 'en'],
  ]);
});

test('spec §10 folded 503 yields exactly the four hosts (HS-9)', () => {
  const block = readBlock(SPEC_FOLDED_503);
  assert.equal(block.firstLine, 'GNUTELLA/0.6 503 Too many leaf connections (32 max)');
  assert.equal(block.continuationLines, 1);
  const value = block.headers.get('X-Try-Ultrapeers');
  assert.equal(value, '192.0.2.10:6346, 192.0.2.11:6347, 192.0.2.12:6346, 192.0.2.13:6348');
  assert.deepEqual(parseHostList(value!), [
    { host: '192.0.2.10', port: 6346 },
    { host: '192.0.2.11', port: 6347 },
    { host: '192.0.2.12', port: 6346 },
    { host: '192.0.2.13', port: 6348 },
  ]);
});

test('a gtk-gnutella block (2) parses with every header (recording plain s00)', () => {
  const block = readBlock(GTK_UP_RESPONSE);
  assert.equal(block.firstLine, 'GNUTELLA/0.6 200 OK');
  assert.equal(block.byteLength, 571);
  assert.equal(block.headers.fields().length, 20);
  assert.equal(
    block.headers.get('user-agent'),
    'gtk-gnutella/1.2.3 (2024-03-03; Topless; Linux x86_64)',
  );
  assert.equal(block.headers.getBoolean('X-Ultrapeer'), true);
  assert.equal(block.headers.getBoolean('X-Ultrapeer-Needed'), true);
  assert.equal(block.headers.get('X-Token'), 'aDvkoW5KSmz16iBKJMq+ObxSQoNGdlPvqnex; Z9w=');
  assert.deepEqual(block.headers.getList('X-Features'), ['browse/1.0', 'sflag/0.1', 'HSEP/0.2']);
});

test('bare LF line ends read the same as CRLF (HS-12)', () => {
  const crlf = readBlock(SPEC_BLOCK_1);
  const lf = readBlock(bareLf(SPEC_BLOCK_1));
  assert.equal(lf.bareLf, true);
  assert.equal(lf.byteLength, 285 - 14);
  assert.equal(lf.firstLine, crlf.firstLine);
  assert.deepEqual(lf.headers.fields(), crlf.headers.fields());
});

test('mixed line ends and the 0.4 CONNECT with LF LF', () => {
  const block = readBlock(bytesOf('GNUTELLA CONNECT/0.6\nA: 1\r\nB: 2\n\r\n'));
  assert.equal(block.bareLf, true);
  assert.deepEqual(block.headers.fields(), [
    ['A', '1'],
    ['B', '2'],
  ]);
  const legacy = readBlock(bytesOf('GNUTELLA CONNECT/0.4\n\n'));
  assert.equal(legacy.firstLine, 'GNUTELLA CONNECT/0.4');
  assert.equal(legacy.headers.fields().length, 0);
});

test('continuation lines fold with one space, SP or HT, several in a row (HS-9)', () => {
  const block = readBlock(
    bytesOf(
      'GNUTELLA/0.6 503 Busy\r\nX-Try: 1.1.1.1:1,\r\n\t2.2.2.2:2,\r\n   3.3.3.3:3\r\nB: x\r\n\r\n',
    ),
  );
  assert.equal(block.continuationLines, 2);
  assert.equal(block.headers.get('X-Try'), '1.1.1.1:1, 2.2.2.2:2, 3.3.3.3:3');
  assert.equal(block.headers.get('B'), 'x');
});

test('a continuation before any header is malformed (HS-9)', () => {
  const result = new BlockReader().write(bytesOf('GNUTELLA CONNECT/0.6\r\n\tfoo\r\n\r\n'));
  assert.equal(errorCode(result), 'malformed-header');
  assert.equal(result.kind === 'error' && result.error.clause, 'HS-9');
});

test('lines without a colon or a name are ignored, as LimeWire does', () => {
  const block = readBlock(
    bytesOf('GNUTELLA CONNECT/0.6\r\nno colon here\r\n: nameless\r\nA: 1\r\n\r\n'),
  );
  assert.equal(block.ignoredLines, 2);
  assert.deepEqual(block.headers.fields(), [['A', '1']]);
});

test('names and values are trimmed; a value may contain colons', () => {
  const block = readBlock(
    bytesOf('GNUTELLA CONNECT/0.6\r\nUser-Agent :  x: y \t\r\nEmpty:\r\n\r\n'),
  );
  assert.deepEqual(block.headers.fields(), [
    ['User-Agent', 'x: y'],
    ['Empty', ''],
  ]);
});

test('repeated headers are joined; lookup is case-insensitive (HS-7)', () => {
  const block = readBlock(
    bytesOf(
      'GNUTELLA/0.6 503 x\r\nx-try: 1.1.1.1:1\r\nX-TRY: 2.2.2.2:2\r\nx-ultrapeer: false\r\n\r\n',
    ),
  );
  assert.equal(block.headers.get('X-Try'), '1.1.1.1:1, 2.2.2.2:2');
  assert.equal(block.headers.getBoolean('X-Ultrapeer'), false);
});

test('block (3) and a message in one chunk: rest is exactly the message (HS-6)', () => {
  const reader = new BlockReader();
  const result = reader.write(concat(SPEC_BLOCK_3, SPEC_DEFLATED_PING));
  assert.equal(result.kind, 'block');
  if (result.kind !== 'block') return;
  assert.equal(result.block.byteLength, 50);
  assert.equal(result.block.headers.get('Content-Encoding'), 'deflate');
  assert.deepEqual(result.rest, SPEC_DEFLATED_PING);
  assert.deepEqual(result.block.raw, SPEC_BLOCK_3);
});

test('byte-at-a-time feeding gives the same block and rest', () => {
  const whole = concat(GTK_DEFLATE_CONFIRM, SPEC_DEFLATED_PING);
  const reader = new BlockReader();
  let found: BlockReadResult | undefined;
  let index = 0;
  for (; index < whole.length; index++) {
    const result = reader.write(whole.subarray(index, index + 1));
    if (result.kind !== 'incomplete') {
      found = result;
      break;
    }
  }
  assert.equal(found?.kind, 'block');
  assert.equal(index, GTK_DEFLATE_CONFIRM.length - 1);
  if (found?.kind !== 'block') return;
  assert.deepEqual(found.block.raw, GTK_DEFLATE_CONFIRM);
  assert.deepEqual(found.block.headers.fields(), [
    ['Connection', 'Upgrade'],
    ['Content-Encoding', 'deflate'],
  ]);
});

test('property: any split into chunks parses the same as the whole', () => {
  const whole = concat(GTK_LEAF_REQUEST, SPEC_DEFLATED_PING);
  const expected = readBlock(whole);
  fc.assert(
    fc.property(fc.array(fc.nat(whole.length), { maxLength: 40 }), (cuts) => {
      const chunks = split(whole, cuts);
      const reader = new BlockReader();
      let result: BlockReadResult = { kind: 'incomplete' };
      let rest: Uint8Array[] = [];
      for (const chunk of chunks) {
        if (result.kind === 'block') rest.push(chunk);
        else {
          result = reader.write(chunk);
          if (result.kind === 'block') rest = [result.rest];
        }
      }
      assert.equal(result.kind, 'block');
      if (result.kind !== 'block') return;
      assert.deepEqual(result.block.headers.fields(), expected.headers.fields());
      assert.deepEqual(result.block.raw, GTK_LEAF_REQUEST);
      assert.deepEqual(concat(...rest), SPEC_DEFLATED_PING);
    }),
  );
});

test('property: arbitrary bytes in arbitrary chunks never throw', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
      fc.record({
        maxLineBytes: fc.integer({ min: 1, max: 200 }),
        maxHeaderLines: fc.integer({ min: 0, max: 10 }),
        maxBlockBytes: fc.integer({ min: 1, max: 2000 }),
      }),
      (chunks, limits) => {
        const reader = new BlockReader(limits);
        for (const chunk of chunks) {
          const result = reader.write(chunk);
          assert.ok(['incomplete', 'block', 'error'].includes(result.kind));
          if (result.kind === 'block') assert.ok(result.block.byteLength <= limits.maxBlockBytes);
        }
      },
    ),
  );
});

test('property: blocks we format read back to the same canonical fields', () => {
  const name = fc.stringMatching(/^[A-Za-z0-9.-]{1,20}$/);
  const value = fc.stringMatching(/^[\x20-\x7e]{0,60}$/).map((v) => v.trim());
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(name, value), { maxLength: 30, selector: ([n]) => n.toLowerCase() }),
      (fields) => {
        const block = readBlock(formatBlock('GNUTELLA/0.6 200 OK', fields));
        assert.equal(block.headers.fields().length, fields.length);
        for (const [n, v] of fields) assert.equal(block.headers.get(n), v);
      },
    ),
  );
});

test('a line of maxLineBytes is read; one byte more is line-too-long', () => {
  const line = (length: number) => `X-Long: ${'a'.repeat(length - 8)}`;
  const ok = readBlock(bytesOf(`GNUTELLA CONNECT/0.6\r\n${line(1024)}\r\n\r\n`));
  assert.equal(ok.headers.get('X-Long')?.length, 1016);
  const okLf = readBlock(bytesOf(`GNUTELLA CONNECT/0.6\n${line(1024)}\n\n`));
  assert.equal(okLf.headers.get('X-Long')?.length, 1016);
  for (const ending of ['\r\n', '\n']) {
    const result = new BlockReader().write(
      bytesOf(`GNUTELLA CONNECT/0.6\r\n${line(1025)}${ending}\r\n`),
    );
    assert.equal(errorCode(result), 'line-too-long', JSON.stringify(ending));
  }
});

test('line-too-long is found before the line ends, however long the input', () => {
  const reader = new BlockReader();
  const chunk = new Uint8Array(100).fill(0x61);
  let result: BlockReadResult = { kind: 'incomplete' };
  let fed = 0;
  while (result.kind === 'incomplete' && fed < 1_000_000) {
    result = reader.write(chunk);
    fed += chunk.length;
  }
  assert.equal(errorCode(result), 'line-too-long');
  assert.ok(fed <= 1100);
});

test('more than maxHeaderLines lines is too-many-headers', () => {
  const lines = (count: number) =>
    Array.from({ length: count }, (_, i) => `X-H${i}: ${i}\r\n`).join('');
  const ok = readBlock(bytesOf(`GNUTELLA CONNECT/0.6\r\n${lines(128)}\r\n`));
  assert.equal(ok.headers.fields().length, 128);
  const result = new BlockReader().write(bytesOf(`GNUTELLA CONNECT/0.6\r\n${lines(129)}\r\n`));
  assert.equal(errorCode(result), 'too-many-headers');
});

test('continuation lines count toward maxHeaderLines', () => {
  const result = new BlockReader({ maxHeaderLines: 2 }).write(
    bytesOf('GNUTELLA CONNECT/0.6\r\nA: 1\r\n 2\r\n 3\r\n\r\n'),
  );
  assert.equal(errorCode(result), 'too-many-headers');
});

test('a block over maxBlockBytes is block-too-large, without buffering past the limit', () => {
  const reader = new BlockReader({ maxHeaderLines: 10_000 });
  assert.equal(reader.write(bytesOf('GNUTELLA CONNECT/0.6\r\n')).kind, 'incomplete');
  const line = bytesOf(`X-Pad: ${'p'.repeat(90)}\r\n`);
  let result: BlockReadResult = { kind: 'incomplete' };
  let fed = 22;
  while (result.kind === 'incomplete') {
    result = reader.write(line);
    fed += line.length;
  }
  assert.equal(errorCode(result), 'block-too-large');
  assert.ok(fed > 16384 && fed <= 16384 + line.length);
  const exact = new BlockReader({ maxBlockBytes: SPEC_BLOCK_1.length }).write(SPEC_BLOCK_1);
  assert.equal(exact.kind, 'block');
  const over = new BlockReader({ maxBlockBytes: SPEC_BLOCK_1.length - 1 }).write(SPEC_BLOCK_1);
  assert.equal(errorCode(over), 'block-too-large');
});

test('NUL and other control bytes are binary-in-header; HT is not', () => {
  for (const byte of [0x00, 0x01, 0x1b, 0x7f]) {
    const bytes = bytesOf(`GNUTELLA CONNECT/0.6\r\nA: x${String.fromCharCode(byte)}y\r\n\r\n`);
    assert.equal(errorCode(new BlockReader().write(bytes)), 'binary-in-header', String(byte));
  }
  const tab = readBlock(bytesOf('GNUTELLA CONNECT/0.6\r\nA: x\ty\r\n\r\n'));
  assert.equal(tab.headers.get('A'), 'x\ty');
  const latin1 = readBlock(bytesOf('GNUTELLA CONNECT/0.6\r\nUser-Agent: caf\xe9\r\n\r\n'));
  assert.equal(latin1.headers.get('User-Agent'), 'café');
});

test('errors are sticky', () => {
  const reader = new BlockReader();
  assert.equal(errorCode(reader.write(bytesOf('GNUTELLA\0'))), 'binary-in-header');
  assert.equal(errorCode(reader.write(SPEC_BLOCK_1)), 'binary-in-header');
});

test('after a block the reader starts afresh on the next', () => {
  const reader = new BlockReader();
  const first = reader.write(concat(SPEC_BLOCK_1, SPEC_BLOCK_3));
  assert.equal(first.kind, 'block');
  if (first.kind !== 'block') return;
  assert.equal(reader.firstLine, undefined);
  const second = reader.write(first.rest);
  assert.equal(second.kind, 'block');
  if (second.kind !== 'block') return;
  assert.equal(second.block.firstLine, 'GNUTELLA/0.6 200 OK');
  assert.deepEqual(second.block.raw, SPEC_BLOCK_3);
});

test('the reader copies what it keeps: reusing the caller buffer does not change raw', () => {
  const reader = new BlockReader();
  const buffer = Uint8Array.from(SPEC_BLOCK_1.subarray(0, 100));
  assert.equal(reader.write(buffer).kind, 'incomplete');
  buffer.fill(0x21);
  const result = reader.write(SPEC_BLOCK_1.subarray(100));
  assert.equal(result.kind, 'block');
  if (result.kind === 'block') assert.deepEqual(result.block.raw, SPEC_BLOCK_1);
});

test('formatBlock writes CRLF lines, canonical names, one space after the colon (HS-8)', () => {
  const bytes = formatBlock('GNUTELLA/0.6 200 OK', [
    ['user-agent', 'Ours/1.0'],
    ['x-ultrapeer', 'True'],
    ['X-Frobnicate', ''],
  ]);
  assert.equal(
    text(bytes),
    'GNUTELLA/0.6 200 OK\r\nUser-Agent: Ours/1.0\r\nX-Ultrapeer: True\r\nX-Frobnicate: \r\n\r\n',
  );
  assert.equal(text(formatBlock('GNUTELLA CONNECT/0.6', [])), 'GNUTELLA CONNECT/0.6\r\n\r\n');
});

test('formatBlock refuses what HS-10 forbids', () => {
  const refuses = (fields: [string, string][], firstLine = 'GNUTELLA/0.6 200 OK') =>
    assert.throws(() => formatBlock(firstLine, fields), UsageError);
  refuses([
    ['X-Try', 'a'],
    ['x-try', 'b'],
  ]);
  refuses([['A', 'x\r\ny']]);
  refuses([['A', 'x\ny']]);
  refuses([['A', 'x\ry']]);
  refuses([['A', 'x\0y']]);
  refuses([['A\r\nB', 'x']]);
  refuses([['A B', 'x']]);
  refuses([['A:', 'x']]);
  refuses([['', 'x']]);
  refuses([['User-Agent', 'caf\u20ac']]);
  refuses([], 'GNUTELLA/0.6 200 OK\r\nInjected: 1');
  refuses([], '');
  // Lines stay under 1024 bytes, CRLF excluded.
  const value = (lineLength: number) => 'v'.repeat(lineLength - 'X-Long: '.length);
  assert.doesNotThrow(() => formatBlock('GNUTELLA/0.6 200 OK', [['X-Long', value(1023)]]));
  refuses([['X-Long', value(1024)]]);
  refuses([], `GNUTELLA/0.6 200 ${'x'.repeat(1024 - 17)}`);
  // At most 30 header lines.
  const many = (count: number): [string, string][] =>
    Array.from({ length: count }, (_, i) => [`X-H${i}`, String(i)]);
  assert.doesNotThrow(() => formatBlock('GNUTELLA/0.6 200 OK', many(30)));
  refuses(many(31));
});

test('formatBlock never writes a continuation line', () => {
  const bytes = text(
    formatBlock('GNUTELLA/0.6 200 OK', [
      ['A', '\tleading tab'],
      ['B', 'x'],
    ]),
  );
  for (const line of bytes.split('\r\n')) assert.ok(!/^[ \t]/.test(line), JSON.stringify(line));
});
