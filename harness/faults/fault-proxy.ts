/**
 * A TCP proxy that does to a connection what a bad network would: delay,
 * jitter, a byte rate, a reset after so many bytes, one flipped byte, a black
 * hole. The kernel here has no netem, so the harness puts this between a
 * fixture peer and the node (shared/DESIGN.md, "Docker here").
 *
 * "up" is what the connecting side (the client, a fixture) sends towards the
 * upstream (the node); "down" is the other way. Each direction is a queue of
 * chunks with a due time; byte offsets count what the proxy read from the
 * sending side since the connection opened. Backpressure is kept: a slow
 * receiver or a rate limit pauses reading from the sender. Bytes held only for
 * latency are capped; past the cap the connection is dropped, with the reason
 * recorded.
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import type { Endpoint } from '../runtime/docker-runtime.js';

export type Direction = 'up' | 'down';

export interface Faults {
  /** Added to every chunk, both directions. */
  latencyMs?: number;
  /** A further random 0..jitterMs per chunk; order is kept. */
  jitterMs?: number;
  /** Once `bytes` bytes have passed in `direction`, both sides get a TCP reset. */
  resetAfterBytes?: { direction: Direction; bytes: number };
  /** The byte at offset `atByte` of `direction` is XORed with `xor` (default 0xff). */
  corrupt?: { direction: Direction; atByte: number; xor?: number };
  /** Rate limit, each direction. */
  throttleBytesPerSec?: number;
  /** Bytes past this offset are swallowed; the connection stays open. A number applies both ways. */
  blackholeAfterBytes?: number | { direction: Direction; bytes: number };
}

export interface FaultProxyOptions {
  listen: { host: string; port?: number };
  upstream: Endpoint;
  faults?: Faults;
  /** Bytes one direction may hold for latency before the connection is dropped; default 4 MiB. */
  maxBufferedBytes?: number;
  /** How long to wait for the upstream to accept; default 10 s. */
  connectTimeoutMs?: number;
}

export interface DirectionStats {
  /** Bytes read from the sending side. */
  received: number;
  /** Bytes handed to the receiving side. */
  forwarded: number;
  /** Bytes swallowed: black hole, after a reset, or with nowhere to go. */
  dropped: number;
}

export interface SideClose {
  how: 'fin' | 'reset' | 'error' | 'destroyed';
  /** Whether that side did it, or the proxy did it to that side. */
  by: 'peer' | 'proxy';
  at: number;
  detail?: string;
}

export interface SideRecord {
  /** When this side sent its FIN. */
  finAt?: number;
  /** When the proxy sent this side a FIN, passing on the other side's. */
  finSentAt?: number;
  /** What first ended this side's socket. */
  closed?: SideClose;
}

export interface FiredFault {
  fault: 'reset' | 'corrupt' | 'blackhole' | 'overflow';
  direction: Direction;
  /** Offset in that direction's stream. */
  offset: number;
  at: number;
  detail?: string;
}

export interface ConnectionRecord {
  id: number;
  /** The connecting side's address, as the proxy saw it. */
  client: Endpoint;
  openedAt: number;
  upstreamConnectedAt?: number;
  up: DirectionStats;
  down: DirectionStats;
  sides: { client: SideRecord; upstream: SideRecord };
  fired: FiredFault[];
  /** When both sockets were closed. */
  closedAt?: number;
  /** Why the proxy dropped the connection, when it did. */
  dropReason?: string;
}

const DEFAULT_MAX_BUFFERED = 4 * 1024 * 1024;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Held bytes past which a blocked or rate-limited direction stops reading its sender. */
const HIGH_WATER = 64 * 1024;
/** A rate-limited direction sends 50 ms worth at a time. */
const SLICE_MS = 50;
/** After the last byte before a reset is handed to the kernel, let it leave before the RST. */
const RESET_SETTLE_MS = 20;

export class FaultProxy {
  readonly connections: ConnectionRecord[] = [];
  readonly #server: net.Server;
  readonly #upstream: Endpoint;
  readonly #maxBuffered: number;
  readonly #connectTimeoutMs: number;
  readonly #links = new Set<Link>();
  readonly #changes = new EventEmitter();
  #faults: Faults;
  #nextId = 1;
  #stopped = false;

