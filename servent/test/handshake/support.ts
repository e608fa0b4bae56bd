/** Helpers shared by the handshake tests. */

import assert from 'node:assert/strict';
import { BlockReader, type HeaderBlock } from '../../src/core/handshake/index.js';

export const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

export const bytesOf = (value: string): Uint8Array => Uint8Array.from(Buffer.from(value, 'latin1'));

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** Reads one complete block from `bytes`, failing the test otherwise. */
export function readBlock(bytes: Uint8Array): HeaderBlock & { rest: Uint8Array } {
  const result = new BlockReader().write(bytes);
  assert.equal(result.kind, 'block', JSON.stringify(result));
  if (result.kind !== 'block') throw new Error('unreachable');
  return { ...result.block, rest: result.rest };
}

/** Same bytes with every CRLF turned into a bare LF. */
export function bareLf(bytes: Uint8Array): Uint8Array {
  return bytesOf(text(bytes).replaceAll('\r\n', '\n'));
}
