/**
 * One swarmed download (http-transfers.md §8–§11): sources from hits,
 * magnets and X-Alt fetch chunks in parallel over persistent connections;
 * each block is checked against the Tiger tree when a source offers one, the
 * whole file against its SHA-1 at the end (HTTP-32). A source that sends bad
 * bytes is banned and reported in X-NAlt; verified ranges survive a restart
 * (the `.part` file and its state next to it) and are served to others
 * while the download goes on (PFSP).
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import * as net from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import type { HostPort } from '../../core/handshake/addresses.js';
import { sha1Urn, TigerTree } from '../../core/hash/index.js';
import {
  formatAltLocs,
  type HttpResponse,
  keepsAlive,
  n2rTarget,
  parseAltLocs,
  parseAvailableRanges,
  parseContentRange,
  parseQueueHeaders,
} from '../../core/http/index.js';
import { IntervalSet } from '../../core/transfer/intervals.js';
import { safeFileName } from '../../core/transfer/magnet.js';
import { DEFAULT_CHUNK_SIZE, Swarm } from '../../core/transfer/swarm.js';
import { decodeThex, MAX_THEX_BYTES } from '../../core/transfer/thex.js';
import { base32Decode, base32Encode } from '../../core/wire/base32.js';
import type { Logger } from '../log.js';
import { HttpClient, TransferError } from './http-client.js';

/** Sources fetching at once. */
const MAX_ACTIVE_SOURCES = 8;
const CONNECT_TIMEOUT_MS = 10_000;
/** A response that takes longer than this to start, or a body that stalls this long, fails the source. */
const READ_TIMEOUT_MS = 30_000;
/** A source that failed rests this long, doubling, before it is tried again. */
const RETRY_BASE_MS = 5_000;
/** Tries before a source that keeps failing (not lying) is given up. */
const MAX_FAILURES = 4;
/** A file is cut into about this many chunks, each of DEFAULT_CHUNK_SIZE..MAX_CHUNK_SIZE bytes. */
const CHUNKS_PER_FILE = 64;
const MAX_CHUNK_SIZE = 16 << 20;
/** X-Alt and X-NAlt entries per request (HTTP-36). */
const ALT_LOCS_PER_REQUEST = 10;

export type SourceState =
  | 'idle'
  | 'connecting'
  | 'active'
  | 'queued'
  | 'resting'
  | 'banned'
  | 'gone';

export interface SourceInput {
  host?: string;
  port?: number;
  /** A path given with the source (a magnet's xs or as URL, MAG-4); N2R by SHA-1 otherwise. */
  path?: string;
  serventId?: Uint8Array;
  /** The hit said the host cannot take connections: reach it by push (push.md §1). */
  firewalled?: boolean;
  pushProxies?: HostPort[];
  fileIndex?: number;
  /** The tree root a hit gave (GGEP TT). */
  tigerRoot?: Uint8Array;
}

interface Source extends SourceInput {
  id: number;
  key: string;
  state: SourceState;
  /** Ranges a partial source holds (X-Available-Ranges); undefined = the whole file. */
  available?: IntervalSet;
  failures: number;
  retryAt: number;
  bytes: number;
  /** Delivered bytes that verified: a good source for X-Alt. */
  good: boolean;
  why?: string;
  /** Where it serves the tree (X-Thex-URI), when its root is the one we expect. */
  thexUri?: string;
}

export interface DownloadServices {
  userAgent: string;
  log: Logger;
  /** Where `.part` files and their state live. */
  partDir: string;
  /** Where finished files go. */
  completeDir: string;
  /** Our address for X-Alt and X-Node, when others can reach us. */
  self(): HostPort | undefined;
  /** A connection to a firewalled source that answered our push with GIV (push.md §5). */
  push(source: SourceInput, signal: AbortSignal): Promise<{ socket: net.Socket; rest: Uint8Array }>;
}

export interface DownloadInput {
  sha1: Uint8Array;
  name: string;
  size?: number;
  tigerRoot?: Uint8Array;
}

