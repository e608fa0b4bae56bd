/**
 * A plain HTTP/1.1 client on a raw socket, for judging an uploader on the
 * wire: it sends exactly the request a step asks for, nothing added, and
 * reads the answer as bytes (head, then Content-Length body bytes).
 */
import * as net from 'node:net';

/** The first line and the fields of an HTTP head (names lower-cased; a repeated field keeps its last value). */
export function parseHttpHead(head: string): {
  firstLine: string;
  headers: Record<string, string>;
} {
  const [firstLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { firstLine, headers };
}

export interface RawAnswer {
  status: number;
  head: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** A plain HTTP/1.1 client on a raw socket: what a downloader sends, nothing added. */
export class RawHttp {
  #buffered = Buffer.alloc(0);
  #ended = false;
  #wake: (() => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buffered = Buffer.concat([this.#buffered, chunk]);
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#ended = true;
      this.#wake?.();
    });
    socket.on('error', () => socket.destroy());
  }

  static open(to: { host: string; port: number }): Promise<RawHttp> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(to);
      socket.once('connect', () => resolve(new RawHttp(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a GET; reads the head and `bodyBytes` of the body (all of Content-Length by default). */
  async request(
    target: string,
    headers: Array<[string, string]>,
    bodyBytes?: number,
  ): Promise<RawAnswer> {
    const lines = [`GET ${target} HTTP/1.1`, 'Host: node', 'User-Agent: gnutella-conformance/0.1'];
    for (const [n, v] of headers) lines.push(`${n}: ${v}`);
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    while (this.#buffered.indexOf('\r\n\r\n') < 0) await this.#more(10_000);
    const end = this.#buffered.indexOf('\r\n\r\n');
    const head = this.#buffered.subarray(0, end).toString('latin1');
    this.#buffered = this.#buffered.subarray(end + 4);
    const [statusLine = '', ...rest] = head.split('\r\n');
    const parsedHeaders: Record<string, string> = {};
    for (const line of rest) {
      const colon = line.indexOf(':');
      if (colon > 0)
        parsedHeaders[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const answer: RawAnswer = {
      status: Number(statusLine.split(' ')[1]),
      head,
      headers: parsedHeaders,
      body: Buffer.alloc(0),
    };
    const length = Number(parsedHeaders['content-length'] ?? 0);
    await this.readBody(answer, Math.min(length, bodyBytes ?? length));
    return answer;
  }

  /** Adds `bytes` more body bytes to `answer.body`. */
  async readBody(answer: RawAnswer, total: number): Promise<void> {
    while (answer.body.length + this.#buffered.length < total) await this.#more(30_000);
    const need = total - answer.body.length;
    answer.body = Buffer.concat([answer.body, this.#buffered.subarray(0, need)]);
    this.#buffered = this.#buffered.subarray(need);
  }

  /** Whatever arrives within `ms`. */
  async drain(ms: number): Promise<Buffer> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const rest = this.#buffered;
    this.#buffered = Buffer.alloc(0);
    return rest;
  }

  close(): void {
    this.socket.destroy();
  }

  #more(timeoutMs: number): Promise<void> {
    if (this.#ended) return Promise.reject(new Error('the node closed the connection'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`nothing from the node for ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }
}
