/**
 * Lean scripted peers for the network bench, over real TCP sockets on
 * 127.0.0.1: a real 0.6 handshake through the core (formatBlock, BlockReader),
 * deflate both ways when negotiated, and then only what a load test needs.
 * The harness's FixturePeer keeps every byte for transcripts; at hundreds of
 * thousands of messages a second these peers keep counts instead.
 *
 * - BenchLeaf: X-Ultrapeer: False, X-Query-Routing: 0.1; sends its QRP table
 *   (RESET + PATCHes) and counts what the servent relays to it, by type.
 * - QuerySource: a neighbouring ultrapeer that writes queries (fresh GUIDs,
 *   TTL 2, hops 0) in large writes, as fast as the servent takes them and as a
 *   window allows.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import * as zlib from 'node:zlib';
import {
  BlockReader,
  CONNECT_LINE,
  formatBlock,
  type HeaderBlock,
} from '../../servent/src/core/handshake/index.js';
import {
  encodeRouteTableMessage,
  type QueryRouteTable,
  routeTableUpdates,
} from '../../servent/src/core/qrp/index.js';
import {
  encodeMessage,
  encodeQuery,
  guidToHex,
  HEADER_LENGTH,
  MAX_RECEIVED_PAYLOAD,
  MessageType,
  newGuid,
} from '../../servent/src/core/wire/index.js';
import type { Endpoint } from './servent-process.js';

const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Socket bytes buffered in our process past which a writer waits for 'drain'. */
const WRITE_HIGH_WATER = 64 * 1024;
const USER_AGENT = 'gnutella-bench/0.1';

type Fields = Array<readonly [string, string]>;

export interface LinkOptions {
  name: string;
  /** Offer and announce deflate: Accept-Encoding in block (1), Content-Encoding in block (3). */
  deflate: boolean;
}

/** Counts messages in a byte stream by their headers alone: no copies of payloads. */
export class MessageCounter {
  readonly byType = new Float64Array(256);
  #carry: Buffer | undefined;
  /** Payload bytes of the current message still to come. */
  #skip = 0;

  /** `onHeader` sees each message's header (at `offset` of `buf`) as soon as it is complete. */
  constructor(readonly onHeader?: (buf: Buffer, offset: number) => void) {}

