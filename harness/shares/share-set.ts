/**
 * Seeded share sets: files whose bytes follow from their name and a seed, so
 * every run shares the same content and the harness knows each file's size
 * and SHA-1 without asking the servent. SHA-1 comes from node:crypto and its
 * base32 form from the encoder below, not from the servent's core, so a
 * wrong URN in a query hit cannot be matched by the same mistake here.
 */
import { createHash } from 'node:crypto';
import type { TarEntry } from '../runtime/tar.js';

export const DEFAULT_SEED = 'gnutella-conformance';
/** Sizes fall in [MIN_SIZE, MIN_SIZE + SIZE_SPREAD): small enough to hash at once, not all alike. */
const MIN_SIZE = 1024;
const SIZE_SPREAD = 7 * 1024;

export interface ShareFile {
  name: string;
  content: Buffer;
  size: number;
  sha1: Buffer;
  /** RFC 4648 base32 of the SHA-1, upper case, 32 characters. */
  sha1Base32: string;
  /** `urn:sha1:<base32>` (HUGE-1 spelling). */
  urn: string;
}

/** One file: its size (unless given) and bytes drawn from SHA-256 in counter mode over (seed, name). */
export function shareFile(name: string, seed = DEFAULT_SEED, bytes?: number): ShareFile {
  if (name.includes('/') || name.includes('\0') || name === '' || name === '.' || name === '..')
    throw new Error(`a shared file name must be a plain file name, got ${JSON.stringify(name)}`);
  const key = createHash('sha256').update(`${seed}\0${name}`).digest();
  const size = bytes ?? MIN_SIZE + (key.readUInt32BE(0) % SIZE_SPREAD);
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * 32 < size; counter++) {
    const n = Buffer.alloc(4);
    n.writeUInt32BE(counter);
    blocks.push(createHash('sha256').update(key).update(n).digest());
  }
  const content = Buffer.concat(blocks).subarray(0, size);
  const sha1 = createHash('sha1').update(content).digest();
  const sha1Base32 = base32(sha1);
  return { name, content, size, sha1, sha1Base32, urn: `urn:sha1:${sha1Base32}` };
}

export function shareSet(names: readonly string[], seed = DEFAULT_SEED): ShareFile[] {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new Error(`file "${name}" listed twice in one share set`);
    seen.add(name);
  }
  return names.map((name) => shareFile(name, seed));
}

/**
 * Archive entries that put `files` in `shareDir` and create an empty
 * `dataDirs`, all owned by `uid:gid` (the servent's user in the image).
 */
export function shareEntries(
  files: readonly ShareFile[],
  shareDir: string,
  dataDirs: readonly string[],
  owner: { uid: number; gid: number },
): TarEntry[] {
  const rel = (path: string) => path.replace(/^\/+/, '').replace(/\/+$/, '');
  return [
    { path: rel(shareDir), ...owner },
    ...files.map((f) => ({ path: `${rel(shareDir)}/${f.name}`, content: f.content, ...owner })),
    ...dataDirs.map((d) => ({ path: rel(d), ...owner })),
  ];
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding: 5 bits per character, most significant first. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}