export type DownloadState =
  | 'waiting'
  | 'downloading'
  | 'verifying'
  | 'complete'
  | 'failed'
  | 'stopped';

const StateSchema = z.object({
  format: z.literal('gnutella-download/1'),
  sha1: z.string(),
  name: z.string(),
  size: z.number().int().min(0).optional(),
  tigerRoot: z.string().optional(),
  tree: z.object({ depth: z.number().int().min(0), nodes: z.string() }).optional(),
  verified: z.array(z.tuple([z.number().int().min(0), z.number().int().min(0)])),
  sources: z.array(z.object({ host: z.string(), port: z.number().int() })),
});

export class Download {
  readonly sha1: Uint8Array;
  readonly urn: string;
  #name: string;
  readonly #s: DownloadServices;
  #size: number | undefined;
  #tigerRoot: Uint8Array | undefined;
  #tree: TigerTree | undefined;
  /** The source whose THEX we use, and the root a hit or the magnet gave (not a source's word). */
  #treeFrom: number | undefined;
  readonly #rootGiven: Uint8Array | undefined;
  /** Blocks a check has taken and not finished (checks of several sources interleave). */
  readonly #verifying = new Set<number>();
  #treeNodesFor: TigerTree | undefined;
  #treeNodesText = '';
  #swarm: Swarm | undefined;
  /** Verified ranges read back from the state file, until the size is known. */
  #restored = new IntervalSet();
  readonly #sources = new Map<string, Source>();
  #nextSource = 1;
  #state: DownloadState = 'waiting';
  #error: string | undefined;
  #file: import('node:fs/promises').FileHandle | undefined;
  #saving: Promise<void> = Promise.resolve();
  readonly #abort = new AbortController();
  /** Open connections to sources, closed by stop(). */
  readonly #clients = new Set<HttpClient>();
  #timer: NodeJS.Timeout | undefined;
  #thexTried = new Set<number>();
  #bytesIn = 0;
  #startedAt = Date.now();
  #completedAt: number | undefined;
  #savedPath: string | undefined;
  readonly #rate: Array<[number, number]> = [];
  #finishing = false;

  constructor(input: DownloadInput, services: DownloadServices) {
    this.sha1 = input.sha1;
    this.urn = sha1Urn(input.sha1);
    this.#name = input.name;
    this.#size = input.size;
    this.#tigerRoot = input.tigerRoot;
    this.#rootGiven = input.tigerRoot;
    this.#s = services;
  }

  /** The file name it is saved under (safe, MAG-7). */
  get name(): string {
    return this.#name;
  }

  get state(): DownloadState {
    return this.#state;
  }

  get #base(): string {
    return join(this.#s.partDir, base32Encode(this.sha1));
  }

  get partPath(): string {
    return `${this.#base}.part`;
  }

  /** Verified bytes, for PFSP uploads; undefined before the size is known. */
  get verified(): IntervalSet | undefined {
    return this.#swarm?.verified;
  }

  get size(): number | undefined {
    return this.#size;
  }

