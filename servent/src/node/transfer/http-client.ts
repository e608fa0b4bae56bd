/**
 * The downloader's side of one HTTP connection: send a request, read the
 * response head, then exactly Content-Length body bytes (HTTP-28), so the
 * connection can carry the next request. Reads are pulled: the socket is
 * paused whenever nobody is reading, so a fast uploader cannot fill memory.
 */
import type { Socket } from 'node:net';
import type { ProtocolError } from '../../core/errors.js';
import {
  formatRequestHead,
  HeadReader,
  type HttpResponse,
  parseResponseHead,
} from '../../core/http/index.js';

export class TransferError extends Error {
  override readonly name = 'TransferError';
}

export class HttpClient {
  readonly #socket: Socket;
  readonly #reader = new HeadReader();
  /** Bytes received and not yet consumed. */
  #buffered: Buffer[] = [];
  #bufferedBytes = 0;
  #ended: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(socket: Socket, initial?: Uint8Array) {
    this.#socket = socket;
    if (initial && initial.length > 0) this.#push(Buffer.from(initial));
    socket.on('data', (chunk: Buffer) => {
      this.#push(chunk);
      socket.pause();
    });
    const end = (error: Error) => {
      this.#ended ??= error;
      this.#wakeUp();
    };
    socket.on('end', () => end(new TransferError('connection closed by the uploader')));
    socket.on('close', () => end(new TransferError('connection closed')));
    socket.on('error', (error) => end(new TransferError(error.message)));
    socket.pause();
  }

  get socket(): Socket {
    return this.#socket;
  }

  async request(
    method: 'GET' | 'HEAD',
    target: string,
    headers: ReadonlyArray<readonly [string, string]>,
  ): Promise<HttpResponse> {
    if (this.#ended) throw this.#ended;
    this.#socket.write(formatRequestHead(method, target, headers));
    return this.readResponse();
  }

  async readResponse(): Promise<HttpResponse> {
    for (;;) {
      const chunk = this.#take(Number.POSITIVE_INFINITY);
      const read = this.#reader.push(chunk ?? new Uint8Array(0));
      if (!read.ok) throw new TransferError(describe(read.error));
      if (read.value !== undefined) {
        if (read.value.rest.length > 0) this.#unshift(Buffer.from(read.value.rest));
        const response = parseResponseHead(read.value.head);
        if (!response.ok) throw new TransferError(describe(response.error));
        return response.value;
      }
      await this.#more();
    }
  }

  /** Hands exactly `length` body bytes to `sink`, in the pieces they arrived in. */
  async readBody(length: number, sink: (chunk: Buffer) => Promise<void> | void): Promise<void> {
    let left = length;
    while (left > 0) {
      const chunk = this.#take(left);
      if (chunk === undefined) {
        await this.#more();
        continue;
      }
      left -= chunk.length;
      await sink(chunk);
    }
  }

  /** Reads a body whole; `limit` guards memory (a THEX tree, an error text). */
  async readAll(length: number, limit: number): Promise<Buffer> {
    if (length > limit) throw new TransferError(`body of ${length} bytes is over ${limit}`);
    const parts: Buffer[] = [];
    await this.readBody(length, (chunk) => {
      parts.push(chunk);
    });
    return Buffer.concat(parts, length);
  }

  close(): void {
    this.#socket.destroy();
  }

  #push(chunk: Buffer): void {
    this.#buffered.push(chunk);
    this.#bufferedBytes += chunk.length;
    this.#wakeUp();
  }

  #unshift(chunk: Buffer): void {
    this.#buffered.unshift(chunk);
    this.#bufferedBytes += chunk.length;
  }

  /** At most `max` buffered bytes, or undefined when none are. */
  #take(max: number): Buffer | undefined {
    const first = this.#buffered[0];
    if (first === undefined) return undefined;
    if (first.length <= max) {
      this.#buffered.shift();
      this.#bufferedBytes -= first.length;
      return first;
    }
    this.#buffered[0] = first.subarray(max);
    this.#bufferedBytes -= max;
    return first.subarray(0, max);
  }

  async #more(): Promise<void> {
    if (this.#bufferedBytes > 0) return;
    if (this.#ended) throw this.#ended;
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      this.#socket.resume();
    });
    if (this.#bufferedBytes === 0 && this.#ended) throw this.#ended;
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

function describe(error: ProtocolError): string {
  return `${error.code}: ${error.message}`;
}
