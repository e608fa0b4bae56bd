/**
 * Test helpers for the hash module, and an independent, deliberately naive
 * Tiger tree: every level built in full from the §10.2 wording, used as a
 * second opinion on the streaming builder.
 */
import fc from 'fast-check';
import { tiger } from '../../src/core/hash/index.js';

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
export const filled = (length: number, byte: number): Uint8Array =>
  new Uint8Array(length).fill(byte);

/** `bytes` cut at the given points (taken modulo its length, in any order). */
export function chunked(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))];
  points.sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    parts.push(bytes.subarray(start, point));
    start = point;
  }
  parts.push(bytes.subarray(start));
  return parts;
}

/** Bytes and ways to cut them, for "chunked equals one-shot" properties. */
export const bytesAndCuts = (maxLength: number) =>
  fc.tuple(fc.uint8Array({ maxLength }), fc.array(fc.nat(), { maxLength: 12 }));

/** A cheap deterministic fill, so large inputs do not come from fast-check. */
export function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed | 1;
  for (let i = 0; i < length; i++) {
    state = Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 1;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

/** All levels, root first, each a list of 24-byte nodes: leaves Tiger(00 || segment), parents Tiger(01 || l || r), odd last node promoted. */
export function naiveLevels(bytes: Uint8Array): Uint8Array[][] {
  let level: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length || level.length === 0; offset += 1024) {
    level.push(tiger(Uint8Array.of(0x00, ...bytes.subarray(offset, offset + 1024))));
  }
  const levels = [level];
  while (level.length > 1) {
    const above: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1];
      above.push(right ? tiger(Uint8Array.of(0x01, ...level[i]!, ...right)) : level[i]!);
    }
    levels.unshift(above);
    level = above;
  }
  return levels;
}
