/**
 * The sending half of a deflated link (handshake.md §7): every byte after the
 * handshake is one zlib stream, flushed (Z_SYNC_FLUSH) after each batch of
 * messages so the peer can inflate the batch at once (HS-25).
 */
import * as zlib from 'node:zlib';
import { zlibHeader } from '../core/zlib-header.js';

export interface LinkDeflater {
  /** Compresses one batch of messages (kept as they are until compressed); its bytes reach the sink, flushed. */
  write(batch: readonly Uint8Array[]): void;
  /** Bytes taken but not yet handed to the sink. */
  readonly pendingBytes: number;
  /** Calls `done` once every byte taken has reached the sink. */
  end(done: () => void): void;
  destroy(): void;
}

export interface DeflaterEvents {
  /** Compressed bytes, in stream order. */
  sink(bytes: Buffer): void;
  /** Every batch taken so far has reached the sink. */
  drain(): void;
  error(err: Error): void;
}

/**
 * One zlib stream kept for the life of the link, so a batch may refer back to
 * earlier ones: the better ratio, for the few busy links to ultrapeers.
 */
export class StreamDeflater implements LinkDeflater {
  readonly #deflate: zlib.Deflate;
  readonly #on: DeflaterEvents;

  constructor(options: zlib.ZlibOptions, on: DeflaterEvents) {
    this.#on = on;
    this.#deflate = zlib.createDeflate(options);
    this.#deflate.on('data', on.sink);
    this.#deflate.on('error', on.error);
  }

  get pendingBytes(): number {
    return this.#deflate.writableLength;
  }

  write(batch: readonly Uint8Array[]): void {
    this.#deflate.write(batch.length === 1 ? batch[0]! : Buffer.concat(batch));
    this.#deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      if (this.pendingBytes === 0) this.#on.drain();
    });
  }

  end(done: () => void): void {
    // 'end' (not end()'s callback) fires after the last compressed bytes were emitted.
    this.#deflate.once('end', done);
    this.#deflate.end();
  }

  destroy(): void {
    this.#deflate.destroy();
  }
}

export interface CompressorOptions {
  level: number;
  /** Back-references reach this far (2^windowBits bytes); each link's header announces it. */
  windowBits: number;
  memLevel: number;
}

/**
 * The shared compressor's settings: zlib's defaults, so links start with the
 * common 78 9c header. Its memory is paid once, not per link.
 */
export const LEAF_COMPRESSION: Readonly<CompressorOptions> = {
  level: 6,
  windowBits: 15,
  memLevel: 8,
};

type Job = { batch: readonly Uint8Array[]; done: (err: Error | undefined, blocks: Buffer) => void };

/**
 * One raw deflate stream shared by many links, reset before each batch, so
 * that every batch comes out as non-final blocks ending in a sync flush and
 * referring to nothing before it. Node's zlib holds about 100 KiB per live
 * deflater whatever windowBits and memLevel say, and allocating one per
 * batch instead fragments the malloc heap under a burst; an ultrapeer with
 * hundreds of leaf links, idle most of the time, keeps a few. Batches are compressed in the
 * order they come, so each link's stay in order.
 */
export class BatchCompressor {
  readonly options: Readonly<CompressorOptions>;
  readonly #deflate: zlib.DeflateRaw;
  readonly #queue: Job[] = [];
  #output: Buffer[] = [];
  /** The batch being compressed, copied together: one buffer reused, not one per batch. */
  #input = Buffer.alloc(0);
  #busy = false;
  #failed: Error | undefined;

  constructor(options: CompressorOptions) {
    this.options = options;
    this.#deflate = zlib.createDeflateRaw(options);
    this.#deflate.on('data', (chunk: Buffer) => this.#output.push(chunk));
    this.#deflate.on('error', (err) => {
      this.#failed = err;
    });
  }

  /** The messages stay untouched until compressed: a message sent to many links is queued once. */
  compress(batch: readonly Uint8Array[], done: Job['done']): void {
    this.#queue.push({ batch, done });
    if (!this.#busy) this.#next();
  }

  close(): void {
    this.#deflate.destroy();
  }

  #next(): void {
    const job = this.#queue.shift();
    this.#busy = job !== undefined;
    if (!job) return;
    if (this.#failed) {
      job.done(this.#failed, Buffer.alloc(0));
      this.#next();
      return;
    }
    let length = 0;
    for (const message of job.batch) length += message.length;
    if (this.#input.length < length)
      this.#input = Buffer.alloc(Math.max(length, 2 * this.#input.length));
    let offset = 0;
    for (const message of job.batch) {
      this.#input.set(message, offset);
      offset += message.length;
    }
    this.#deflate.reset();
    this.#deflate.write(this.#input.subarray(0, length));
    this.#deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      // A copy: the chunks are slices of zlib's 16 KiB output buffer, which a
      // slice waiting in some socket's queue would otherwise keep whole.
      const blocks = Buffer.concat(this.#output);
      this.#output = [];
      job.done(this.#failed, blocks);
      this.#next();
    });
  }
}

/**
 * A link's stream made of batches compressed by a shared BatchCompressor,
 * after a zlib header written once. The peer still inflates one valid stream:
 * the blocks are byte-aligned, no back-reference leaves its batch, and the
 * stream never ends, so no checksum is due. What is lost against a
 * StreamDeflater is the ratio from references across batches.
 */
export class BatchDeflater implements LinkDeflater {
  readonly #compressor: BatchCompressor;
  readonly #on: DeflaterEvents;
  #pending = 0;
  #headerSent = false;
  #closed = false;
  #ended: (() => void) | undefined;

  constructor(compressor: BatchCompressor, on: DeflaterEvents) {
    this.#compressor = compressor;
    this.#on = on;
  }

  get pendingBytes(): number {
    return this.#pending;
  }

  write(batch: readonly Uint8Array[]): void {
    if (this.#closed) return;
    let bytes = 0;
    for (const message of batch) bytes += message.length;
    this.#pending += bytes;
    this.#compressor.compress(batch, (err, blocks) => {
      this.#pending -= bytes;
      if (this.#closed) return;
      if (err) {
        this.#closed = true;
        this.#on.error(err);
        return;
      }
      if (!this.#headerSent) {
        this.#headerSent = true;
        const { windowBits, level } = this.#compressor.options;
        blocks = Buffer.concat([zlibHeader(windowBits, level), blocks]);
      }
      this.#on.sink(blocks);
      if (this.#pending === 0) {
        this.#on.drain();
        this.#ended?.();
      }
    });
  }

  end(done: () => void): void {
    if (this.#pending === 0 || this.#closed) done();
    else this.#ended = done;
  }

  destroy(): void {
    this.#closed = true;
  }
}
