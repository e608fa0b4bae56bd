/**
 * A scripted fixture peer in the runner process. It connects to a node (or
 * accepts the node's connection), writes exactly the bytes a scenario asks for
 * — well-formed or not — and keeps everything the node sends, so steps can
 * judge the node on the wire. After a handshake it frames messages through the
 * core codec, inflating and deflating as negotiated.
 */
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import { BlockReader, type HeaderBlock } from '../../servent/src/core/handshake/index.js';
import { MessageFramer, type MessageHeader } from '../../servent/src/core/wire/index.js';
import { type Arrival, ByteInbox, TimeoutError } from './byte-inbox.js';

export interface Endpoint {
  host: string;
  port: number;
}

export interface ReceivedMessage {
  at: number;
  header: MessageHeader;
  payload: Uint8Array;
}

export interface CompressionOptions {
  /** Inflate what the node sends (it wrote Content-Encoding: deflate). */
  receive: boolean;
  /** Deflate what we send; windowBits 14 gives gtk-gnutella's `68 81` header (HS-24). */
  send: false | { level?: number; windowBits?: number };
}

export type LineEnding = '\r\n' | '\n';

export class FixturePeer {
  readonly inbox = new ByteInbox();
  readonly sent: Arrival[] = [];
  readonly messages: ReceivedMessage[] = [];
  /** Called for each whole message as it arrives: for fixtures that answer by themselves. */
  readonly #onMessage: Array<(message: ReceivedMessage) => void> = [];
  /** The raw bytes the node sent after its last handshake block, still compressed if it compresses. */
  #streamStart: number | undefined;
  #framer: MessageFramer | undefined;
  #inflater: zlib.Inflate | undefined;
  #deflater: zlib.Deflate | undefined;
  #framingError: string | undefined;

