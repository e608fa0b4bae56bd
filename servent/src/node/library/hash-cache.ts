/**
 * The hash cache: one JSON file in the state folder so a restart does not
 * hash unchanged files again. An entry is reused only for the same relative
 * path, size and modification time, and only for the same share folder.
 * Written atomically (temporary file, fsync, rename); a missing, corrupt or
 * foreign cache only costs hashing again.
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { TreeLevel } from '../../core/search/library.js';
import { base32Decode, base32Encode } from '../../core/wire/base32.js';
import type { Logger } from '../log.js';

export const HASH_CACHE_FILE = 'hash-cache.json';
const FORMAT = 'gnutella-hash-cache/1';

export interface CacheEntry {
  size: number;
  mtimeMs: number;
  sha1: Uint8Array;
  tigerRoot?: Uint8Array;
  tigerLevel?: TreeLevel;
  addedAt: number;
}

/** Base32 of bytes whose count `fits`, e.g. exactly 20, or a whole number of 24-byte digests. */
const base32Bytes = (fits: (n: number) => boolean, what: string) =>
  z.string().transform((text, ctx) => {
    const bytes = base32Decode(text);
    if (!bytes.ok || !fits(bytes.value.length)) {
      ctx.addIssue({ code: 'custom', message: `expected ${what} in base32` });
      return z.NEVER;
    }
    return bytes.value;
  });
const digest = (length: number) => base32Bytes((n) => n === length, `${length} bytes`);
const digests = (unit: number) =>
  base32Bytes((n) => n > 0 && n % unit === 0, `${unit}-byte digests`);

const EntrySchema = z.object({
  size: z.number().int().min(0),
  mtimeMs: z.number(),
  sha1: digest(20),
  tigerRoot: digest(24).optional(),
  tigerLevel: z.object({ depth: z.number().int().min(0).max(64), nodes: digests(24) }).optional(),
  addedAt: z.number(),
});

const CacheSchema = z.object({
  format: z.literal(FORMAT),
  root: z.string(),
  files: z.record(z.string(), z.unknown()),
});

/** The entries cached for share folder `root` (a real path); empty when there is no usable cache. */
export async function loadHashCache(
  stateDir: string,
  root: string,
  log: Logger,
): Promise<Map<string, CacheEntry>> {
  const file = join(stateDir, HASH_CACHE_FILE);
  const entries = new Map<string, CacheEntry>();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      log.warn({ err: error, file }, 'hash cache unreadable; files will be hashed again');
    }
    return entries;
  }
  let cache: z.infer<typeof CacheSchema>;
  try {
    cache = CacheSchema.parse(JSON.parse(text));
  } catch (error) {
    log.warn(
      { file, error: (error as Error).message },
      'hash cache corrupt; files will be hashed again',
    );
    return entries;
  }
  if (cache.root !== root) {
    log.info(
      { file, cached: cache.root, root },
      'hash cache is for another share folder; not used',
    );
    return entries;
  }
  for (const [relativePath, value] of Object.entries(cache.files)) {
    const entry = EntrySchema.safeParse(value);
    if (entry.success) entries.set(relativePath, entry.data);
  }
  return entries;
}

/** Replaces the cache with `entries`, all at once: a reader sees the old file or the new one. */
export async function saveHashCache(
  stateDir: string,
  root: string,
  entries: Iterable<[string, CacheEntry]>,
): Promise<void> {
  const files: Record<string, unknown> = {};
  for (const [relativePath, { size, mtimeMs, sha1, tigerRoot, tigerLevel, addedAt }] of entries) {
    files[relativePath] = {
      size,
      mtimeMs,
      sha1: base32Encode(sha1),
      ...(tigerRoot && { tigerRoot: base32Encode(tigerRoot) }),
      ...(tigerLevel && {
        tigerLevel: { depth: tigerLevel.depth, nodes: base32Encode(tigerLevel.nodes) },
      }),
      addedAt,
    };
  }
  const file = join(stateDir, HASH_CACHE_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(JSON.stringify({ format: FORMAT, root, files }));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
