/**
 * A fixture uploader in the runner process: an HTTP source the nodes reach at
 * the bridge gateway, serving one file by N2R with ranges and its THEX tree
 * (http-transfers.md §2–§6, §10.4). It records every request head, so steps
 * can judge what a downloader asked for (Range, X-Alt, X-NAlt), and it can
 * misbehave on purpose: send wrong bytes, or send slowly.
 */
import * as net from 'node:net';
import { TigerTreeBuilder } from '../../servent/src/core/hash/index.js';
import { encodeThex, thexDepth } from '../../servent/src/core/transfer/thex.js';
import type { ShareFile } from '../shares/share-set.js';
import { base32 } from '../shares/share-set.js';
import type { Endpoint } from './fixture-peer.js';
import { parseHttpHead } from './raw-http.js';

export interface UploaderBehaviour {
  /** Flip every byte it serves: a source that lies. */
  corrupt?: boolean;
  /** Bytes a second at most, per connection. */
  bytesPerSecond?: number;
}

export interface RecordedRequest {
  at: number;
  /** The connection it came on (1, 2, ...). */
  connection: number;
  requestLine: string;
  headers: Record<string, string>;
}

export class FixtureUploader {
  readonly requests: RecordedRequest[] = [];
  /** Body bytes sent, per served range `start-end` (inclusive). */
  readonly served: Array<{ start: number; end: number }> = [];
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly #thex: Buffer;
  readonly #root: Uint8Array;
  #connections = 0;

  private constructor(
    readonly name: string,
    readonly file: ShareFile,
    readonly behaviour: UploaderBehaviour,
  ) {
    const depth = thexDepth(file.size);
    const tree = new TigerTreeBuilder({ keepDepth: depth }).update(file.content).digest();
    this.#root = tree.root;
    this.#thex = Buffer.from(encodeThex(tree, tree.depth, 'uuid:fixture-uploader-tree'));
    this.#server = net.createServer((socket) => this.#serve(socket));
  }

  /** Starts listening on `host` (the network's gateway, so nodes can reach it). */
  static async listen(
    host: string,
    name: string,
    file: ShareFile,
    behaviour: UploaderBehaviour = {},
  ): Promise<FixtureUploader> {
    const uploader = new FixtureUploader(name, file, behaviour);
    await new Promise<void>((resolve, reject) => {
      uploader.#server.once('error', reject);
      uploader.#server.listen(0, host, () => resolve());
    });
    return uploader;
  }

  get endpoint(): Endpoint {
    const address = this.#server.address() as net.AddressInfo;
    return { host: address.address, port: address.port };
  }

  /** The magnet `xs` URL of this source. */
  get url(): string {
    return `http://${this.endpoint.host}:${this.endpoint.port}/uri-res/N2R?${this.file.urn}`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #serve(socket: net.Socket): void {
    const connection = ++this.#connections;
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    let busy = false;
    const next = async () => {
      if (busy) return;
      busy = true;
      try {
        for (;;) {
          const end = buffered.indexOf('\r\n\r\n');
          if (end < 0) break;
          const head = buffered.subarray(0, end).toString('latin1');
          buffered = buffered.subarray(end + 4);
          const keep = await this.#answer(socket, connection, head);
          if (!keep) {
            socket.end();
            return;
          }
        }
      } finally {
        busy = false;
      }
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      void next();
    });
  }

  async #answer(socket: net.Socket, connection: number, head: string): Promise<boolean> {
    const { firstLine: requestLine, headers } = parseHttpHead(head);
    this.requests.push({ at: Date.now(), connection, requestLine, headers });
    const [method = '', target = ''] = requestLine.split(' ');
    const keep = (headers.connection ?? '').toLowerCase() !== 'close';
    const common = [`Server: ${this.name}`, `X-Gnutella-Content-URN: ${this.file.urn}`];
    const write = (status: string, extra: string[], body: Buffer) => {
      socket.write(
        [`HTTP/1.1 ${status}`, ...common, ...extra, `Content-Length: ${body.length}`, '', ''].join(
          '\r\n',
        ),
      );
      if (method !== 'HEAD') socket.write(body);
    };
    if (target.startsWith('/uri-res/N2X?') && target.endsWith(this.file.sha1Base32)) {
      write('200 OK', ['Content-Type: application/dime'], this.#thex);
      return keep;
    }
    if (
      !target.startsWith('/uri-res/N2R?') ||
      !target.toUpperCase().endsWith(this.file.sha1Base32)
    ) {
      write('404 Not Found', [], Buffer.alloc(0));
      return keep;
    }
    const size = this.file.size;
    const range = /bytes\s*=\s*(\d+)\s*-\s*(\d*)/.exec(headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Math.min(size - 1, Number(range[2])) : size - 1;
    if (start >= size || end < start) {
      write(
        '416 Requested Range Not Satisfiable',
        [`Content-Range: bytes */${size}`],
        Buffer.alloc(0),
      );
      return keep;
    }
    let body = Buffer.from(this.file.content.subarray(start, end + 1));
    if (this.behaviour.corrupt) body = Buffer.from(body.map((b) => b ^ 0xff));
    const whole = start === 0 && end === size - 1;
    const extra = [
      `X-Thex-URI: /uri-res/N2X?${this.file.urn};${base32(this.#root)}`,
      ...(whole ? [] : [`Content-Range: bytes ${start}-${end}/${size}`]),
    ];
    socket.write(
      [
        `HTTP/1.1 ${whole ? '200 OK' : '206 Partial Content'}`,
        ...common,
        ...extra,
        `Content-Length: ${body.length}`,
        '',
        '',
      ].join('\r\n'),
    );
    if (method === 'HEAD') return keep;
    await this.#send(socket, body);
    this.served.push({ start, end });
    return keep;
  }

  /** The body, at the configured pace. */
  async #send(socket: net.Socket, body: Buffer): Promise<void> {
    const rate = this.behaviour.bytesPerSecond;
    if (rate === undefined) {
      socket.write(body);
      return;
    }
    const piece = Math.max(1024, Math.floor(rate / 10));
    for (let offset = 0; offset < body.length && !socket.destroyed; offset += piece) {
      socket.write(body.subarray(offset, offset + piece));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