  private constructor(server: net.Server, options: FaultProxyOptions) {
    this.#server = server;
    this.#upstream = options.upstream;
    this.#faults = checkFaults(options.faults ?? {});
    this.#maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.#changes.setMaxListeners(0);
  }

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    // Half-open kept, so a FIN passes on as a FIN; paused until the upstream has accepted.
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    const proxy = new FaultProxy(server, options);
    server.on('connection', (socket) => proxy.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.listen.port ?? 0, options.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return proxy;
  }

  /** Where clients connect. */
  get endpoint(): Endpoint {
    const address = this.#server.address() as net.AddressInfo;
    return { host: address.address, port: address.port };
  }

  get faults(): Faults {
    return this.#faults;
  }

  /** Replaces the faults; they apply to bytes read from now on, on open connections too. */
  setFaults(faults: Faults): void {
    this.#faults = checkFaults(faults);
    for (const link of this.#links) link.faultsChanged();
  }

  /** The record of the connection a client opened from `port`. */
  connectionFrom(port: number): ConnectionRecord | undefined {
    return this.connections.find((c) => c.client.port === port);
  }

  /** Resolves with `check`'s first defined answer; it is asked again at every change of a record. */
  async waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const first = check();
    if (first !== undefined) return first;
    return new Promise<T>((resolve, reject) => {
      const onChange = () => {
        let value: T | undefined;
        try {
          value = check();
        } catch (err) {
          done();
          reject(err);
          return;
        }
        if (value === undefined) return;
        done();
        resolve(value);
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `fault proxy: ${what} not seen after ${timeoutMs} ms; connections: ${JSON.stringify(this.connections)}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#changes.off('change', onChange);
      };
      this.#changes.on('change', onChange);
    });
  }

  /** Stops listening and closes every connection at once. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const link of [...this.#links]) link.destroy('proxy stopped');
    await closed;
  }

  /** @internal for Link */
  changed(): void {
    this.#changes.emit('change');
  }

  /** @internal for Link */
  get maxBuffered(): number {
    return this.#maxBuffered;
  }

  /** @internal for Link */
  forget(link: Link): void {
    this.#links.delete(link);
  }

  #accept(client: net.Socket): void {
    if (this.#stopped) {
      client.destroy();
      return;
    }
    const record: ConnectionRecord = {
      id: this.#nextId++,
      client: {
        host: (client.remoteAddress ?? '').replace(/^::ffff:/, ''),
        port: client.remotePort ?? 0,
      },
      openedAt: Date.now(),
      up: { received: 0, forwarded: 0, dropped: 0 },
      down: { received: 0, forwarded: 0, dropped: 0 },
      sides: { client: {}, upstream: {} },
      fired: [],
    };
    this.connections.push(record);
    const upstream = net.connect({
      host: this.#upstream.host,
      port: this.#upstream.port,
      allowHalfOpen: true,
    });
    this.#links.add(new Link(this, record, client, upstream, this.#connectTimeoutMs));
    this.changed();
  }
}

type Item =
  | { kind: 'data'; due: number; bytes: Buffer }
  | { kind: 'end'; due: number }
  /** `fault`: the reset fault fired here; otherwise a reset from the sender passed on. */
  | { kind: 'reset'; due: number; fault: boolean };

type Side = 'client' | 'upstream';

/** One proxied connection: two sockets and a pipe each way. */
class Link {
  readonly up: Pipe;
  readonly down: Pipe;
  #closedSockets = 0;
  /** Order of FINs per side (timestamps can tie): which came first decides who closed. */
  #events = 0;
  readonly #finOrder = { client: { got: 0, sent: 0 }, upstream: { got: 0, sent: 0 } };
  #connectTimer: NodeJS.Timeout | undefined;
  #over = false;

  constructor(
    readonly proxy: FaultProxy,
    readonly record: ConnectionRecord,
    readonly client: net.Socket,
    readonly upstream: net.Socket,
    connectTimeoutMs: number,
  ) {
    this.up = new Pipe(this, 'up', client, upstream);
    this.down = new Pipe(this, 'down', upstream, client);
    this.#watch(client, 'client');
    this.#watch(upstream, 'upstream');
    this.#connectTimer = setTimeout(() => {
      this.drop(`upstream did not accept within ${connectTimeoutMs} ms`);
    }, connectTimeoutMs);
    upstream.once('connect', () => {
      clearTimeout(this.#connectTimer);
      this.record.upstreamConnectedAt = Date.now();
      this.proxy.changed();
      client.resume();
    });
  }

  get faults(): Faults {
    return this.proxy.faults;
  }

  get over(): boolean {
    return this.#over;
  }

  side(which: Side): SideRecord {
    return this.record.sides[which];
  }

  /** The proxy passed a FIN on to this side. */
  finSent(which: Side): void {
    this.side(which).finSentAt = Date.now();
    this.#finOrder[which].sent = ++this.#events;
  }

  faultsChanged(): void {
    this.up.pump();
    this.down.pump();
  }

  fired(event: FiredFault): void {
    this.record.fired.push(event);
    this.proxy.changed();
  }

  /** Ends the connection with a reset both ways, for a reason of the proxy's own. */
  drop(reason: string): void {
    if (this.#over) return;
    this.record.dropReason ??= reason;
    this.resetSide('client', reason);
    this.resetSide('upstream', reason);
  }

  resetSide(which: Side, detail: string): void {
    const socket = which === 'client' ? this.client : this.upstream;
    const side = this.side(which);
    side.closed ??= { how: 'reset', by: 'proxy', at: Date.now(), detail };
    if (!socket.destroyed) socket.resetAndDestroy();
    this.proxy.changed();
  }

  /** Closes both sockets without a reset (stop()). */
  destroy(detail: string): void {
    for (const which of ['client', 'upstream'] as const) {
      const socket = which === 'client' ? this.client : this.upstream;
      this.side(which).closed ??= { how: 'destroyed', by: 'proxy', at: Date.now(), detail };
      socket.destroy();
    }
    this.proxy.changed();
  }

  #watch(socket: net.Socket, which: Side): void {
    const from = which === 'client' ? this.up : this.down;
    const to = which === 'client' ? this.down : this.up;
    socket.on('data', (chunk: Buffer) => from.intake(chunk));
    socket.on('end', () => {
      this.side(which).finAt = Date.now();
      this.#finOrder[which].got = ++this.#events;
      from.endOfInput();
      this.proxy.changed();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? err.message;
      this.side(which).closed ??= {
        how: code === 'ECONNRESET' ? 'reset' : 'error',
        by: 'peer',
        at: Date.now(),
        detail: code,
      };
      if (which === 'upstream' && this.record.upstreamConnectedAt === undefined) {
        clearTimeout(this.#connectTimer);
        this.record.dropReason ??= `upstream connect failed: ${code}`;
      }
      // As the network would: what was on its way still arrives, then the reset.
      from.resetAfterPending();
      to.stop();
      this.proxy.changed();
    });
    socket.on('close', () => {
      const side = this.side(which);
      if (!side.closed) {
        const order = this.#finOrder[which];
        const peerFirst = order.got > 0 && (order.sent === 0 || order.got < order.sent);
        side.closed = { how: 'fin', by: peerFirst ? 'peer' : 'proxy', at: Date.now() };
      }
      // Nothing more can reach this side; what it sent still goes on, then its FIN.
      to.stop();
      from.endOfInput();
      this.#closedSockets++;
      if (this.#closedSockets === 2) this.#finish();
      this.proxy.changed();
    });
  }

  #finish(): void {
    this.#over = true;
    clearTimeout(this.#connectTimer);
    this.up.stop();
    this.down.stop();
    this.record.closedAt = Date.now();
    this.proxy.forget(this);
  }
}

/** One direction of a link: reads `src`, applies the faults, writes `dst` when due. */
class Pipe {
  readonly #queue: Item[] = [];
  #queued = 0;
  #lastDue = 0;
  #sendAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = 0;
  #writeBlocked = false;
  #pausedSrc = false;
  /** No more input: after a reset cut or an end. */
  #inputDone = false;
  /** Nothing more is delivered: the receiving side is gone. */
  #stopped = false;
  /** Bytes the kernel has taken from `dst`'s writes. */
  #flushed = 0;
  #onFlush: (() => void) | undefined;
  #blackholed = false;

  constructor(
    readonly link: Link,
    readonly direction: Direction,
    readonly src: net.Socket,
    readonly dst: net.Socket,
  ) {}

  get stats(): DirectionStats {
    return this.link.record[this.direction];
  }

  intake(chunk: Buffer): void {
    const stats = this.stats;
    const start = stats.received;
    stats.received += chunk.length;
    if (this.#inputDone || this.#stopped) {
      stats.dropped += chunk.length;
      // The receiving side is closed: its kernel would answer new data with a reset.
      if (this.#stopped && !this.link.over) this.link.resetSide(this.#srcSide(), 'peer closed');
      this.link.proxy.changed();
      return;
    }
    const faults = this.link.faults;
    let bytes = chunk;

    const corrupt = faults.corrupt;
    if (corrupt?.direction === this.direction) {
      const at = corrupt.atByte - start;
      if (at >= 0 && at < bytes.length) {
        bytes = Buffer.from(bytes);
        const before = bytes[at]!;
        bytes[at] = before ^ (corrupt.xor ?? 0xff);
        this.link.fired({
          fault: 'corrupt',
          direction: this.direction,
          offset: corrupt.atByte,
          at: Date.now(),
          detail: `0x${hex(before)} -> 0x${hex(bytes[at]!)}`,
        });
      }
    }

    const limit = blackholeFor(faults, this.direction);
    if (limit !== undefined && start + bytes.length > limit) {
      const keep = Math.max(0, limit - start);
      stats.dropped += bytes.length - keep;
      bytes = bytes.subarray(0, keep);
      if (!this.#blackholed) {
        this.#blackholed = true;
        this.link.fired({
          fault: 'blackhole',
          direction: this.direction,
          offset: Math.max(limit, start),
          at: Date.now(),
        });
      }
    }

    let cut = false;
    const reset = faults.resetAfterBytes;
    if (reset?.direction === this.direction && start + chunk.length >= reset.bytes) {
      const keep = Math.max(0, Math.min(bytes.length, reset.bytes - start));
      stats.dropped += bytes.length - keep;
      bytes = bytes.subarray(0, keep);
      cut = true;
    }

    const due = this.#due();
    if (bytes.length > 0) {
      this.#queue.push({ kind: 'data', due, bytes });
      this.#queued += bytes.length;
    }
    if (cut) {
      this.#queue.push({ kind: 'reset', due, fault: true });
      this.#inputDone = true;
      this.src.pause();
    }
    this.link.proxy.changed();
    this.pump();
    if (this.#heldForLatency() && this.#queued > this.link.proxy.maxBuffered) {
      this.link.fired({
        fault: 'overflow',
        direction: this.direction,
        offset: stats.received,
        at: Date.now(),
        detail: `${this.#queued} bytes held, cap ${this.link.proxy.maxBuffered}`,
      });
      this.link.drop(
        `overflow: the ${this.#srcSide()} sent more than could be held while delayed (${this.#queued} bytes, cap ${this.link.proxy.maxBuffered})`,
      );
    }
  }

  /** The sender sent its FIN: pass it on once what came before it has gone. */
  endOfInput(): void {
    if (this.#inputDone) return;
    this.#inputDone = true;
    this.#queue.push({ kind: 'end', due: this.#due() });
    this.pump();
  }

  /** The sender was reset: deliver what is queued, then reset the receiver. */
  resetAfterPending(): void {
    if (this.#inputDone && this.#queue.some((i) => i.kind !== 'data')) {
      // An end or reset is queued already; make it a reset.
      for (const [n, item] of this.#queue.entries())
        if (item.kind === 'end') this.#queue[n] = { kind: 'reset', due: item.due, fault: false };
    } else {
      this.#inputDone = true;
      this.#queue.push({ kind: 'reset', due: this.#due(), fault: false });
    }
    this.pump();
  }

  /** The receiver is gone: drop what is queued and deliver nothing more. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.stats.dropped += this.#queued;
    this.#queue.length = 0;
    this.#queued = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#resumeSrc();
  }

  pump(): void {
    while (!this.#stopped && !this.#writeBlocked && this.#queue.length > 0) {
      if (this.dst.destroyed) {
        this.stop();
        return;
      }
      const head = this.#queue[0]!;
      const now = Date.now();
      const rate = this.link.faults.throttleBytesPerSec;
      const readyAt = head.kind === 'data' && rate ? Math.max(head.due, this.#sendAt) : head.due;
      if (readyAt > now) {
        this.#arm(readyAt);
        return;
      }
      if (head.kind === 'end') {
        this.#queue.shift();
        this.link.finSent(this.#dstSide());
        this.dst.end();
        this.link.proxy.changed();
        continue;
      }
      if (head.kind === 'reset') {
        this.#queue.shift();
        this.#stopped = true;
        void this.#fireReset(head.fault);
        return;
      }
      const n = rate
        ? Math.min(head.bytes.length, Math.max(1, Math.floor((rate * SLICE_MS) / 1000)))
        : head.bytes.length;
      const piece = head.bytes.subarray(0, n);
      head.bytes = head.bytes.subarray(n);
      if (head.bytes.length === 0) this.#queue.shift();
      this.#queued -= n;
      this.stats.forwarded += n;
      if (rate) this.#sendAt = Math.max(now, this.#sendAt) + (n * 1000) / rate;
      const room = this.dst.write(piece, () => {
        this.#flushed += n;
        this.#onFlush?.();
      });
      this.link.proxy.changed();
      if (!room) {
        this.#writeBlocked = true;
        this.dst.once('drain', () => {
          this.#writeBlocked = false;
          this.pump();
        });
      }
    }
    this.#backpressure();
  }

  /** Reads pause while a slow receiver or a rate limit holds many bytes; latency alone does not pause. */
  #backpressure(): void {
    const holding = this.#writeBlocked || Boolean(this.link.faults.throttleBytesPerSec);
    if (holding && this.#queued >= HIGH_WATER) {
      if (!this.#pausedSrc && !this.#inputDone) {
        this.#pausedSrc = true;
        this.src.pause();
      }
    } else if (this.#queued <= HIGH_WATER / 2) {
      this.#resumeSrc();
    }
  }

  #resumeSrc(): void {
    if (!this.#pausedSrc) return;
    this.#pausedSrc = false;
    if (!this.#inputDone) this.src.resume();
  }

  #heldForLatency(): boolean {
    return !this.#writeBlocked && !this.link.faults.throttleBytesPerSec;
  }

  async #fireReset(fault: boolean): Promise<void> {
    // Every byte before the reset reaches the receiver's kernel first.
    await new Promise<void>((resolve) => {
      const check = () => {
        if (this.#flushed >= this.stats.forwarded || this.dst.destroyed) {
          this.#onFlush = undefined;
          resolve();
        }
      };
      this.#onFlush = check;
      check();
    });
    await new Promise((resolve) => setTimeout(resolve, RESET_SETTLE_MS));
    if (fault) {
      this.link.fired({
        fault: 'reset',
        direction: this.direction,
        offset: this.stats.forwarded,
        at: Date.now(),
      });
      this.link.resetSide('client', 'reset fault');
      this.link.resetSide('upstream', 'reset fault');
    } else {
      this.link.resetSide(this.#dstSide(), `passing on a reset from the ${this.#srcSide()}`);
    }
  }

  #due(): number {
    const { latencyMs = 0, jitterMs = 0 } = this.link.faults;
    const due = Date.now() + latencyMs + (jitterMs > 0 ? Math.random() * jitterMs : 0);
    // Jitter never reorders bytes.
    this.#lastDue = Math.max(this.#lastDue, due);
    return this.#lastDue;
  }

  #arm(at: number): void {
    if (this.#timer && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.pump();
      },
      Math.max(0, at - Date.now()),
    );
  }

  #srcSide(): Side {
    return this.direction === 'up' ? 'client' : 'upstream';
  }

  #dstSide(): Side {
    return this.direction === 'up' ? 'upstream' : 'client';
  }
}