  write(chunk: Buffer): void {
    let buf = chunk;
    let offset = 0;
    if (this.#skip > 0) {
      offset = Math.min(this.#skip, buf.length);
      this.#skip -= offset;
    }
    if (this.#carry !== undefined) {
      buf = Buffer.concat([this.#carry, buf.subarray(offset)]);
      offset = 0;
      this.#carry = undefined;
    }
    while (offset + HEADER_LENGTH <= buf.length) {
      const length = buf.readUInt32LE(offset + 19);
      if (length > MAX_RECEIVED_PAYLOAD)
        throw new Error(`a message header gives a ${length}-byte payload: the stream is lost`);
      this.byType[buf[offset + 16]!]!++;
      this.onHeader?.(buf, offset);
      const end = offset + HEADER_LENGTH + length;
      if (end > buf.length) {
        this.#skip = end - buf.length;
        return;
      }
      offset = end;
    }
    if (offset < buf.length) this.#carry = Buffer.from(buf.subarray(offset));
  }

  get queries(): number {
    return this.byType[MessageType.Query]!;
  }
}

/** A socket after the handshake: writes (deflated when announced), reads handed to `onBytes`. */
class Wire {
  readonly #socket: net.Socket;
  readonly #deflater: zlib.Deflate | undefined;
  readonly #inflater: zlib.Inflate | undefined;
  #failure: string | undefined;
  #waiters = new Set<() => void>();
  /** Rejects when the link stops working: race it against anything that waits on the servent. */
  readonly failed: Promise<never>;
  #reject: ((err: Error) => void) | undefined;

  constructor(
    readonly name: string,
    socket: net.Socket,
    rest: Buffer,
    compression: { send: boolean; receive: boolean },
    onBytes: (bytes: Buffer) => void,
  ) {
    this.#socket = socket;
    this.failed = new Promise<never>((_, reject) => {
      this.#reject = reject;
    });
    this.failed.catch(() => {});
    const fail = (why: string) => {
      if (this.#failure === undefined) {
        this.#failure = why;
        this.#reject?.(new Error(`${name}: ${why}`));
      }
      this.#wakeAll();
    };
    socket.on('error', (err) => fail(`socket error: ${err.message}`));
    socket.on('close', () => fail('the servent closed the connection'));
    socket.on('drain', () => this.#wakeAll());
    if (compression.send) {
      this.#deflater = zlib.createDeflate();
      this.#deflater.on('data', (chunk: Buffer) => socket.write(chunk));
      this.#deflater.on('error', (err) => fail(`deflate failed: ${err.message}`));
    }
    const deliver = (bytes: Buffer) => {
      try {
        onBytes(bytes);
      } catch (err) {
        fail((err as Error).message);
        socket.destroy();
      }
    };
    if (compression.receive) {
      const inflater = zlib.createInflate();
      inflater.on('data', deliver);
      inflater.on('error', (err) => fail(`inflate failed: ${err.message}`));
      this.#inflater = inflater;
    }
    const read = this.#inflater
      ? (chunk: Buffer) => this.#inflater!.write(chunk)
      : (chunk: Buffer) => deliver(chunk);
    socket.on('data', read);
    if (rest.length > 0) read(rest);
  }

  /** Why the link stopped working, if it did. */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** Writes whole messages; resolves when more may be written. */
  async write(bytes: Buffer): Promise<void> {
    this.check();
    if (this.#deflater) {
      const deflater = this.#deflater;
      deflater.write(bytes);
      await new Promise<void>((resolve) => deflater.flush(zlib.constants.Z_SYNC_FLUSH, resolve));
    } else {
      this.#socket.write(bytes);
    }
    while (this.#socket.writableLength >= WRITE_HIGH_WATER) {
      this.check();
      await new Promise<void>((resolve) => this.#waiters.add(resolve));
    }
    this.check();
  }

  close(): void {
    this.#deflater?.destroy();
    this.#inflater?.destroy();
    this.#socket.destroy();
  }

  /** Throws if the link stopped working. */
  check(): void {
    if (this.#failure !== undefined) throw new Error(`${this.name}: ${this.#failure}`);
  }

  #wakeAll(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}

/** Connects, sends block (1), reads block (2), answers with block (3); the servent must say 200. */
async function handshake(
  to: Endpoint,
  options: LinkOptions,
  request: (local: Endpoint) => Fields,
  onBytes: (bytes: Buffer) => void,
): Promise<Wire> {
  const socket = net.connect({ host: to.host, port: to.port });
  socket.setNoDelay(true);
  try {
    const { block, rest } = await new Promise<{ block: HeaderBlock; rest: Buffer }>(
      (resolve, reject) => {
        const reader = new BlockReader();
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `${options.name}: handshake with ${to.host}:${to.port} not completed after ${HANDSHAKE_TIMEOUT_MS} ms`,
              ),
            ),
          HANDSHAKE_TIMEOUT_MS,
        );
        const done = () => {
          clearTimeout(timer);
          socket.off('data', onData);
        };
        const onData = (chunk: Buffer) => {
          const read = reader.write(chunk);
          if (read.kind === 'incomplete') return;
          done();
          if (read.kind === 'error')
            reject(new Error(`${options.name}: malformed block (2): ${read.error.message}`));
          else resolve({ block: read.block, rest: Buffer.from(read.rest) });
        };
        socket.once('error', (err: NodeJS.ErrnoException) => {
          done();
          const hint = err.code === 'EMFILE' ? ' (out of file descriptors: raise `ulimit -n`)' : '';
          reject(new Error(`${options.name}: ${to.host}:${to.port}: ${err.message}${hint}`));
        });
        socket.once('connect', () => {
          const local = { host: socket.localAddress ?? '127.0.0.1', port: socket.localPort ?? 0 };
          socket.write(formatBlock(CONNECT_LINE, request(local)));
        });
        socket.on('data', onData);
      },
    );
    if (!/^GNUTELLA\/0\.6 200\b/.test(block.firstLine))
      throw new Error(`${options.name}: the servent refused the handshake: "${block.firstLine}"`);
    const offered = /\bdeflate\b/i.test(block.headers.get('Accept-Encoding') ?? '');
    const send = options.deflate && offered;
    const receive = (block.headers.get('Content-Encoding') ?? '').toLowerCase() === 'deflate';
    if (options.deflate && !receive)
      throw new Error(
        `${options.name}: offered deflate but the servent did not announce Content-Encoding: deflate (started with --no-deflate?)`,
      );
    socket.write(formatBlock('GNUTELLA/0.6 200 OK', send ? [['Content-Encoding', 'deflate']] : []));
    socket.removeAllListeners('error');
    return new Wire(options.name, socket, rest, { send, receive }, onBytes);
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

function commonFields(local: Endpoint, to: Endpoint, deflate: boolean): Fields {
  return [
    ['User-Agent', USER_AGENT],
    ['Listen-IP', `${local.host}:${local.port}`],
    ['Remote-IP', to.host],
    ['GUID', guidToHex(newGuid(randomBytes))],
    ['Bye-Packet', '0.1'],
    ['GGEP', '0.5'],
    ['Vendor-Message', '0.2'],
    ['X-Query-Routing', '0.1'],
    ['X-Max-TTL', '4'],
    ...(deflate ? [['Accept-Encoding', 'deflate'] as const] : []),
  ];
}

export class BenchLeaf {
  /** Queries counted when the current mix started. */
  #mark = 0;

  private constructor(
    readonly name: string,
    readonly index: number,
    readonly wire: Wire,
    readonly counter: MessageCounter,
    readonly hooks: { onReceive?: () => void },
  ) {}

  static async connect(to: Endpoint, index: number, options: LinkOptions): Promise<BenchLeaf> {
    const counter = new MessageCounter();
    const hooks: { onReceive?: () => void } = {};
    const wire = await handshake(
      to,
      options,
      (local) => [
        ...commonFields(local, to, options.deflate),
        ['X-Ultrapeer', 'False'],
        ['X-Requeries', 'False'],
      ],
      (bytes) => {
        counter.write(bytes);
        hooks.onReceive?.();
      },
    );
    return new BenchLeaf(options.name, index, wire, counter, hooks);
  }

  /** Told after each batch of received bytes was counted. */
  set onReceive(fn: (() => void) | undefined) {
    this.hooks.onReceive = fn;
  }

  /** RESET and the PATCH sequence that make `table` this leaf's table at the servent. */
  async sendTable(table: QueryRouteTable): Promise<void> {
    const messages = routeTableUpdates(undefined, table).map((update) =>
      encodeRouteTableMessage(newGuid(randomBytes), update),
    );
    await this.wire.write(Buffer.concat(messages));
  }

  /** Queries received since `mark()`. */
  get queries(): number {
    return this.counter.queries - this.#mark;
  }

  mark(): void {
    this.#mark = this.counter.queries;
  }

  close(): void {
    this.wire.close();
  }
}

export interface SourceRun {
  criteria: string;
  /** Queries per write (before deflate). */
  batch: number;
  /** More may be sent now (e.g. the matching leaves are within a window of what was sent). */
  mayWrite: () => boolean;
}

/** A point in the source's stream the servent has provably reached. */
export interface Checkpoint {
  /** Queries written (since `start`) before the checkpoint's ping. */
  sent: number;
  /** performance.now() when the servent's pong came back: it had handled every query before. */
  at: number;
}

const CHECKPOINT_TIMEOUT_MS = 30_000;
/**
 * The source puts an alive ping after every ACK_EVERY queries and writes no
 * further than ACK_WINDOW queries past the last one answered: the servent
 * never has more than a fraction of a second of work waiting, however much
 * the sockets (and deflate, which shrinks these queries tenfold) would hold.
 */
const ACK_EVERY = 5_000;
const ACK_WINDOW = 40_000;

export class QuerySource {
  /** Queries written since `start()` or `sendCount()`. */
  sent = 0;
  /** Every query GUID carries this counter in bytes 0–3; never reset, so GUIDs never repeat. */
  #counter = 0;
  readonly #guid = newGuid(randomBytes);
  #stopping = false;
  #running: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** Pings written or to write, by GUID (hex), resolved by their pongs. */
  readonly #pongWaiters: Map<string, (at: number) => void>;
  #pendingPing: { bytes: Buffer; onWritten: (sent: number) => void } | undefined;
  /** Queries the servent has provably read (by the pong of a ping written after them). */
  #acked = 0;
  #lastAckPing = 0;

  private constructor(
    readonly wire: Wire,
    pongWaiters: Map<string, (at: number) => void>,
  ) {
    this.#pongWaiters = pongWaiters;
  }

  static async connect(to: Endpoint, options: LinkOptions): Promise<QuerySource> {
    const pongWaiters = new Map<string, (at: number) => void>();
    const counter = new MessageCounter((buf, offset) => {
      if (buf[offset + 16] !== MessageType.Pong || pongWaiters.size === 0) return;
      const key = buf.toString('hex', offset, offset + 16);
      pongWaiters.get(key)?.(performance.now());
      pongWaiters.delete(key);
    });
    const wire = await handshake(
      to,
      options,
      (local) => [
        ...commonFields(local, to, options.deflate),
        ['X-Ultrapeer', 'True'],
        ['X-Degree', '32'],
      ],
      (bytes) => counter.write(bytes),
    );
    return new QuerySource(wire, pongWaiters);
  }

  /** Starts writing queries until `stop()`. */
  start(run: SourceRun): void {
    if (this.#running) throw new Error('the query source is already running; stop() it first');
    this.#stopping = false;
    this.sent = 0;
    this.#acked = 0;
    this.#lastAckPing = 0;
    this.#running = this.#loop(run);
    // Handled here so a failure before stop() is not an unhandled rejection; stop() rethrows it.
    this.#running.catch(() => {});
  }

  /** Stops after the write in progress; rejects if the link failed. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.poke();
    const running = this.#running;
    this.#running = undefined;
    await running;
  }

  /**
   * Puts an alive ping (TTL 1, hops 0) into the stream between two writes and
   * resolves when its pong arrives. The servent handles a link's messages in
   * order and answers an alive ping at once (MSG-20, MSG-40), so by then it
   * has handled every query written before: a clock on the servent's progress
   * that needs no control API (which a busy servent answers late).
   */
  async checkpoint(): Promise<Checkpoint> {
    const { bytes, key } = alivePing();
    let timer: NodeJS.Timeout | undefined;
    const pong = new Promise<number>((resolve, reject) => {
      this.#pongWaiters.set(key, resolve);
      timer = setTimeout(() => {
        this.#pongWaiters.delete(key);
        reject(
          new Error(
            `no pong for the source's alive ping ${key} after ${CHECKPOINT_TIMEOUT_MS} ms${this.wire.failure ? ` (${this.wire.failure})` : ''}`,
          ),
        );
      }, CHECKPOINT_TIMEOUT_MS);
    });
    pong.catch(() => {});
    try {
      let sent: number;
      const running = this.#running;
      if (running) {
        const written = new Promise<number>((onWritten) => {
          this.#pendingPing = { bytes, onWritten };
          this.poke();
        });
        const ended = running.then(() => {
          throw new Error('the query source stopped before writing its checkpoint ping');
        });
        sent = await Promise.race([written, ended, this.wire.failed]);
      } else {
        sent = this.sent;
        await this.wire.write(bytes);
      }
      return { sent, at: await Promise.race([pong, this.wire.failed]) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `count` queries now, in batches, pacing by `mayWrite`; resolves once written. */
  async sendCount(run: SourceRun, count: number): Promise<void> {
    this.sent = 0;
    const template = queryTemplate(run.criteria, run.batch, this.#guid);
    while (this.sent < count) {
      this.wire.check();
      if (!run.mayWrite()) {
        await this.#nap();
        continue;
      }
      const n = Math.min(run.batch, count - this.sent);
      await this.wire.write(this.#fill(template, n));
      this.sent += n;
    }
  }

  /** A leaf received something: a waiting writer may go on. */
  poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  close(): void {
    this.#stopping = true;
    this.poke();
    this.wire.close();
  }

  async #loop(run: SourceRun): Promise<void> {
    const template = queryTemplate(run.criteria, run.batch, this.#guid);
    while (!this.#stopping) {
      this.wire.check();
      const ping = this.#pendingPing;
      if (ping) {
        this.#pendingPing = undefined;
        await this.wire.write(ping.bytes);
        ping.onWritten(this.sent);
      }
      if (!run.mayWrite() || this.sent - this.#acked >= ACK_WINDOW) {
        await this.#nap();
        continue;
      }
      await this.wire.write(this.#fill(template, run.batch));
      this.sent += run.batch;
      if (this.sent - this.#lastAckPing >= ACK_EVERY) await this.#ackPing();
      // Let the leaves' reads in between writes, even while the socket takes everything.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const ping = this.#pendingPing;
    this.#pendingPing = undefined;
    if (ping) {
      await this.wire.write(ping.bytes);
      ping.onWritten(this.sent);
    }
  }

  /** A ping whose pong moves `#acked` up to what was written before it. */
  async #ackPing(): Promise<void> {
    const { bytes, key } = alivePing();
    const sent = this.sent;
    this.#lastAckPing = sent;
    this.#pongWaiters.set(key, () => {
      this.#acked = Math.max(this.#acked, sent);
      this.poke();
    });
    await this.wire.write(bytes);
  }

  /** Until a leaf receives something, or 20 ms (so a stop or a lost message never hangs). */
  #nap(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.poke(), 20);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** `n` queries of the template with fresh GUIDs (bytes 0–3 a counter). */
  #fill(template: { bytes: Buffer; size: number }, n: number): Buffer {
    const out = Buffer.allocUnsafe(template.size * n);
    template.bytes.copy(out, 0, 0, out.length);
    for (let i = 0; i < n; i++) out.writeUInt32LE(++this.#counter >>> 0, i * template.size);
    return out;
  }
}

/** An alive ping (TTL 1, hops 0, MSG-40), which the servent answers at once, whatever its load. */
function alivePing(): { bytes: Buffer; key: string } {
  const guid = newGuid(randomBytes);
  const bytes = Buffer.from(
    encodeMessage({ guid, type: MessageType.Ping, ttl: 1, hops: 0 }, new Uint8Array(0)),
  );
  return { bytes, key: Buffer.from(guid).toString('hex') };
}

/** `batch` copies of one query (TTL 2, hops 0, flags 0x8000, no extensions). */
function queryTemplate(criteria: string, batch: number, guid: Uint8Array) {
  const message = encodeMessage(
    { guid, type: MessageType.Query, ttl: 2, hops: 0 },
    encodeQuery({ flags: 0x8000, criteria, extensions: [], trailingNul: false }),
  );
  const bytes = Buffer.alloc(message.length * batch);
  for (let i = 0; i < batch; i++) bytes.set(message, i * message.length);
  return { bytes, size: message.length };
}
