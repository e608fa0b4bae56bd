/**
 * Worker thread entry: hashes files named by the pool, SHA-1 and Tiger tree
 * in one read pass; of the tree it keeps the level THEX serves for the
 * file's size (http-transfers.md §10.3), so N2X needs no second read. One request at a time, so one read buffer serves all.
 *
 * Run from the sources as hash-worker.ts, and in the image as
 * /app/hash-worker.mjs, esbuild's second entry point (see hash-pool.ts).
 */
import { constants, open } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { Sha1, TigerTreeBuilder } from '../../core/hash/index.js';
import { thexDepth } from '../../core/transfer/thex.js';

export interface HashRequest {
  id: number;
  /** Absolute path, already resolved inside the share. */
  path: string;
}

export type HashReply =
  | {
      id: number;
      ok: true;
      /** Bytes read. */
      size: number;
      /** Modification time when the read started. */
      mtimeMs: number;
      /** Size or modification time moved while reading: the digests describe no version of the file. */
      changed: boolean;
      sha1: Uint8Array;
      tigerRoot: Uint8Array;
      /** Level `tigerDepth` of the tree: its nodes, concatenated. */
      tigerDepth: number;
      tigerLevel: Uint8Array;
    }
  | { id: number; ok: false; code: string | undefined; message: string };

const CHUNK_BYTES = 1 << 20;
// No FIFO can block the open (O_NONBLOCK), and a path swapped for a symlink
// since the scan is refused (O_NOFOLLOW).
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

const buffer = new Uint8Array(CHUNK_BYTES);

async function hash({ id, path }: HashRequest): Promise<HashReply> {
  const handle = await open(path, OPEN_FLAGS);
  try {
    const before = await handle.stat();
    if (!before.isFile()) {
      return { id, ok: false, code: 'not-a-file', message: 'not a regular file' };
    }
    const sha1 = new Sha1();
    const tree = new TigerTreeBuilder({ keepDepth: thexDepth(before.size) });
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      sha1.update(chunk);
      tree.update(chunk);
      size += bytesRead;
    }
    const after = await handle.stat();
    const digest = tree.digest();
    // The builder may keep more levels than asked; THEX serves exactly this one (§10.3).
    const served = Math.min(digest.depth, thexDepth(size));
    return {
      id,
      ok: true,
      size,
      mtimeMs: before.mtimeMs,
      changed: before.size !== size || after.size !== size || after.mtimeMs !== before.mtimeMs,
      sha1: sha1.digest(),
      tigerRoot: digest.root,
      tigerDepth: served,
      tigerLevel: digest.level(served),
    };
  } finally {
    await handle.close();
  }
}

const port = parentPort;
if (port === null) throw new Error('hash-worker runs as a worker thread, started by HashPool');
port.on('message', (request: HashRequest) => {
  hash(request).then(
    (reply) => port.postMessage(reply),
    (error: NodeJS.ErrnoException) =>
      port.postMessage({
        id: request.id,
        ok: false,
        code: error.code,
        message: error.message,
      } satisfies HashReply),
  );
});
