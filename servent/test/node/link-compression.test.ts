/** The deflaters and inflaters of a compressed link, against zlib itself. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as zlib from 'node:zlib';
import { BatchCompressor, BatchDeflater, LEAF_COMPRESSION } from '../../src/node/link-deflater.js';
import { ReplayInflater } from '../../src/node/link-inflater.js';

/** Messages as a leaf link carries them: a random GUID, a header, a little text. */
const message = (i: number) =>
  Buffer.concat([
    randomBytes(16),
    Buffer.from([0x80, 3, 0, 20, 0, 0, 0, 0, 0]),
    Buffer.from(`query ${i % 7} words`),
  ]);

test('HS-22 HS-25 BatchDeflaters sharing a compressor each write one zlib stream whose every batch inflates at once', async () => {
  const compressor = new BatchCompressor(LEAF_COMPRESSION);
  const links = [0, 1, 2].map(() => {
    const link = { out: [] as Buffer[], sent: [] as Buffer[], inflated: [] as Buffer[], drains: 0 };
    const deflater = new BatchDeflater(compressor, {
      sink: (b) => link.out.push(b),
      drain: () => link.drains++,
      error: (e) => assert.fail(e),
    });
    const inflate = zlib.createInflate();
    inflate.on('data', (b: Buffer) => link.inflated.push(b));
    return { link, deflater, inflate };
  });
  for (let batch = 0; batch < 20; batch++) {
    // Each link writes a batch in the same turn: the compressor takes them in turn.
    for (const { link, deflater } of links) {
      const messages = Array.from({ length: 1 + (batch % 5) }, (_, i) => message(i));
      link.sent.push(...messages);
      deflater.write(messages);
      assert.ok(deflater.pendingBytes > 0);
    }
    for (const { link, deflater, inflate } of links) {
      await new Promise<void>((resolve) => deflater.end(resolve));
      assert.equal(deflater.pendingBytes, 0);
      assert.equal(link.drains, batch + 1, 'a drain once the batch is out');
      const last = link.out.at(-1)!;
      assert.deepEqual(
        [...last.subarray(-4)],
        [0, 0, 0xff, 0xff],
        'each batch ends in a sync flush',
      );
      // Everything sent so far inflates from what was written, with no more input (HS-25).
      inflate.write(last);
      await new Promise<void>((resolve) =>
        inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()),
      );
      assert.deepEqual(Buffer.concat(link.inflated), Buffer.concat(link.sent));
    }
  }
  for (const { link } of links) assert.deepEqual([...link.out[0]!.subarray(0, 2)], [0x78, 0x9c]);
  compressor.close();
});

/** Feeds `chunks` with a pause after the chunks named in `pauses`; returns what came out. */
async function inflateInChunks(
  chunks: Buffer[],
  pauses: Set<number>,
  options: { idleMs: number; limitBytes?: number },
): Promise<{ output: Buffer; lives: boolean[] }> {
  const output: Buffer[] = [];
  const inflater = new ReplayInflater(
    { raw: false, chunkSize: 64 },
    { data: (b) => output.push(Buffer.from(b)), error: (e) => assert.fail(e) },
    options,
  );
  const lives: boolean[] = [];
  for (const [i, chunk] of chunks.entries()) {
    inflater.write(chunk);
    if (pauses.has(i)) {
      // Quiet for long enough: the state goes once the inflater has caught up.
      for (
        let waited = 0;
        inflater.live && waited < options.idleMs * 40;
        waited += options.idleMs
      ) {
        await sleep(options.idleMs);
      }
      lives.push(inflater.live);
    }
  }
  await new Promise<void>((resolve) => inflater.end(resolve));
  inflater.destroy();
  return { output: Buffer.concat(output), lives };
}

/** A leaf's stream: messages deflated with zlib's defaults (32 KiB window), cut at odd places as TCP would. */
function leafStream(messages: number): { plain: Buffer; chunks: Buffer[] } {
  const plain = Buffer.concat(Array.from({ length: messages }, (_, i) => message(i)));
  const stream = zlib.deflateSync(plain, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const chunks: Buffer[] = [];
  for (let at = 0, size = 1; at < stream.length; at += size, size = ((size * 7) % 23) + 1) {
    chunks.push(stream.subarray(at, at + size));
  }
  return { plain, chunks };
}

test('HS-24 a ReplayInflater frees its state when quiet and rebuilds it, handing every byte on once', async () => {
  const { plain, chunks } = leafStream(90);
  const pauses = new Set([0, 1, 5, Math.floor(chunks.length / 2), chunks.length - 2]);
  const { output, lives } = await inflateInChunks(chunks, pauses, { idleMs: 5 });
  assert.deepEqual(output, plain);
  assert.deepEqual(
    lives,
    [...pauses].map(() => false),
    'released at every pause',
  );
});

test('a ReplayInflater keeps its state once the stream passes the replay limit', async () => {
  const { plain, chunks } = leafStream(90);
  const pauses = new Set([0, chunks.length - 2]);
  const { output, lives } = await inflateInChunks(chunks, pauses, { idleMs: 5, limitBytes: 64 });
  assert.deepEqual(output, plain);
  assert.deepEqual(lives, [false, true]);
});

test('a ReplayInflater reports a corrupt stream', async () => {
  const errors: Error[] = [];
  const inflater = new ReplayInflater(
    { raw: false, chunkSize: 1024 },
    { data: () => {}, error: (e) => errors.push(e) },
    { idleMs: 5 },
  );
  inflater.write(Buffer.from([0x78, 0x9c, 0xff, 0xff, 0xff, 0xff]));
  await sleep(20);
  inflater.destroy();
  assert.equal(errors.length, 1);
});
