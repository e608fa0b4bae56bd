import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import {
  CONNECT_LINE,
  formatStatusLine,
  isBelowOurVersion,
  isLegacyOk,
  parseConnectLine,
  parseStatusLine,
} from '../../src/core/handshake/index.js';
import { readBlock } from './support.js';
import { GTK_REFUSAL_204, SPEC_BLOCK_1, SPEC_BLOCK_3, SPEC_FOLDED_503 } from './vectors.js';

test('CONNECT_LINE is the 20 bytes of HS-1', () => {
  assert.equal(CONNECT_LINE, 'GNUTELLA CONNECT/0.6');
  assert.equal(CONNECT_LINE, readBlock(SPEC_BLOCK_1).firstLine);
});

test('parseConnectLine reads any x.y version', () => {
  assert.deepEqual(parseConnectLine('GNUTELLA CONNECT/0.6'), {
    ok: true,
    value: { major: 0, minor: 6 },
  });
  assert.deepEqual(parseConnectLine('GNUTELLA CONNECT/0.7'), {
    ok: true,
    value: { major: 0, minor: 7 },
  });
  assert.deepEqual(parseConnectLine('GNUTELLA CONNECT/1.0'), {
    ok: true,
    value: { major: 1, minor: 0 },
  });
  assert.deepEqual(parseConnectLine('GNUTELLA CONNECT/0.4'), {
    ok: true,
    value: { major: 0, minor: 4 },
  });
});

test('parseConnectLine refuses anything else with bad-connect-line', () => {
  for (const line of [
    '',
    'GNUTELLA CONNECT/',
    'GNUTELLA CONNECT/abc',
    'GNUTELLA CONNECT/0.6 extra',
    'GNUTELLA/0.6 200 OK',
    'gnutella connect/0.6',
    'GNUTELLA  CONNECT/0.6',
    'GET / HTTP/1.1',
  ]) {
    const result = parseConnectLine(line);
    assert.equal(result.ok, false, line);
    if (!result.ok) assert.equal(result.error.code, 'bad-connect-line');
  }
});

test('isBelowOurVersion: below 0.6 is legacy, 0.6 and up is not', () => {
  assert.equal(isBelowOurVersion({ major: 0, minor: 4 }), true);
  assert.equal(isBelowOurVersion({ major: 0, minor: 5 }), true);
  assert.equal(isBelowOurVersion({ major: 0, minor: 6 }), false);
  assert.equal(isBelowOurVersion({ major: 0, minor: 7 }), false);
  assert.equal(isBelowOurVersion({ major: 1, minor: 0 }), false);
});

test('parseStatusLine reads real status lines', () => {
  assert.deepEqual(parseStatusLine(readBlock(SPEC_BLOCK_3).firstLine), {
    ok: true,
    value: { major: 0, minor: 6, code: 200, reason: 'OK' },
  });
  assert.deepEqual(parseStatusLine(readBlock(GTK_REFUSAL_204).firstLine), {
    ok: true,
    value: { major: 0, minor: 6, code: 204, reason: 'Shielded leaf node (4 peers max)' },
  });
  assert.deepEqual(parseStatusLine(readBlock(SPEC_FOLDED_503).firstLine), {
    ok: true,
    value: { major: 0, minor: 6, code: 503, reason: 'Too many leaf connections (32 max)' },
  });
});

test('parseStatusLine accepts a missing reason and other versions when reading', () => {
  assert.deepEqual(parseStatusLine('GNUTELLA/0.6 200'), {
    ok: true,
    value: { major: 0, minor: 6, code: 200, reason: '' },
  });
  assert.deepEqual(parseStatusLine('GNUTELLA/0.7 200 OK '), {
    ok: true,
    value: { major: 0, minor: 7, code: 200, reason: 'OK' },
  });
});

test('parseStatusLine refuses anything else with bad-status-line', () => {
  for (const line of [
    '',
    'GNUTELLA OK',
    'GNUTELLA/0.6',
    'GNUTELLA/0.6 20 OK',
    'GNUTELLA/0.6 2000 OK',
    'GNUTELLA/0.6 200OK',
    'GNUTELLA/x.y 200 OK',
    'HTTP/1.1 200 OK',
    'GNUTELLA CONNECT/0.6',
  ]) {
    const result = parseStatusLine(line);
    assert.equal(result.ok, false, line);
    if (!result.ok) assert.equal(result.error.code, 'bad-status-line');
  }
});

test('isLegacyOk recognises the 0.4 reply only', () => {
  assert.equal(isLegacyOk('GNUTELLA OK'), true);
  assert.equal(isLegacyOk('GNUTELLA/0.6 200 OK'), false);
  assert.equal(isLegacyOk('GNUTELLA OKAY'), false);
});

test('formatStatusLine always writes GNUTELLA/0.6 with a reason (HS-2, HS-14)', () => {
  assert.equal(formatStatusLine(200, 'OK'), 'GNUTELLA/0.6 200 OK');
  assert.equal(formatStatusLine(503, 'No Leaf Slots'), 'GNUTELLA/0.6 503 No Leaf Slots');
  assert.throws(() => formatStatusLine(200, ''), UsageError);
  assert.throws(() => formatStatusLine(200, '  '), UsageError);
  assert.throws(() => formatStatusLine(200, 'OK\r\nX: 1'), UsageError);
  assert.throws(() => formatStatusLine(20, 'OK'), UsageError);
  assert.throws(() => formatStatusLine(1000, 'OK'), UsageError);
  assert.throws(() => formatStatusLine(200.5, 'OK'), UsageError);
});
