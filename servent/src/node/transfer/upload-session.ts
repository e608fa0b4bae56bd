/**
 * One HTTP upload connection: an inbound one told apart on the Gnutella
 * port, or the one we opened with GIV after a push (PUSH-7). Requests are
 * read one after another (pipelined ones wait their turn) and answered as
 * core/transfer/upload.ts decides; the connection stays open between them
 * unless either side says otherwise (HTTP-11).
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { ProtocolError } from '../../core/errors.js';
import type { HostPort } from '../../core/handshake/addresses.js';
import { sha1Urn } from '../../core/hash/index.js';
import {
  formatAltLocs,
  formatLegacyQueue,
  formatResponseHead,
  HeadReader,
  type HttpRequest,
  keepsAlive,
  parseAltLocs,
  parseRequestHead,
} from '../../core/http/index.js';
import type { AltLocMesh } from '../../core/transfer/mesh.js';
import { SentAltLocs } from '../../core/transfer/mesh.js';
import {
  answerUpload,
  type Header,
  type UploadAnswer,
  type UploadLookup,
  type UploadResource,
} from '../../core/transfer/upload.js';
import type { UploadSlots } from '../../core/transfer/upload-slots.js';
import type { Logger } from '../log.js';

/** Reads from disk in pieces this big: few syscalls, and the socket is never starved. */
const READ_CHUNK_BYTES = 1 << 20;
/** Alt-locs given per answer (LimeWire: 10, HTTP-14). */
const ALT_LOCS_PER_ANSWER = 10;
/** Retry-After of a 503 when the queue is full (seconds). */
const BUSY_RETRY_AFTER_S = 60;

export interface UploadServices {
  lookup: UploadLookup;
  /** The file to read for `resource`, checked now; undefined when it is gone. */
  localPath(resource: UploadResource): Promise<string | undefined>;
  /** The THEX body for `resource` (HTTP-22), or undefined when its tree is not known. */
  thex(resource: UploadResource, uuid: string): Uint8Array | undefined;
  slots: UploadSlots;
  mesh: AltLocMesh;
  /** A connection with no request this long is closed, its slot or place freed; above pollMax. */
  idleTimeoutMs: number;
  serverName: string;
  pollMinS: number;
  pollMaxS: number;
  /** Our push proxies while firewalled, for X-Push-Proxy (PUSH-13); empty otherwise. */
  pushProxies(): HostPort[];
  /** A push-proxy request for a leaf of ours: true when the Push went out (202), false for 410. */
  pushProxy(serventId: Uint8Array, fileIndex: number, callback: HostPort): boolean;
  /** Bytes of file bodies sent, for status. */
  counted(bytes: number): void;
  log: Logger;
}

export class UploadSession {
  readonly #socket: Socket;
  readonly #s: UploadServices;
  readonly #key: number;
  readonly #remote: HostPort;
  readonly #reader = new HeadReader();
  readonly #sent = new SentAltLocs();
  /** Bytes received and not yet taken as a request head. */
  #pending: Uint8Array = new Uint8Array(0);
  #busy = false;
  #answered = 0;
  #closed = false;

  constructor(key: number, socket: Socket, remote: HostPort, services: UploadServices) {
    this.#key = key;
    this.#socket = socket;
    this.#remote = remote;
    this.#s = services;
    socket.setTimeout(services.idleTimeoutMs, () => this.#close('idle'));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) =>
      this.#s.log.debug({ peer: this.#peer, err: err.message }, 'upload socket error'),
    );
    socket.on('close', () => {
      this.#closed = true;
      this.#s.slots.release(this.#key);
    });
  }

