/**
 * A recording proxy between two live servents: it accepts one connection,
 * opens one to the upstream servent, and passes the bytes both ways
 * unchanged while keeping every TCP chunk with its time and direction. When
 * the connection ends (or `stop()` is called) the chunks are cut into header
 * blocks and messages, inflated where a side announced deflate — the same cut
 * the capture importer makes — and the conversation becomes a fixture.
 */
import * as net from 'node:net';
import { hostname } from 'node:os';
import { BlockReader, HeaderName } from '../../servent/src/core/handshake/index.js';
import { type Conversation, ConversationSchema, type Side } from '../fixtures/conversation.js';
import type { Fixture } from '../fixtures/fixture.js';
import { fixtureFromConversation } from '../fixtures/from-conversation.js';
import { importRecording } from '../fixtures/import-recording.js';
import type { Endpoint } from '../peers/fixture-peer.js';

export interface RecordingProxyOptions {
  /** Where the initiator connects; port 0 picks a free one (see `endpoint`). */
  listen: Endpoint;
  /** The responder the proxy connects to. */
  upstream: Endpoint;
  /** The side the fixture will play; default the initiator. */
  play?: Side;
  name?: string;
  clauses?: string[];
  /** The command that started the recording, for `recorded.how`. */
  command?: string;
  /** Where the conversation will be written, for the fixture's `recorded.source`. */
  source?: string;
}

export interface Recording {
  conversation: Conversation;
  /** Undefined when the conversation cannot be replayed (not Gnutella, no handshake); `problem` says why. */
  fixture: Fixture | undefined;
  problem?: string;
}

type ImportedRecording = Parameters<typeof importRecording>[0];

interface Chunk {
  from: Side;
  at: number;
  bytes: Buffer;
}

export class RecordingProxy {
  readonly stopped: Promise<Recording>;
  readonly #server: net.Server;
  readonly #options: RecordingProxyOptions;
  readonly #chunks: Chunk[] = [];
  readonly #sockets: net.Socket[] = [];
  #resolve!: (r: Recording) => void;
  /** Kept once listening: the server stops listening after its one connection. */
  #endpoint: Endpoint;
  #initiator: string | undefined;
  #startedAt: Date | undefined;
  #open = 0;
  #done = false;

  private constructor(server: net.Server, options: RecordingProxyOptions) {
    this.#server = server;
    this.#options = options;
    this.#endpoint = options.listen;
    this.stopped = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    server.on('connection', (socket) => this.#accept(socket));
  }

  static async start(options: RecordingProxyOptions): Promise<RecordingProxy> {
    const server = net.createServer({ allowHalfOpen: true });
    const proxy = new RecordingProxy(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.listen.port, options.listen.host, () => resolve());
    });
    proxy.#endpoint = {
      host: options.listen.host,
      port: (server.address() as net.AddressInfo).port,
    };
    return proxy;
  }

  /** Where the proxy listens. */
  get endpoint(): Endpoint {
    return this.#endpoint;
  }

  /** Ends the recording: closes both connections and makes the recording. */
  stop(): Promise<Recording> {
    for (const s of this.#sockets) s.destroy();
    this.#finish();
    return this.stopped;
  }

  #accept(down: net.Socket): void {
    if (this.#initiator !== undefined || this.#done) {
      // One connection per recording; a second one would interleave two conversations.
      down.destroy();
      return;
    }
    this.#server.close();
    this.#startedAt = new Date();
    this.#initiator = `${(down.remoteAddress ?? '').replace(/^::ffff:/, '')}:${down.remotePort}`;
    const up = net.connect({
      host: this.#options.upstream.host,
      port: this.#options.upstream.port,
      allowHalfOpen: true,
    });
    this.#pipe(down, up, 'initiator');
    this.#pipe(up, down, 'responder');
  }

  /** Copies `from` to `to` as it comes, keeping each chunk; an end or error is passed on. */
  #pipe(from: net.Socket, to: net.Socket, side: Side): void {
    this.#sockets.push(from);
    this.#open++;
    from.on('data', (bytes: Buffer) => {
      this.#chunks.push({ from: side, at: performance.now(), bytes });
      if (!to.write(bytes)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    });
    from.on('end', () => to.end());
    from.on('error', () => to.destroy());
    from.on('close', () => {
      to.destroy();
      if (--this.#open === 0) this.#finish();
    });
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#server.close();
    this.#resolve(this.#recording());
  }

  #recording(): Recording {
    const play = this.#options.play ?? 'initiator';
    const upstream = `${this.#options.upstream.host}:${this.#options.upstream.port}`;
    const initiator = this.#initiator ?? 'not connected';
    const t0 = this.#chunks[0]?.at ?? 0;
    const played = Buffer.concat(this.#chunks.filter((c) => c.from === play).map((c) => c.bytes));
    const firstBlock = new BlockReader().write(played);
    const userAgent =
      (firstBlock.kind === 'block' && firstBlock.block.headers.get(HeaderName.UserAgent)) ||
      'unknown';
    const ultrapeer =
      firstBlock.kind === 'block' && firstBlock.block.headers.getBoolean(HeaderName.XUltrapeer);
    const rec: ImportedRecording = {
      peer: userAgent,
      role: `${ultrapeer ? 'ultrapeer' : 'leaf'} (${play}), recorded live`,
      kind: kindOf(
        Buffer.concat(this.#chunks.filter((c) => c.from === 'initiator').map((c) => c.bytes)),
      ),
      client: initiator,
      server: upstream,
      gtkg_side: play === 'initiator' ? initiator : upstream,
      frames: this.#chunks.map((c) => ({
        dir: c.from === play ? 'out' : 'in',
        t_ms: Math.round((c.at - t0) * 1000) / 1000,
        hex: c.bytes.toString('hex'),
      })),
    };
    const how = `recording proxy (harness/record/recorder.ts) on ${this.endpoint.host}:${this.endpoint.port}${this.#options.command ? `: \`${this.#options.command}\`` : ''}`;
    const imported = importRecording(rec, `live connection through ${how}`);
    if (!imported) throw new Error('a TLS recording cannot be imported');
    // Both ends were live servents, so every byte is a real client's.
    const conversation = ConversationSchema.parse({
      ...imported,
      recorded: { ...imported.recorded, how },
      handshake: imported.handshake.map((b) => ({ ...b, real: true })),
      messages: imported.messages.map((m) => ({ ...m, real: true })),
    });
    try {
      const fixture = fixtureFromConversation(conversation, {
        play,
        name: this.#options.name ?? `${userAgent.split(' ')[0]} ${play} recorded live`,
        clauses: this.#options.clauses ?? [],
        when: (this.#startedAt ?? new Date()).toISOString(),
        where: `${hostname()}: ${initiator} (initiator) → proxy ${this.endpoint.host}:${this.endpoint.port} → ${upstream} (responder)`,
        ...(this.#options.source !== undefined && { source: this.#options.source }),
      });
      return { conversation, fixture };
    } catch (err) {
      return {
        conversation,
        fixture: undefined,
        problem: err instanceof Error ? err.message : String(err),
      };
    }
  }
}

/** What the initiator's first bytes open: a Gnutella handshake, an HTTP request or a GIV. */
function kindOf(first: Buffer): ImportedRecording['kind'] {
  const head = first.subarray(0, 16).toString('latin1');
  if (head.startsWith('GIV ')) return 'giv';
  if (/^(GET|HEAD) /.test(head)) return 'http';
  return 'gnutella';
}