  private constructor(
    readonly name: string,
    private readonly socket: net.Socket,
  ) {
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.inbox.end());
    socket.on('close', () => this.inbox.end());
    socket.on('error', () => this.inbox.end());
  }

  /** Opens a TCP connection to a node. */
  static connect(to: Endpoint, name = 'fixture', timeoutMs = 5_000): Promise<FixturePeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: to.host, port: to.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new TimeoutError(
            `${name}: TCP connect to ${to.host}:${to.port} not done after ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`${name}: TCP connect to ${to.host}:${to.port} failed: ${err.message}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new FixturePeer(name, socket));
      });
    });
  }

  /** Listens where the nodes can reach us (the scenario network's gateway). */
  static async listen(host: string, name = 'fixture'): Promise<FixtureListener> {
    const listener = new FixtureListener(host, name);
    await listener.start();
    return listener;
  }

  /** @internal for FixtureListener */
  static adopt(socket: net.Socket, name: string): FixturePeer {
    return new FixturePeer(name, socket);
  }

  get remote(): Endpoint {
    return { host: this.socket.remoteAddress ?? '', port: this.socket.remotePort ?? 0 };
  }

  get local(): Endpoint {
    return {
      host: (this.socket.localAddress ?? '').replace(/^::ffff:/, ''),
      port: this.socket.localPort ?? 0,
    };
  }

  write(bytes: Uint8Array | string): void {
    const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
    this.sent.push({ at: Date.now(), bytes: buf });
    this.socket.write(buf);
  }

  /** Writes a header block exactly as given: no canonicalising, so scenarios can send odd spellings. */
  writeBlock(
    firstLine: string,
    fields: ReadonlyArray<readonly [string, string]>,
    eol: LineEnding = '\r\n',
  ): void {
    this.write(blockText(firstLine, fields, eol));
  }

  /** Reads the node's next header block; bytes after it stay unread for the message stream. */
  async readBlock(timeoutMs = 5_000): Promise<HeaderBlock> {
    const result = await this.inbox.waitFor(
      (pending, ended) => {
        const parsed = new BlockReader().write(pending);
        if (parsed.kind === 'incomplete') {
          if (ended)
            throw new Error(
              `${this.name}: node closed before ending a header block; got ${pending.length} bytes`,
            );
          return undefined;
        }
        return parsed;
      },
      timeoutMs,
      `${this.name}: a header block from the node`,
    );
    if (result.kind === 'error')
      throw new Error(`${this.name}: node sent a malformed block: ${result.error.message}`);
    this.inbox.take(this.inbox.pending.length - result.rest.length);
    return result.block;
  }

  /** Switches to message mode: what follows the handshake is framed (and inflated when asked). */
  startMessages(compression: CompressionOptions): void {
    this.#streamStart = this.inbox.all().length - this.inbox.pending.length;
    this.#framer = new MessageFramer();
    if (compression.send) {
      const deflater = zlib.createDeflate({
        level: compression.send.level ?? 6,
        windowBits: compression.send.windowBits ?? 15,
      });
      deflater.on('data', (chunk: Buffer) => {
        this.sent.push({ at: Date.now(), bytes: chunk });
        this.socket.write(chunk);
      });
      this.#deflater = deflater;
    }
    if (compression.receive) {
      const inflater = zlib.createInflate();
      inflater.on('data', (out: Buffer) => this.#frame(out));
      inflater.on('error', (err) => {
        this.#framingError = `inflate failed: ${err.message}`;
        this.inbox.poke();
      });
      this.#inflater = inflater;
    }
    const unread = this.inbox.take(this.inbox.pending.length);
    if (unread.length > 0) this.#stream(unread);
  }

  /** The node's raw bytes after the handshake (compressed when it compresses), for HS-22/HS-23. */
  rawStream(): Buffer {
    if (this.#streamStart === undefined)
      throw new Error(`${this.name}: startMessages() has not been called`);
    return this.inbox.all().subarray(this.#streamStart);
  }

  /** Waits until the node has sent at least `n` bytes after the handshake (or closed); returns them. */
  async streamBytes(n: number, timeoutMs: number): Promise<Buffer> {
    await this.inbox.waitFor(
      (_pending, ended) => (this.rawStream().length >= n || ended ? true : undefined),
      timeoutMs,
      `${this.name}: ${n} bytes after the handshake`,
    );
    return this.rawStream().subarray(0, n);
  }

  /** Sends one serialized message, deflated and sync-flushed when we compress. */
  sendMessage(message: Uint8Array): void {
    if (!this.#deflater) {
      this.write(message);
      return;
    }
    this.#deflater.write(message);
    this.#deflater.flush(zlib.constants.Z_SYNC_FLUSH);
  }

  /** The first message received (from `from` on) that satisfies `match`. */
  async nextMessage(
    match: (m: ReceivedMessage) => boolean = () => true,
    timeoutMs = 5_000,
    what = 'a message',
    from = 0,
  ): Promise<ReceivedMessage> {
    return this.inbox.waitFor(
      (_pending, ended) => {
        if (this.#framingError) throw new Error(`${this.name}: ${this.#framingError}`);
        const found = this.messages.slice(from).find(match);
        if (found) return found;
        if (ended)
          throw new Error(`${this.name}: node closed the connection before sending ${what}`);
        return undefined;
      },
      timeoutMs,
      `${this.name}: ${what}`,
    );
  }

  /** Resolves with the time the node closed its side of the connection. */
  async waitForClose(timeoutMs: number): Promise<number> {
    return this.inbox.waitFor(
      (_pending, ended) => (ended ? this.inbox.endedAt : undefined),
      timeoutMs,
      `${this.name}: the node closing the connection`,
    );
  }

  close(): void {
    this.#deflater?.destroy();
    this.#inflater?.destroy();
    this.socket.destroy();
  }

  /** What crossed the wire, both directions, for artefacts. */
  transcript(): Array<{ dir: 'in' | 'out'; at: number; hex: string }> {
    return [
      ...this.inbox.arrivals.map((a) => ({
        dir: 'in' as const,
        at: a.at,
        hex: a.bytes.toString('hex'),
      })),
      ...this.sent.map((a) => ({ dir: 'out' as const, at: a.at, hex: a.bytes.toString('hex') })),
    ].sort((a, b) => a.at - b.at);
  }

  /** Calls `listener` for every message that arrives from now on. */
  onMessage(listener: (message: ReceivedMessage) => void): void {
    this.#onMessage.push(listener);
  }

  #onData(chunk: Buffer): void {
    this.inbox.push(chunk);
    if (this.#framer) this.#stream(this.inbox.take(this.inbox.pending.length));
  }

  #stream(bytes: Buffer): void {
    if (this.#inflater) this.#inflater.write(bytes);
    else this.#frame(bytes);
  }

  #frame(bytes: Buffer): void {
    for (const frame of this.#framer?.write(bytes) ?? []) {
      if (!frame.ok) {
        this.#framingError = `framing failed: ${frame.error.message}`;
        break;
      }
      const message = { at: Date.now(), header: frame.value.header, payload: frame.value.payload };
      this.messages.push(message);
      for (const listener of this.#onMessage) listener(message);
    }
    this.inbox.poke();
  }
}

export class FixtureListener {
  readonly #server = net.createServer();
  readonly #accepted: net.Socket[] = [];
  readonly #all = new Set<net.Socket>();
  #wake: (() => void) | undefined;
  #port = 0;

  constructor(
    readonly host: string,
    readonly name: string,
  ) {
    this.#server.on('connection', (socket) => {
      this.#all.add(socket);
      socket.once('close', () => this.#all.delete(socket));
      this.#accepted.push(socket);
      this.#wake?.();
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, this.host, () => resolve());
    });
    this.#port = (this.#server.address() as net.AddressInfo).port;
  }

  get endpoint(): Endpoint {
    return { host: this.host, port: this.#port };
  }

  /** Connections accepted so far. */
  get acceptedCount(): number {
    return this.#accepted.length;
  }

  /** The next connection the node opens to us. */
  async accept(timeoutMs = 10_000): Promise<FixturePeer> {
    const deadline = Date.now() + timeoutMs;
    while (this.#accepted.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new TimeoutError(
          `${this.name}: no connection from the node to ${this.host}:${this.#port} after ${timeoutMs} ms`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return FixturePeer.adopt(this.#accepted.shift()!, this.name);
  }

  async close(): Promise<void> {
    for (const s of this.#all) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export function blockText(
  firstLine: string,
  fields: ReadonlyArray<readonly [string, string]>,
  eol: LineEnding = '\r\n',
): string {
  return [firstLine, ...fields.map(([n, v]) => `${n}: ${v}`), '', ''].join(eol);
}