function blackholeFor(faults: Faults, direction: Direction): number | undefined {
  const b = faults.blackholeAfterBytes;
  if (b === undefined) return undefined;
  if (typeof b === 'number') return b;
  return b.direction === direction ? b.bytes : undefined;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

function checkFaults(faults: Faults): Faults {
  const count = (what: string, n: number | undefined) => {
    if (n !== undefined && (!Number.isInteger(n) || n < 0))
      throw new Error(`fault proxy: ${what} must be a whole number ≥ 0, not ${n}`);
  };
  count('latencyMs', faults.latencyMs);
  count('jitterMs', faults.jitterMs);
  count('resetAfterBytes.bytes', faults.resetAfterBytes?.bytes);
  count('corrupt.atByte', faults.corrupt?.atByte);
  const b = faults.blackholeAfterBytes;
  count('blackholeAfterBytes', typeof b === 'number' ? b : b?.bytes);
  const xor = faults.corrupt?.xor;
  if (xor !== undefined && (!Number.isInteger(xor) || xor < 1 || xor > 255))
    throw new Error(`fault proxy: corrupt.xor must be 1..255 (0 would change nothing), not ${xor}`);
  const rate = faults.throttleBytesPerSec;
  if (rate !== undefined && !(rate > 0))
    throw new Error(`fault proxy: throttleBytesPerSec must be > 0, not ${rate}`);
  return { ...faults };
}
