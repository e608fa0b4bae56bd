/**
 * One TCP connection of the servent: drives the sans-I/O handshake core with the
 * socket's bytes and the clock, then carries framed messages, deflated when the
 * handshake said so. What to answer lives in the servent; this file moves bytes.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type * as zlib from 'node:zlib';
import {
  Handshake,
  type HandshakeEvent,
  type HandshakeRole,
  type HeaderBlock,
  HeaderName,
  type Headers,
  type Reply,
} from '../core/handshake/index.js';
import { type Frame, type FrameResult, MessageFramer } from '../core/wire/index.js';
import { isZlibHeader } from '../core/zlib-header.js';
import {
  type BatchCompressor,
  BatchDeflater,
  type LinkDeflater,
  StreamDeflater,
} from './link-deflater.js';
import { type LinkInflater, ReplayInflater, StreamInflater } from './link-inflater.js';
import type { Logger } from './log.js';

export type ConnectionState = 'handshaking' | 'established' | 'closing' | 'closed';

export interface ConnectionSnapshot {
  id: number;
  direction: 'inbound' | 'outbound';
  remote: { host: string; port: number };
  state: ConnectionState;
  peerMode: 'ultrapeer' | 'leaf' | undefined;
  peerHeaders: Record<string, string>;
  ourHeaders: Record<string, string>;
  compression: { send: boolean; receive: boolean };
  openedAt: string;
  establishedAt: string | undefined;
  messagesIn: number;
  messagesOut: number;
  closeReason: string | undefined;
}

export interface ConnectionEvents {
  established: [];
  message: [frame: Frame];
  /** The socket took what was buffered: `send` may go on. */
  writable: [];
  closed: [reason: string];
}

/** After we send Bye or end our side, how long the peer may keep the socket (MSG-36). */
const CLOSE_GRACE_MS = 10_000;
/** Towards ultrapeers: one zlib stream per link (towards leaves: the servent's shared BatchCompressor). */
const DEFLATE_DEFAULT: zlib.ZlibOptions = { level: 6, chunkSize: 8 * 1024 };
/**
 * Inflated output chunks: small for the many leaves, large for the few
 * ultrapeers, whose streams are busy (fewer threadpool round trips). The
 * window is the peer's choice (link-inflater.ts).
 */
const INFLATE_CHUNK = { leaf: 1024, ultrapeer: 64 * 1024 };

/** Bytes buffered for the socket (and its deflater) past which `send` asks the caller to wait. */
const SEND_HIGH_WATER = 64 * 1024;

export class Connection extends EventEmitter<ConnectionEvents> {
  readonly #socket: Socket;
  /** Dropped once the handshake has ended: its blocks are not needed after. */
  #handshake: Handshake | undefined;
  /** The servent's logger: a child per connection would live as long as the connection. */
  readonly #log: Logger;
  readonly #leafCompressor: BatchCompressor;
  readonly #framer = new MessageFramer();
  #timer: NodeJS.Timeout | undefined;
  #state: ConnectionState = 'handshaking';
  #peer: Headers | undefined;
  #peerMode: 'ultrapeer' | 'leaf' | undefined;
  #ours: Headers | undefined;
  #compression = { send: false, receive: false };
  #deflater: LinkDeflater | undefined;
  #inflater: LinkInflater | undefined;
  #inflaterPending: Buffer[] = [];
  #flushScheduled = false;
  /** `send` returned false: `writable` is owed. */
  #blocked = false;
  /** Deflated links: messages sent this event-loop turn, deflated together at its end. */
  #outbox: Uint8Array[] = [];
  #outboxBytes = 0;
  readonly #openedAt = Date.now();
  #establishedAt: number | undefined;
  #messagesIn = 0;
  #messagesOut = 0;
  #closeReason: string | undefined;

