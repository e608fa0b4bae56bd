import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { isZlibHeader, zlibHeader } from '../../src/core/zlib-header.js';

test('accepts the headers real servents send (handshake.md §7)', () => {
  assert.ok(isZlibHeader(0x78, 0x9c), 'LimeWire, default level');
  assert.ok(isZlibHeader(0x78, 0xda), 'gtk-gnutella, best compression');
  assert.ok(isZlibHeader(0x68, 0x81), 'gtk-gnutella ultrapeer to leaf, 16 KiB window');
});

test('accepts every header zlib itself writes, for every window and level', () => {
  for (let windowBits = 9; windowBits <= 15; windowBits++) {
    for (let level = 0; level <= 9; level++) {
      const [cmf, flg] = zlib.deflateSync(Buffer.from('x'), { windowBits, level });
      assert.ok(isZlibHeader(cmf!, flg!), `windowBits ${windowBits} level ${level}`);
    }
  }
});

test('refuses raw deflate starts and broken check bits', () => {
  const raw = zlib.deflateRawSync(Buffer.from('GNUTELLA'));
  assert.ok(!isZlibHeader(raw[0]!, raw[1]!), 'raw deflate');
  assert.ok(!isZlibHeader(0x78, 0x9d), 'check bits');
  assert.ok(!isZlibHeader(0x88, 0x98), 'window over 32 KiB');
  assert.ok(!isZlibHeader(0x79, 0x9c), 'method other than deflate');
});

test('writes the header zlib writes, for every window and level', () => {
  assert.deepEqual(zlibHeader(15, 6), Uint8Array.of(0x78, 0x9c));
  assert.deepEqual(zlibHeader(15, 9), Uint8Array.of(0x78, 0xda));
  assert.deepEqual(zlibHeader(15, 1), Uint8Array.of(0x78, 0x01));
  for (let windowBits = 9; windowBits <= 15; windowBits++) {
    for (let level = -1; level <= 9; level++) {
      const written = zlib.deflateSync(Buffer.from('x'), { windowBits, level }).subarray(0, 2);
      assert.deepEqual(
        zlibHeader(windowBits, level),
        new Uint8Array(written),
        `${windowBits}/${level}`,
      );
    }
  }
});