  /** Still downloading with no source left to try: time to search again. */
  get needsSources(): boolean {
    return (
      this.#state === 'downloading' &&
      [...this.#sources.values()].every((s) => s.state === 'banned' || s.state === 'gone')
    );
  }

  /** Opens the `.part` file and reads back what an earlier run verified. */
  async start(): Promise<void> {
    await mkdir(this.#s.partDir, { recursive: true });
    await this.#load();
    this.#file = await open(this.partPath, 'a+').then(async (h) => {
      await h.close();
      return open(this.partPath, 'r+');
    });
    if (this.#size !== undefined) this.#plan(this.#size);
    this.#state = 'downloading';
    this.#fill();
  }

  /** Stops every transfer; the `.part` file and its state stay for a later start. */
  async stop(): Promise<void> {
    if (this.#state === 'downloading' || this.#state === 'waiting') this.#state = 'stopped';
    this.#abort.abort();
    // Requests in flight end now, so uploaders get their slots back.
    for (const client of this.#clients) client.close();
    if (this.#timer) clearTimeout(this.#timer);
    await this.#save();
    await this.#saving;
    await this.#file?.close();
    this.#file = undefined;
  }

  /** Removes the download and its partial data. */
  async cancel(): Promise<void> {
    await this.stop();
    await rm(this.partPath, { force: true });
    await rm(`${this.#base}.json`, { force: true });
  }

  addSource(input: SourceInput): void {
    const key =
      input.host !== undefined ? `${input.host}:${input.port}` : `push:${hex(input.serventId)}`;
    const known = this.#sources.get(key);
    if (known) {
      if (input.pushProxies?.length) known.pushProxies = input.pushProxies;
      if (known.state === 'gone' && !this.#swarm?.isBanned(known.id)) {
        known.state = 'idle';
        known.failures = 0;
      }
    } else {
      if (input.host !== undefined && !validHost(input.host, input.port)) return;
      this.#sources.set(key, {
        ...input,
        id: this.#nextSource++,
        key,
        state: 'idle',
        failures: 0,
        retryAt: 0,
        bytes: 0,
        good: false,
      });
    }
    if (input.tigerRoot) this.#tigerRoot ??= input.tigerRoot;
    this.#fill();
  }

  status() {
    const now = Date.now();
    while (this.#rate.length > 0 && now - this.#rate[0]![0] > 5_000) this.#rate.shift();
    const recent = this.#rate.reduce((n, [, bytes]) => n + bytes, 0);
    return {
      urn: this.urn,
      name: this.name,
      size: this.#size,
      state: this.#state,
      ...(this.#error && { error: this.#error }),
      verifiedBytes: this.#swarm?.verified.total ?? this.#restored.total,
      writtenBytes: this.#swarm?.written.total ?? 0,
      bytesReceived: this.#bytesIn,
      rateBytesPerS: Math.round(recent / 5),
      tree: this.#tree ? { depth: this.#tree.depth, blockSize: this.#blockSize() } : undefined,
      startedAt: new Date(this.#startedAt).toISOString(),
      ...(this.#completedAt && { completedAt: new Date(this.#completedAt).toISOString() }),
      ...(this.#savedPath && { path: this.#savedPath }),
      verified: this.#swarm?.verified.toJSON() ?? this.#restored.toJSON(),
      sources: [...this.#sources.values()].map((s) => ({
        source: s.key,
        state: s.state,
        bytes: s.bytes,
        ...(s.firewalled && { firewalled: true }),
        ...(s.why && { why: s.why }),
      })),
    };
  }

  // ---- scheduling ----

  #plan(size: number): void {
    if (this.#swarm) return;
    this.#size = size;
    const restored = IntervalSet.fromJSON(this.#restored.toJSON().filter(([, end]) => end <= size));
    this.#swarm = new Swarm(
      size,
      restored.ok ? restored.value : new IntervalSet(),
      this.#chunkSize(),
    );
  }

  /**
   * Bytes a source leases at once: at least a tree block, and about a 64th
   * of the file, so a big file costs few requests (each one costs the
   * uploader about a millisecond) while a small one still spreads over many
   * sources.
   */
  #chunkSize(): number {
    let share = DEFAULT_CHUNK_SIZE;
    while (share < MAX_CHUNK_SIZE && share * CHUNKS_PER_FILE < (this.#size ?? 0)) share *= 2;
    return Math.max(share, this.#tree ? this.#blockSize() : 0);
  }

  #blockSize(): number {
    return this.#tree!.blockSize(this.#tree!.depth);
  }

  /** Starts sources while fewer than MAX_ACTIVE_SOURCES work and there is something to fetch. */
  #fill(): void {
    if (this.#state !== 'downloading' || this.#finishing) return;
    if (this.#swarm?.fetched) {
      // With checks still running, their end calls #fill again; finishing now would spin.
      if (this.#verifying.size === 0) void this.#finish();
      return;
    }
    const now = Date.now();
    let working = [...this.#sources.values()].filter((s) =>
      ['connecting', 'active', 'queued'].includes(s.state),
    ).length;
    let wakeAt = Number.POSITIVE_INFINITY;
    for (const source of this.#sources.values()) {
      if (working >= MAX_ACTIVE_SOURCES) break;
      if (source.state === 'resting' && source.retryAt <= now) source.state = 'idle';
      if (source.state === 'resting') wakeAt = Math.min(wakeAt, source.retryAt);
      if (source.state !== 'idle') continue;
      working++;
      source.state = 'connecting';
      void this.#work(source);
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (wakeAt < Number.POSITIVE_INFINITY) {
      this.#timer = setTimeout(() => this.#fill(), Math.max(0, wakeAt - now) + 10);
      this.#timer.unref();
    }
  }

  /** One source: connect (directly or by push), then fetch chunk after chunk on that connection. */
  async #work(source: Source): Promise<void> {
    let client: HttpClient | undefined;
    try {
      while (this.#state === 'downloading' && !this.#abort.signal.aborted) {
        if (!client) {
          client = await this.#connect(source);
          this.#clients.add(client);
        }
        // A block it wrote failed: it is done for (HTTP-35).
        if (source.state === 'banned') break;
        source.state = 'active';
        const next = await this.#fetchOnce(source, client);
        if (next === 'close') {
          client.close();
          this.#clients.delete(client);
          client = undefined;
        }
        if (next === 'done') break;
      }
      if (source.state === 'active' || source.state === 'connecting') source.state = 'idle';
    } catch (error) {
      this.#failed(source, (error as Error).message);
    } finally {
      if (client) {
        client.close();
        this.#clients.delete(client);
      }
      this.#swarm?.release(source.id);
      this.#fill();
    }
  }

  async #connect(source: Source): Promise<HttpClient> {
    if (source.host !== undefined && !source.firewalled) {
      try {
        return new HttpClient(await dial(source.host, source.port!));
      } catch (error) {
        // Cannot connect: a host we know by servent id may still answer a push (push.md §1).
        if (!source.serventId) throw error;
        source.firewalled = true;
      }
    }
    const { socket, rest } = await this.#s.push(source, this.#abort.signal);
    socket.setTimeout(READ_TIMEOUT_MS, () => socket.destroy(new TransferError('read timeout')));
    return new HttpClient(socket, rest);
  }

  /** One request on `client`; says whether to go on, reconnect or stop with this source. */
  async #fetchOnce(source: Source, client: HttpClient): Promise<'next' | 'close' | 'done'> {
    if (this.#size === undefined) {
      const head = await client.request('HEAD', this.#targetFor(source), this.#headers(source));
      await client.readBody(contentLength(head) ?? 0, () => {});
      this.#learn(source, head);
      const size = contentLength(head);
      if (head.status !== 200 || size === undefined)
        throw new TransferError(`HEAD answered ${head.status}`);
      this.#plan(size);
      return keepsAlive(head.version, head.headers) ? 'next' : 'close';
    }
    const swarm = this.#swarm!;
    if (
      this.#tree === undefined &&
      this.#tigerRoot &&
      source.thexUri &&
      !this.#thexTried.has(source.id)
    ) {
      return this.#fetchTree(source, client);
    }
    const range = swarm.lease(source.id, source.available);
    if (range === undefined) {
      // Nothing for it now; asked again later, in case a block fails.
      this.#rest(source, RETRY_BASE_MS, 'nothing left that it holds');
      return 'done';
    }
    const headers = this.#headers(source);
    headers.push(['Range', `bytes=${range.start}-${range.end - 1}`]);
    const response = await client.request('GET', this.#targetFor(source), headers);
    const length = contentLength(response);
    if (length === undefined) throw new TransferError(`${response.status} without Content-Length`);
    this.#learn(source, response);
    const keep = keepsAlive(response.version, response.headers) ? 'next' : 'close';
    switch (response.status) {
      case 200:
      case 206: {
        const served = this.#servedRange(response, range, length);
        await this.#receive(source, client, served.start, served.end);
        return keep;
      }
      case 416: {
        await client.readBody(length, () => {});
        swarm.release(source.id);
        const ranges = response.headers.get('X-Available-Ranges');
        const parsed = ranges === undefined ? undefined : parseAvailableRanges(ranges);
        if (!parsed?.ok) throw new TransferError('416 without X-Available-Ranges');
        // HTTP-31: from now on only inside what it says it has.
        const available = new IntervalSet();
        for (const r of parsed.value) available.add(r.start, r.end + 1);
        if (source.available?.equals(available))
          throw new TransferError('416 inside its own ranges');
        source.available = available;
        return keep;
      }
      case 503: {
        await client.readBody(length, () => {});
        swarm.release(source.id);
        const queue = parseQueueHeaders(response.headers);
        if (queue?.kind === 'legacy' && keep === 'next') {
          // HTTP-29: poll again after pollMin, before pollMax, on this connection.
          source.state = 'queued';
          client.socket.setTimeout(0);
          await sleep(queue.pollMinS * 1000 + 100, this.#abort.signal);
          client.socket.setTimeout(READ_TIMEOUT_MS);
          return 'next';
        }
        const retryS = Number(response.headers.get('Retry-After') ?? 60);
        this.#rest(
          source,
          (Number.isFinite(retryS) ? retryS : 60) * 1000,
          `busy (${response.status})`,
        );
        return 'done';
      }
      default:
        await client.readBody(length, () => {});
        throw new TransferError(`${response.status} ${response.reason}`);
    }
  }

  /** HTTP-27: a 206 inside the request (a shorter one is fine), a 200 only for the whole file. */
  #servedRange(response: HttpResponse, asked: { start: number; end: number }, length: number) {
    const size = this.#size!;
    if (response.status === 200) {
      if (length !== size)
        throw new TransferError(`200 with ${length} bytes for a ${size}-byte file`);
      if (asked.start !== 0 || asked.end !== size) {
        // A whole file we did not ask for: take it only if it is what we asked.
        throw new TransferError('200 for a range request');
      }
      return { start: 0, end: size };
    }
    const header = response.headers.get('Content-Range');
    const parsed = header === undefined ? undefined : parseContentRange(header);
    if (!parsed?.ok || parsed.value.kind !== 'range')
      throw new TransferError('206 without Content-Range');
    const { start, end, total } = parsed.value;
    if (
      total !== size ||
      start < asked.start ||
      end + 1 > asked.end ||
      end + 1 - start !== length
    ) {
      throw new TransferError(
        `Content-Range ${header} outside bytes ${asked.start}-${asked.end - 1}/${size}`,
      );
    }
    return { start, end: end + 1 };
  }

  /** Body bytes [start, end) to the `.part` file, then checks what became verifiable. */
  async #receive(source: Source, client: HttpClient, start: number, end: number): Promise<void> {
    let offset = start;
    await client.readBody(end - start, async (chunk) => {
      await this.#file!.write(chunk, 0, chunk.length, offset);
      this.#swarm!.received(source.id, offset, offset + chunk.length);
      offset += chunk.length;
      source.bytes += chunk.length;
      this.#bytesIn += chunk.length;
      this.#rate.push([Date.now(), chunk.length]);
    });
    this.#swarm!.release(source.id);
    await this.#verifyBlocks();
    this.#fill();
  }

  /** THEX of the file from `source` (HTTP-33: checked against the root we expect). */
  async #fetchTree(source: Source, client: HttpClient): Promise<'next' | 'close' | 'done'> {
    this.#thexTried.add(source.id);
    const headers = this.#headers(source);
    headers.push(['Accept', 'application/dime']);
    const response = await client.request('GET', source.thexUri!, headers);
    const length = contentLength(response) ?? 0;
    const body = await client.readAll(length, MAX_THEX_BYTES);
    const keep = keepsAlive(response.version, response.headers) ? 'next' : 'close';
    if (response.status !== 200) return keep;
    const tree = decodeThex(body, { fileSize: this.#size!, root: this.#tigerRoot! });
    if (!tree.ok) {
      this.#s.log.info({ source: source.key, error: tree.error.message }, 'tree refused');
      return keep;
    }
    this.#tree = tree.value;
    this.#treeFrom = source.id;
    await this.#verifyBlocks();
    return keep;
  }

  /** Checks every fully written block against the tree (HTTP-35); bans who sent bad ones. */
  async #verifyBlocks(): Promise<void> {
    const swarm = this.#swarm!;
    const tree = this.#tree;
    if (tree === undefined) return;
    const block = this.#blockSize();
    let passed = false;
    // Sources finish chunks at once: a block another check is on is not hashed twice.
    const ready = swarm.verifiable(block).filter((index) => !this.#verifying.has(index));
    for (const index of ready) this.#verifying.add(index);
    for (const index of ready) {
      const start = index * block;
      const end = Math.min(this.#size!, start + block);
      const bytes = new Uint8Array(end - start);
      try {
        await this.#file!.read(bytes, 0, bytes.length, start);
        if (tree.verifyRange(start, bytes).length === 0) {
          const writers = new Set(swarm.passed(start, end));
          for (const s of this.#sources.values()) if (writers.has(s.id)) s.good = true;
          passed = true;
        } else {
          for (const id of swarm.failed(start, end))
            this.#ban(id, `bytes ${start}-${end - 1} failed the tree`);
        }
      } finally {
        this.#verifying.delete(index);
      }
    }
    // Verified bytes are recorded at once: after a crash none is fetched again.
    if (passed) await this.#save();
  }

  #ban(id: number, why: string): void {
    for (const source of this.#sources.values()) {
      if (source.id !== id) continue;
      source.state = 'banned';
      source.good = false;
      source.why = why;
      this.#s.log.warn({ download: this.urn, source: source.key, why }, 'source banned');
    }
  }

  /** All bytes are in: the whole file against its SHA-1 (HTTP-32), then into the completed folder. */
  async #finish(): Promise<void> {
    this.#finishing = true;
    this.#state = 'verifying';
    const swarm = this.#swarm!;
    try {
      await this.#verifyBlocks();
      if (this.#tree && !swarm.complete) {
        this.#state = 'downloading';
        return;
      }
      const digest = await sha1Of(this.#file!, this.#size!);
      if (!sameBytes(digest, this.sha1)) {
        // Nothing says which bytes were bad: fetch everything again. With a tree, the tree lied
        // (its root came from its source, not from a hit or the magnet): that source goes.
        if (this.#treeFrom !== undefined)
          this.#ban(this.#treeFrom, 'its tree does not match the SHA-1');
        this.#tree = undefined;
        this.#treeFrom = undefined;
        this.#tigerRoot = this.#rootGiven;
        swarm.startOver();
        this.#s.log.warn({ download: this.urn }, 'file failed its SHA-1; fetching it again');
        this.#state = 'downloading';
        return;
      }
      swarm.passed(0, this.#size!);
      await this.#file!.sync();
      await this.#file!.close();
      this.#file = undefined;
      await mkdir(this.#s.completeDir, { recursive: true });
      const path = await freePath(this.#s.completeDir, this.name);
      await rename(this.partPath, path);
      await rm(`${this.#base}.json`, { force: true });
      this.#savedPath = path;
      this.#completedAt = Date.now();
      this.#state = 'complete';
      if (this.#timer) clearTimeout(this.#timer);
      this.#s.log.info({ download: this.urn, path, bytes: this.#size }, 'download complete');
    } catch (error) {
      this.#state = 'failed';
      this.#error = (error as Error).message;
      this.#s.log.error({ download: this.urn, err: this.#error }, 'download failed');
    } finally {
      this.#finishing = false;
      if (this.#state === 'downloading') this.#fill();
    }
  }

  // ---- requests and what responses teach ----

  #targetFor(source: Source): string {
    return source.path ?? n2rTarget(this.sha1);
  }

  /** HTTP-24, HTTP-36: who we are, what we want, which sources are good and which are not. */
  #headers(source: Source): Array<[string, string]> {
    const headers: Array<[string, string]> = [
      ['Host', source.host !== undefined ? `${source.host}:${source.port}` : 'push'],
      ['User-Agent', this.#s.userAgent],
      ['X-Gnutella-Content-URN', this.urn],
      ['X-Queue', '0.1'],
    ];
    const self = this.#s.self();
    const good = [...this.#sources.values()]
      .filter((s) => s.good && s !== source && s.host !== undefined && !s.firewalled)
      .map((s) => ({ host: s.host!, port: s.port! }));
    // PFSP: we are a source too once we hold verified bytes and can be reached.
    if (self && (this.#swarm?.verified.total ?? 0) > 0) good.unshift(self);
    if (good.length > 0)
      headers.push(['X-Alt', formatAltLocs(good.slice(0, ALT_LOCS_PER_REQUEST))]);
    const bad = [...this.#sources.values()]
      .filter((s) => s.state === 'banned' && s.host !== undefined)
      .map((s) => ({ host: s.host!, port: s.port! }));
    if (bad.length > 0) headers.push(['X-NAlt', formatAltLocs(bad.slice(0, ALT_LOCS_PER_REQUEST))]);
    if (self) headers.push(['X-Node', `${self.host}:${self.port}`]);
    return headers;
  }

  /** HTTP-26 and what a response says about other sources (X-Alt, X-Push-Proxy, X-Thex-URI). */
  #learn(source: Source, response: HttpResponse): void {
    const urns = `${response.headers.get('X-Gnutella-Content-URN') ?? ''},${response.headers.get('X-Content-URN') ?? ''}`;
    const sha1s = (urns.match(/urn:sha1:[a-z2-7]{32}/gi) ?? []).map((u) => u.toUpperCase());
    if (sha1s.length > 0 && !sha1s.includes(this.urn.toUpperCase())) {
      throw new TransferError(`wrong content: ${urns}`);
    }
    for (const host of parseAltLocs(response.headers.get('X-Alt') ?? '')) {
      if (!this.#sources.has(`${host.host}:${host.port}`)) this.addSource(host);
    }
    const proxies = response.headers.get('X-Push-Proxy') ?? response.headers.get('X-Push-Proxies');
    // PUSH-14: the list replaces what we knew.
    if (proxies !== undefined) source.pushProxies = parseAltLocs(proxies);
    const thex = response.headers.get('X-Thex-URI');
    if (thex !== undefined && this.#tree === undefined) {
      const [uri, root] = thex.split(';').map((s) => s.trim());
      const bytes = root === undefined ? undefined : base32Decode(root.toUpperCase());
      if (uri?.startsWith('/') && bytes?.ok && bytes.value.length === 24) {
        this.#tigerRoot ??= bytes.value;
        // Only a tree whose root we expect is fetched; another root names other content.
        if (sameBytes(this.#tigerRoot, bytes.value)) source.thexUri = uri;
      }
    }
  }

  #failed(source: Source, why: string): void {
    if (source.state === 'banned') return;
    source.failures++;
    source.why = why;
    this.#s.log.info(
      { download: this.urn, source: source.key, why, failures: source.failures },
      'source failed',
    );
    if (source.failures >= MAX_FAILURES) {
      source.state = 'gone';
      return;
    }
    this.#rest(source, RETRY_BASE_MS * 2 ** (source.failures - 1), why);
  }

  #rest(source: Source, ms: number, why: string): void {
    if (source.state === 'banned') return;
    source.state = 'resting';
    source.retryAt = Date.now() + ms;
    source.why = why;
  }

  // ---- state on disk ----

  async #load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(`${this.#base}.json`, 'utf8');
    } catch {
      return;
    }
    const parsed = StateSchema.safeParse(JSON.parse(text));
    if (!parsed.success || parsed.data.sha1 !== this.urn) {
      this.#s.log.warn({ download: this.urn }, 'download state unreadable; starting over');
      return;
    }
    const state = parsed.data;
    const part = await stat(this.partPath).catch(() => undefined);
    const verified = IntervalSet.fromJSON(state.verified);
    // Only bytes the `.part` file really holds count.
    if (verified.ok && part) {
      for (const { start, end } of verified.value) {
        if (end <= part.size) this.#restored.add(start, end);
      }
    }
    this.#size ??= state.size;
    this.#name = safeFileName(state.name);
    if (state.tigerRoot) {
      const root = base32Decode(state.tigerRoot);
      if (root.ok) this.#tigerRoot ??= root.value;
    }
    if (state.tree && state.size !== undefined) {
      const nodes = base32Decode(state.tree.nodes);
      try {
        if (nodes.ok) this.#tree = TigerTree.fromLevel(state.size, state.tree.depth, nodes.value);
      } catch {
        this.#tree = undefined;
      }
      if (this.#tree && this.#tigerRoot && !sameBytes(this.#tree.root, this.#tigerRoot))
        this.#tree = undefined;
    }
    for (const s of state.sources) this.addSource(s);
    this.#s.log.info({ download: this.urn, verified: this.#restored.total }, 'download resumed');
  }

  /** The tree's deepest level in base32, computed once: the state is written after every check. */
  #treeNodes32(): string {
    const tree = this.#tree!;
    if (this.#treeNodesFor !== tree) {
      this.#treeNodesText = base32Encode(tree.level(tree.depth));
      this.#treeNodesFor = tree;
    }
    return this.#treeNodesText;
  }

  /** Writes the state: only bytes already on disk are called verified (data synced first). */
  async #save(): Promise<void> {
    const file = this.#file;
    const verified = this.#swarm?.verified.toJSON() ?? this.#restored.toJSON();
    const tree = this.#tree;
    const state = {
      format: 'gnutella-download/1',
      sha1: this.urn,
      name: this.name,
      ...(this.#size !== undefined && { size: this.#size }),
      ...(this.#tigerRoot && { tigerRoot: base32Encode(this.#tigerRoot) }),
      ...(tree && { tree: { depth: tree.depth, nodes: this.#treeNodes32() } }),
      verified,
      sources: [...this.#sources.values()]
        .filter((s) => s.host !== undefined && s.state !== 'banned')
        .map((s) => ({ host: s.host!, port: s.port! })),
    };
    this.#saving = this.#saving.then(async () => {
      if (this.#state === 'complete') return;
      await file?.datasync().catch(() => {});
      const path = `${this.#base}.json`;
      const temporary = `${path}.tmp`;
      const handle = await open(temporary, 'w');
      try {
        await handle.writeFile(JSON.stringify(state));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
    });
    await this.#saving;
  }
}

function dial(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: CONNECT_TIMEOUT_MS });
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.setTimeout(READ_TIMEOUT_MS, () => socket.destroy(new TransferError('read timeout')));
      resolve(socket);
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new TransferError('connect timeout'));
    });
    socket.once('error', reject);
  });
}

function contentLength(response: HttpResponse): number | undefined {
  const value = response.headers.get('Content-Length');
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

function validHost(host: string, port: number | undefined): boolean {
  return (
    port !== undefined &&
    port > 0 &&
    port < 65536 &&
    host !== '0.0.0.0' &&
    host !== '255.255.255.255'
  );
}

async function sha1Of(
  file: import('node:fs/promises').FileHandle,
  size: number,
): Promise<Uint8Array> {
  const hash = createHash('sha1');
  const buffer = Buffer.allocUnsafe(1 << 20);
  for (let offset = 0; offset < size; ) {
    const { bytesRead } = await file.read(
      buffer,
      0,
      Math.min(buffer.length, size - offset),
      offset,
    );
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    offset += bytesRead;
  }
  return new Uint8Array(hash.digest());
}

/** `name` in `dir`, or `name (2)`, `name (3)`… when taken. */
async function freePath(dir: string, name: string): Promise<string> {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  for (let n = 1; ; n++) {
    const path = join(dir, n === 1 ? name : `${stem} (${n})${ext}`);
    if (!(await stat(path).catch(() => undefined))) return path;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function hex(bytes: Uint8Array | undefined): string {
  return bytes ? Buffer.from(bytes).toString('hex') : 'unknown';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new TransferError('stopped'));
    });
  });
}