  constructor(
    readonly id: number,
    readonly direction: 'inbound' | 'outbound',
    readonly remote: { host: string; port: number },
    socket: Socket,
    options: {
      log: Logger;
      handshakeTimeoutMs: number;
      /** Compresses what goes to a leaf, shared by all leaf links. */
      leafCompressor: BatchCompressor;
      request?: ReadonlyArray<readonly [string, string]>;
      respond?: (request: HeaderBlock) => Reply;
      confirm?: (response: HeaderBlock) => Reply;
    },
  ) {
    super();
    this.#socket = socket;
    this.#log = options.log;
    this.#leafCompressor = options.leafCompressor;
    const role: HandshakeRole = direction === 'inbound' ? 'responder' : 'initiator';
    this.#handshake = new Handshake({
      role,
      now: Date.now(),
      timeouts: { requestMs: options.handshakeTimeoutMs, confirmMs: options.handshakeTimeoutMs },
      ...(options.request && { request: options.request }),
      ...(options.respond && { respond: options.respond }),
      ...(options.confirm && { confirm: options.confirm }),
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('error', (err) => this.#logAt('debug', { err: err.message }, 'socket error'));
    socket.on('drain', () => this.#maybeWritable());
    socket.on('close', () => this.#finish(this.#closeReason ?? 'peer closed'));
    this.#pumpHandshake();
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The peer's handshake headers (merged blocks), once established. */
  get peerHeaders(): Headers | undefined {
    return this.#peer;
  }

  /** Our own handshake headers (merged blocks), once established. */
  get ourHeaders(): Headers | undefined {
    return this.#ours;
  }

  get peerMode(): 'ultrapeer' | 'leaf' | undefined {
    return this.#peerMode;
  }

  /**
   * Queues one serialized message. The messages of one event-loop turn leave
   * in one write (one system call, one deflate job with one sync flush), not
   * one each. Returns false when enough is buffered: wait for `writable`.
   */
  send(message: Uint8Array): boolean {
    if (this.#state !== 'established') return false;
    this.#messagesOut++;
    if (this.#deflater) {
      this.#outbox.push(message);
      this.#outboxBytes += message.length;
    } else {
      // Corked until the turn ends: one system call for the turn's messages.
      if (!this.#flushScheduled) this.#socket.cork();
      this.#socket.write(message);
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flushOutbox());
    }
    if (this.#buffered() < SEND_HIGH_WATER) return true;
    this.#blocked = true;
    return false;
  }

  #flushOutbox(): void {
    this.#flushScheduled = false;
    if (!this.#deflater) {
      this.#socket.uncork();
    } else if (this.#outbox.length > 0 && this.#state !== 'closed') {
      const batch = this.#outbox;
      this.#outbox = [];
      this.#outboxBytes = 0;
      this.#deflater.write(batch);
    }
    this.#maybeWritable();
  }

  /**
   * Owes `writable` once nothing will report a drain any more: the deflater
   * has handed everything on and the socket is below its own high-water mark
   * (else its 'drain' comes later and calls this again).
   */
  #maybeWritable(): void {
    if (!this.#blocked) return;
    if (this.#socket.writableNeedDrain || (this.#deflater?.pendingBytes ?? 0) > 0) return;
    this.#blocked = false;
    this.emit('writable');
  }

  #buffered(): number {
    return this.#outboxBytes + this.#socket.writableLength + (this.#deflater?.pendingBytes ?? 0);
  }

  /**
   * Ends our side once what was sent is out (a Bye the overlay queued last
   * included), keeps reading until the peer closes or a grace period passes
   * (MSG-36), then destroys the socket.
   */
  close(reason: string): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#closeReason = reason;
    this.#logAt('info', { reason }, 'closing');
    // What was sent this turn (a Bye last) goes out before our side ends.
    if (this.#flushScheduled) this.#flushOutbox();
    this.#state = 'closing';
    this.#clearTimer();
    const endSocket = () => this.#socket.end();
    if (this.#deflater) this.#deflater.end(endSocket);
    else endSocket();
    setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** Abrupt close, for shutdown. */
  destroy(reason: string): void {
    this.#closeReason ??= reason;
    this.#socket.destroy();
  }

  snapshot(): ConnectionSnapshot {
    return {
      id: this.id,
      direction: this.direction,
      remote: this.remote,
      state: this.#state,
      peerMode: this.peerMode,
      peerHeaders: this.#peer?.toObject() ?? {},
      ourHeaders: this.#ours?.toObject() ?? {},
      compression: { ...this.#compression },
      openedAt: new Date(this.#openedAt).toISOString(),
      establishedAt:
        this.#establishedAt === undefined ? undefined : new Date(this.#establishedAt).toISOString(),
      messagesIn: this.#messagesIn,
      messagesOut: this.#messagesOut,
      closeReason: this.#closeReason,
    };
  }

  #onData(chunk: Buffer): void {
    if (this.#state === 'handshaking') {
      this.#handshake?.handleData(chunk, Date.now());
      this.#pumpHandshake();
    } else if (this.#state === 'established') {
      this.#receive(chunk);
    }
  }

  #onEnd(): void {
    if (this.#state === 'handshaking') {
      this.#handshake?.handleEnd(Date.now());
      this.#pumpHandshake();
    } else if (this.#state === 'established') {
      // Inflated messages arrive asynchronously: let the last ones (a Bye) through first.
      if (this.#inflater) {
        this.#inflater.end(() => this.close('peer closed'));
      } else {
        this.close('peer closed');
      }
    }
  }

  /** Writes what the handshake core produced, handles its event, re-arms its timer. */
  #pumpHandshake(): void {
    const handshake = this.#handshake;
    if (!handshake) return;
    for (let out = handshake.pollOutput(); out; out = handshake.pollOutput()) {
      this.#socket.write(out);
    }
    const event = handshake.pollEvent();
    if (event) {
      // Every event ends the handshake.
      this.#handshake = undefined;
      this.#onHandshakeEvent(event);
      return;
    }
    this.#clearTimer();
    const at = handshake.nextTimeout();
    if (at !== undefined) {
      this.#timer = setTimeout(
        () => {
          handshake.handleTimeout(Date.now());
          this.#pumpHandshake();
        },
        Math.max(0, at - Date.now()),
      );
    }
  }

  #onHandshakeEvent(event: HandshakeEvent): void {
    this.#clearTimer();
    switch (event.type) {
      case 'completed': {
        this.#setPeer(event.peer);
        this.#ours = event.ours;
        this.#compression = { send: event.compressSend, receive: event.compressReceive };
        this.#state = 'established';
        this.#establishedAt = Date.now();
        if (event.compressSend) this.#startDeflate();
        this.#logAt(
          'info',
          { peerHeaders: event.peer.toObject(), compression: this.#compression },
          'handshake completed',
        );
        this.emit('established');
        if (event.rest.length > 0) this.#receive(Buffer.from(event.rest));
        return;
      }
      case 'refused':
        this.#setPeer(event.peer);
        this.#logAt(
          'info',
          { by: event.by, code: event.code, reason: event.reason },
          'handshake refused',
        );
        this.#endAfterHandshake(`refused by ${event.by}: ${event.code} ${event.reason}`);
        return;
      case 'legacy-connect':
        this.#endAfterHandshake('0.4 connect not supported');
        return;
      case 'failed':
        this.#logAt(
          'info',
          { code: event.error.code, error: event.error.message },
          'handshake failed',
        );
        this.#endAfterHandshake(`handshake failed: ${event.error.code}`);
        return;
    }
  }

  #setPeer(peer: Headers): void {
    this.#peer = peer;
    const up = peer.getBoolean(HeaderName.XUltrapeer);
    this.#peerMode = up === undefined ? undefined : up ? 'ultrapeer' : 'leaf';
  }

  /** Logs with this connection's fields, when the level is on. */
  #logAt(level: 'debug' | 'info' | 'warn', fields: object, message: string): void {
    if (!this.#log.isLevelEnabled(level)) return;
    const peer = `${this.remote.host}:${this.remote.port}`;
    this.#log[level]({ conn: this.id, peer, direction: this.direction, ...fields }, message);
  }

  #endAfterHandshake(reason: string): void {
    this.#closeReason = reason;
    this.#state = 'closing';
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  #startDeflate(): void {
    const on = {
      sink: (bytes: Buffer) => this.#socket.write(bytes),
      // Bytes waiting in the deflater count against the send window too (see #buffered).
      drain: () => this.#maybeWritable(),
      error: (err: Error) => this.close(`deflate failed: ${err.message}`),
    };
    this.#deflater =
      this.peerMode === 'leaf'
        ? new BatchDeflater(this.#leafCompressor, on)
        : new StreamDeflater(DEFLATE_DEFAULT, on);
  }

  #receive(chunk: Buffer): void {
    if (!this.#compression.receive) {
      this.#deliver(this.#framer.write(chunk));
      return;
    }
    if (!this.#inflater) {
      // Pick the inflater from the stream's first two bytes: any valid RFC 1950
      // header (78 9c, 78 da, gtk-gnutella's 68 81), else raw deflate (HS-24).
      this.#inflaterPending.push(chunk);
      const head = Buffer.concat(this.#inflaterPending);
      if (head.length < 2) return;
      this.#inflaterPending = [];
      const on = {
        data: (out: Buffer) => this.#deliver(this.#framer.write(out)),
        error: (err: Error) => this.close(`inflate failed: ${err.message}`),
      };
      const raw = !isZlibHeader(head[0]!, head[1]!);
      this.#inflater =
        this.peerMode === 'leaf'
          ? new ReplayInflater({ raw, chunkSize: INFLATE_CHUNK.leaf }, on)
          : new StreamInflater({ raw, chunkSize: INFLATE_CHUNK.ultrapeer }, on);
      this.#inflater.write(head);
      return;
    }
    this.#inflater.write(chunk);
  }

  #deliver(frames: FrameResult[]): void {
    for (const frame of frames) {
      if (this.#state !== 'established') return;
      if (!frame.ok) {
        this.#logAt('warn', { code: frame.error.code, error: frame.error.message }, 'bad framing');
        this.close(`framing error: ${frame.error.code}`);
        return;
      }
      this.#messagesIn++;
      this.emit('message', frame.value);
    }
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #finish(reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#closeReason = reason;
    this.#clearTimer();
    this.#deflater?.destroy();
    this.#inflater?.destroy();
    this.#logAt('info', { reason }, 'connection closed');
    this.emit('closed', reason);
  }
}
