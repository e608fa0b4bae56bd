/**
 * The receiving half of a deflated link (handshake.md §7): the peer's bytes
 * after the handshake are one zlib stream (or raw deflate, HS-24), inflated
 * in order into the framer.
 */
import * as zlib from 'node:zlib';

export interface LinkInflater {
  write(chunk: Buffer): void;
  /** Calls `done` once everything written has been inflated and handed on. */
  end(done: () => void): void;
  destroy(): void;
}

export interface InflaterEvents {
  /** Inflated bytes, in stream order. */
  data(bytes: Buffer): void;
  error(err: Error): void;
}

export interface InflaterOptions {
  /** Raw deflate (no RFC 1950 header). */
  raw: boolean;
  /** Output chunk size. */
  chunkSize: number;
}

function createInflate(options: InflaterOptions): zlib.Inflate | zlib.InflateRaw {
  // The stream never ends: at the link's end, inflate what came, without asking for a last block.
  const common = { chunkSize: options.chunkSize, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  // windowBits 0: the window the stream's header announces (up to 32 KiB); raw streams have none.
  return options.raw
    ? zlib.createInflateRaw(common)
    : zlib.createInflate({ ...common, windowBits: 0 });
}

/** One zlib inflater for the life of the link: for the few busy links to ultrapeers. */
export class StreamInflater implements LinkInflater {
  readonly #inflate: zlib.Inflate | zlib.InflateRaw;

  constructor(options: InflaterOptions, on: InflaterEvents) {
    this.#inflate = createInflate(options);
    this.#inflate.on('data', on.data);
    this.#inflate.on('error', on.error);
  }

  write(chunk: Buffer): void {
    this.#inflate.write(chunk);
  }

  end(done: () => void): void {
    this.#inflate.once('end', done);
    this.#inflate.end();
  }

  destroy(): void {
    this.#inflate.destroy();
  }
}

/** Compressed bytes a ReplayInflater keeps to rebuild its state; past this it keeps its zlib state instead. */
export const REPLAY_LIMIT_BYTES = 24 * 1024;
/** Quiet time after which a ReplayInflater frees its zlib state. */
export const REPLAY_IDLE_MS = 2_000;

/**
 * For the many leaf links. A leaf sends little after the handshake (its QRP
 * table, now and then a hit or a pong), yet a live inflater costs its window
 * (32 KiB for most clients) and about 10 KiB of state for as long as the link
 * lasts. So while the stream is short (REPLAY_LIMIT_BYTES compressed), this
 * keeps the compressed bytes, frees the inflater after REPLAY_IDLE_MS of
 * quiet, and when bytes arrive again rebuilds it by inflating the stream from
 * its start, handing on only the output not handed on before. Replaying
 * exactly the same input rebuilds exactly the same state, so no block
 * boundary is needed. A longer stream keeps its inflater, as StreamInflater.
 */
export class ReplayInflater implements LinkInflater {
  readonly #options: InflaterOptions;
  readonly #on: InflaterEvents;
  readonly #limitBytes: number;
  #inflate: zlib.Inflate | zlib.InflateRaw | undefined;
  /** The whole compressed stream so far, while it is within REPLAY_LIMIT_BYTES; undefined after. */
  #history: Buffer[] | undefined = [];
  #historyBytes = 0;
  /** Output bytes handed on since the stream began. */
  #delivered = 0;
  /** Output bytes the current inflater has produced (during a replay, some were handed on before). */
  #produced = 0;
  readonly #idle: NodeJS.Timeout;

  constructor(
    options: InflaterOptions,
    on: InflaterEvents,
    { idleMs = REPLAY_IDLE_MS, limitBytes = REPLAY_LIMIT_BYTES } = {},
  ) {
    this.#options = options;
    this.#on = on;
    this.#limitBytes = limitBytes;
    this.#idle = setTimeout(() => this.#release(), idleMs).unref();
  }

  /** Whether zlib state is held now. */
  get live(): boolean {
    return this.#inflate !== undefined;
  }

  write(chunk: Buffer): void {
    const inflate = this.#inflate ?? this.#rebuild();
    if (this.#history) {
      this.#historyBytes += chunk.length;
      if (this.#historyBytes <= this.#limitBytes) this.#history.push(chunk);
      else this.#history = undefined;
    }
    inflate.write(chunk);
    this.#idle.refresh();
  }

  end(done: () => void): void {
    clearTimeout(this.#idle);
    if (!this.#inflate) {
      done();
      return;
    }
    this.#inflate.once('end', done);
    this.#inflate.end();
  }

  destroy(): void {
    clearTimeout(this.#idle);
    this.#inflate?.destroy();
    this.#inflate = undefined;
    this.#history = undefined;
  }

  /** A fresh inflater, fed the stream so far; what it produces again is not handed on twice. */
  #rebuild(): zlib.Inflate | zlib.InflateRaw {
    const inflate = createInflate(this.#options);
    this.#produced = 0;
    inflate.on('data', (out: Buffer) => {
      // These are bytes [start, #produced) of the output; those below #delivered went out before.
      const start = this.#produced;
      this.#produced += out.length;
      if (this.#produced <= this.#delivered) return;
      const fresh = start >= this.#delivered ? out : out.subarray(this.#delivered - start);
      this.#delivered = this.#produced;
      this.#on.data(fresh);
    });
    inflate.on('error', this.#on.error);
    if (this.#history && this.#history.length > 0) inflate.write(Buffer.concat(this.#history));
    this.#inflate = inflate;
    return inflate;
  }

  /** Frees the inflater when the link is quiet, the stream replayable and every byte inflated. */
  #release(): void {
    const inflate = this.#inflate;
    if (!inflate || !this.#history) return;
    if (inflate.writableLength > 0 || inflate.readableLength > 0) {
      this.#idle.refresh();
      return;
    }
    inflate.destroy();
    this.#inflate = undefined;
    // One buffer, not the many small chunks TCP delivered.
    this.#history = [Buffer.concat(this.#history)];
  }
}