  get #peer(): string {
    return `${this.#remote.host}:${this.#remote.port}`;
  }

  #onData(chunk: Buffer): void {
    this.#pending = this.#pending.length === 0 ? chunk : concat(this.#pending, chunk);
    void this.#next();
  }

  /** Takes the next complete request head, if any, and answers it; then the one after. */
  async #next(): Promise<void> {
    if (this.#busy || this.#closed) return;
    this.#busy = true;
    try {
      while (!this.#closed) {
        const read = this.#reader.push(this.#pending);
        this.#pending = new Uint8Array(0);
        if (!read.ok) return this.#refuse(read.error);
        if (read.value === undefined) return;
        this.#pending = read.value.rest;
        // A pipelined request waits in #pending; the socket stops reading meanwhile.
        this.#socket.pause();
        const request = parseRequestHead(read.value.head);
        if (!request.ok) return this.#refuse(request.error);
        const keep = await this.#answer(request.value);
        if (!keep) return this.#close('request asked to close');
        this.#socket.resume();
      }
    } catch (error) {
      this.#s.log.warn({ peer: this.#peer, err: (error as Error).message }, 'upload failed');
      this.#socket.destroy();
    } finally {
      this.#busy = false;
    }
  }

  /** Answers one request; true when the connection stays open for the next. */
  async #answer(request: HttpRequest): Promise<boolean> {
    const keep = keepsAlive(request.version, request.headers);
    const answer = answerUpload(request, this.#s.lookup);
    this.#s.log.debug(
      { peer: this.#peer, method: request.method, target: request.target, answer: answer.kind },
      'upload request',
    );
    switch (answer.kind) {
      case 'status':
        return this.#write(answer.status, answer.reason, answer.headers, keep, answer.body);
      case 'push-proxy':
        return this.#pushProxy(request, answer, keep);
      case 'thex': {
        const uuid = `uuid:${randomUUID()}`;
        const body = this.#s.thex(answer.resource, uuid);
        if (body === undefined) return this.#write(404, 'Not Found', answer.headers, keep);
        const headers: Header[] = [['Content-Type', 'application/dime'], ...answer.headers];
        this.#head(200, 'OK', headers, body.length, keep);
        if (request.method === 'GET') await this.#send(body);
        return keep;
      }
      case 'file':
        return this.#file(request, answer, keep);
    }
  }

  async #file(
    request: HttpRequest,
    answer: Extract<UploadAnswer, { kind: 'file' }>,
    keep: boolean,
  ): Promise<boolean> {
    const { resource, range } = answer;
    const urn = sha1Urn(resource.sha1);
    this.#learnAltLocs(request, urn);
    const headers = [...answer.headers, ...this.#altLocHeaders(urn)];
    if (request.method === 'HEAD')
      return this.#head(
        answer.status,
        reasonOf(answer.status),
        headers,
        range.end - range.start,
        keep,
      );
    let slot = this.#s.slots.request(this.#key, Date.now());
    if (slot.kind === 'queued' && !keep) {
      // A place in the queue lives with the connection: one that closes gets none.
      this.#s.slots.release(this.#key);
      slot = { kind: 'busy' };
    }
    switch (slot.kind) {
      case 'too-soon':
        // LimeWire's answer to a poll before pollMin: the place is lost (§7).
        return this.#write(403, 'Banned', headers, false);
      case 'busy':
        return this.#write(
          503,
          'Service Unavailable',
          [['Retry-After', String(BUSY_RETRY_AFTER_S)], ...headers],
          keep,
        );
      case 'queued': {
        const queue = formatLegacyQueue({
          position: slot.position,
          length: slot.length,
          limit: this.#s.slots.active,
          pollMinS: this.#s.pollMinS,
          pollMaxS: this.#s.pollMaxS,
        });
        // The place is kept only while this connection lives: keep it open (§7).
        return this.#write(503, 'Queued', [['X-Queue', queue], ...headers], true);
      }
      case 'granted':
        break;
    }
    const path = await this.#s.localPath(resource);
    // O_NOFOLLOW: a link swapped in since the path was checked is refused.
    const handle =
      path === undefined
        ? undefined
        : await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
    if (handle === undefined) {
      this.#s.slots.release(this.#key);
      return this.#write(404, 'Not Found', headers, keep);
    }
    this.#head(answer.status, reasonOf(answer.status), headers, range.end - range.start, keep);
    await this.#stream(handle, range.start, range.end);
    return keep;
  }

  /** Push-proxy request (push.md §6.4, PUSH-15, PUSH-16). */
  #pushProxy(
    request: HttpRequest,
    answer: Extract<UploadAnswer, { kind: 'push-proxy' }>,
    keep: boolean,
  ): boolean {
    const node = parseAltLocs(request.headers.get('X-Node') ?? '')[0];
    if (node === undefined) return this.#write(400, 'Missing X-Node', [], keep);
    const delivered = this.#s.pushProxy(answer.serventId, answer.fileIndex, node);
    return delivered
      ? this.#write(202, 'Message sent', [], keep)
      : this.#write(410, 'Servent not connected', [], keep);
  }

  /** X-Alt entries of a request are sources of that file (HTTP-15); X-NAlt count against them (HTTP-16). */
  #learnAltLocs(request: HttpRequest, urn: string): void {
    const now = Date.now();
    for (const host of parseAltLocs(request.headers.get('X-Alt') ?? ''))
      this.#s.mesh.addGood(urn, host, now);
    for (const host of parseAltLocs(request.headers.get('X-NAlt') ?? ''))
      this.#s.mesh.addBad(urn, host, now);
  }

  /** At most ten sources not sent on this connection before, never the requester (HTTP-14). */
  #altLocHeaders(urn: string): Header[] {
    const remote = this.#remote.host;
    const picked = this.#s.mesh.pick(
      urn,
      ALT_LOCS_PER_ANSWER,
      (h) => h.host === remote || this.#sent.has(h),
      Date.now(),
    );
    const fresh = this.#sent.take(picked);
    const headers: Header[] = fresh.length > 0 ? [['X-Alt', formatAltLocs(fresh)]] : [];
    const proxies = this.#s.pushProxies();
    if (proxies.length > 0) headers.push(['X-Push-Proxy', formatAltLocs(proxies.slice(0, 4))]);
    return headers;
  }

  #refuse(error: ProtocolError): void {
    this.#s.log.info({ peer: this.#peer, error: error.message }, 'bad upload request');
    this.#write(400, 'Bad Request', [], false);
    this.#close('bad request');
  }

  /** A response without a file body; false when the connection is to close. */
  #write(
    status: number,
    reason: string,
    headers: readonly Header[],
    keep: boolean,
    body = '',
  ): boolean {
    const bytes = Buffer.from(body, 'latin1');
    this.#head(status, reason, headers, bytes.length, keep);
    if (bytes.length > 0) this.#socket.write(bytes);
    return keep;
  }

  /** Writes a response head; returns `keep`: false when the connection closes after this answer. */
  #head(
    status: number,
    reason: string,
    headers: readonly Header[],
    length: number,
    keep: boolean,
  ): boolean {
    const common: Header[] = [
      ['Server', this.#s.serverName],
      ['Content-Length', String(length)],
    ];
    // HTTP-18: features once per connection, on the first answer.
    if (this.#answered++ === 0) common.push(['X-Features', 'queue/0.1']);
    if (!keep) common.push(['Connection', 'close']);
    this.#socket.write(formatResponseHead(status, reason, [...common, ...headers]));
    return keep;
  }

  async #send(bytes: Uint8Array): Promise<void> {
    if (!this.#socket.write(bytes)) await this.#drained();
  }

  /** File bytes [start, end) to the socket, at the socket's pace. */
  async #stream(handle: FileHandle, start: number, end: number): Promise<void> {
    if (end <= start) {
      await handle.close();
      return;
    }
    const file = handle.createReadStream({ start, end: end - 1, highWaterMark: READ_CHUNK_BYTES });
    let sent = 0;
    try {
      for await (const chunk of file as AsyncIterable<Buffer>) {
        if (this.#closed) return;
        sent += chunk.length;
        if (!this.#socket.write(chunk)) await this.#drained();
      }
    } finally {
      file.destroy();
      this.#s.counted(sent);
    }
    if (sent !== end - start) {
      // The file shrank under us: the promised length cannot be kept (HTTP-28), so the connection ends.
      this.#socket.destroy();
      this.#closed = true;
    }
  }

  #drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#socket.off('drain', done);
        this.#socket.off('close', done);
        resolve();
      };
      this.#socket.on('drain', done);
      this.#socket.on('close', done);
    });
  }

  #close(why: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#s.log.debug({ peer: this.#peer, why }, 'upload connection closing');
    this.#socket.end();
  }
}

function reasonOf(status: number): string {
  return status === 206 ? 'Partial Content' : 'OK';
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
