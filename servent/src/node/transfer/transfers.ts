/**
 * Everything about files moving: the upload side of the Gnutella port (HTTP
 * requests, push-proxy requests), the connect-back a Push asks of us (GIV,
 * push.md §4–§5), our downloads and the pushes they need, the download mesh.
 */
import * as net from 'node:net';
import type { HostPort } from '../../core/handshake/addresses.js';
import { sha1Urn, TigerTree } from '../../core/hash/index.js';
import { formatGiv, parseGiv, pushProxyTarget } from '../../core/http/index.js';
import type { SharedFile } from '../../core/search/library.js';
import type { HitSource } from '../../core/transfer/hit-sources.js';
import { AltLocMesh } from '../../core/transfer/mesh.js';
import { encodeThex } from '../../core/transfer/thex.js';
import type { UploadLookup, UploadResource } from '../../core/transfer/upload.js';
import { UploadSlots } from '../../core/transfer/upload-slots.js';
import { FW_TO_FW_INDEX, guidToHex, type Push } from '../../core/wire/index.js';
import type { Logger } from '../log.js';
import type { DownloadInput, SourceInput } from './download.js';
import { Downloads } from './downloads.js';
import { HttpClient, TransferError } from './http-client.js';
import { UploadSession } from './upload-session.js';

/** How long a downloader waits for the GIV after asking for a push (LimeWire, gtk-gnutella: tens of seconds). */
const GIV_WAIT_MS = 20_000;
/** Connect-backs to one requesting address within PUSH_WINDOW_MS at most (PUSH-5). */
const PUSHES_PER_HOST = 5;
const PUSH_WINDOW_MS = 60_000;
const CONNECT_TIMEOUT_MS = 10_000;

export interface TransfersOptions {
  serventId: Uint8Array;
  userAgent: string;
  log: Logger;
  partDir: string;
  completeDir: string;
  uploadSlots: number;
  uploadQueue: number;
  pollMinS: number;
  pollMaxS: number;
  /** Shared files, by index and by SHA-1. */
  library(): { byIndex(i: number): SharedFile | undefined; bySha1(s: Uint8Array): SharedFile[] };
  /** The checked local path of shared file `index`. */
  sharedPath(index: number): Promise<string | undefined>;
  /** Our address, and whether others can reach it (PUSH-10). */
  self(): { address: HostPort; firewalled: boolean; pushProxies: HostPort[] };
  /** Sends a Push through the overlay (`oneHop`: only to a leaf we proxy for). */
  sendPush(push: Omit<Push, 'ggep'>, oneHop: boolean): boolean;
  search(text: string, urns: string[]): void;
  knownSources(sha1: Uint8Array): SourceInput[];
}

interface GivWaiter {
  resolve: (giv: { socket: net.Socket; rest: Uint8Array }) => void;
}

export class Transfers {
  readonly #o: TransfersOptions;
  readonly slots: UploadSlots;
  readonly mesh = new AltLocMesh();
  readonly downloads: Downloads;
  readonly #givWaiters = new Map<string, Set<GivWaiter>>();
  readonly #pushTimes = new Map<string, number[]>();
  /** Upload connections, closed at stop (a kept-alive one would hold the listener open). */
  readonly #uploadSockets = new Set<net.Socket>();
  #nextSession = 1;
  #uploadedBytes = 0;
  #uploads = 0;

  constructor(options: TransfersOptions) {
    this.#o = options;
    this.slots = new UploadSlots({
      slots: options.uploadSlots,
      queueLength: options.uploadQueue,
      pollMinMs: options.pollMinS * 1000,
      pollMaxMs: options.pollMaxS * 1000,
    });
    this.downloads = new Downloads({
      userAgent: options.userAgent,
      log: options.log,
      partDir: options.partDir,
      completeDir: options.completeDir,
      self: () => {
        const self = options.self();
        return self.firewalled ? undefined : self.address;
      },
      push: (source, signal) => this.#push(source, signal),
      search: options.search,
      knownSources: options.knownSources,
    });
  }

  async start(): Promise<void> {
    await this.downloads.start();
  }

  async stop(): Promise<void> {
    await this.downloads.stop();
    for (const socket of this.#uploadSockets) socket.destroy();
  }

  status() {
    return {
      uploads: {
        active: this.slots.active,
        queued: this.slots.queued,
        served: this.#uploads,
        bytes: this.#uploadedBytes,
      },
      downloads: this.downloads.list().map((d) => d.status()),
    };
  }

  /** A hit for one of our searches: a source for a download of the same content. */
  hit(source: HitSource): void {
    this.downloads.hit(source.sha1, {
      host: source.host,
      port: source.port,
      serventId: source.serventId,
      firewalled: source.firewalled,
      pushProxies: source.pushProxies,
      fileIndex: source.fileIndex,
      ...(source.tigerRoot && { tigerRoot: source.tigerRoot }),
    });
  }

  download(input: DownloadInput, sources: SourceInput[]) {
    return this.downloads.add(input, sources);
  }

  /** An HTTP connection on the Gnutella port. */
  serveHttp(socket: net.Socket, remote: HostPort): void {
    this.#upload(socket, remote);
  }

  #upload(socket: net.Socket, remote: HostPort): void {
    this.#uploads++;
    this.#uploadSockets.add(socket);
    socket.once('close', () => this.#uploadSockets.delete(socket));
    new UploadSession(this.#nextSession++, socket, remote, this.#uploadServices());
  }

  /** A GIV on the Gnutella port: the answer to one of our pushes (PUSH-8), or nothing we asked for. */
  acceptGiv(socket: net.Socket): void {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), CONNECT_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const giv = parseGiv(buffered);
      if (giv.ok && giv.value === undefined) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      if (!giv.ok || giv.value === undefined) {
        socket.destroy();
        return;
      }
      const { serventId, length } = giv.value;
      const key = guidToHex(serventId);
      const waiter = this.#givWaiters.get(key)?.values().next().value;
      if (waiter === undefined) {
        this.#o.log.info({ serventId: key }, 'GIV for no push of ours; closed');
        socket.destroy();
        return;
      }
      this.#givWaiters.get(key)!.delete(waiter);
      waiter.resolve({ socket, rest: buffered.subarray(length) });
    };
    socket.on('data', onData);
  }

  /**
   * A Push for us (push.md §4): connect to the address it names, say GIV,
   * then serve HTTP on that connection (PUSH-4, PUSH-7). Ignored for an
   * invalid address, an FWT index (PUSH-19) or a host asking too often (PUSH-5).
   */
  answerPush(push: Push): void {
    const { address, port, fileIndex } = push;
    if (
      address === '0.0.0.0' ||
      address === '255.255.255.255' ||
      port === 0 ||
      fileIndex === FW_TO_FW_INDEX
    ) {
      this.#o.log.info({ address, port, fileIndex }, 'push ignored');
      return;
    }
    const now = Date.now();
    const times = (this.#pushTimes.get(address) ?? []).filter((t) => now - t < PUSH_WINDOW_MS);
    if (times.length >= PUSHES_PER_HOST) {
      this.#o.log.info({ address }, 'push ignored: too many from this host');
      return;
    }
    times.push(now);
    this.#pushTimes.set(address, times);
    const socket = net.connect({ host: address, port, timeout: CONNECT_TIMEOUT_MS });
    socket.once('timeout', () => socket.destroy());
    socket.once('error', (err) =>
      this.#o.log.info({ address, port, err: err.message }, 'push connect-back failed'),
    );
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.write(formatGiv(fileIndex, this.#o.serventId));
      this.#o.log.info({ address, port, fileIndex }, 'push answered with GIV');
      this.#upload(socket, { host: address, port });
    });
  }

  /**
   * A connection to a firewalled source (push.md §1, §6.4): a Push through
   * the network while a route to it is known (no extra connection needed),
   * else its push proxies one after another (PUSH-17); then the GIV.
   */
  async #push(
    source: SourceInput,
    signal: AbortSignal,
  ): Promise<{ socket: net.Socket; rest: Uint8Array }> {
    const self = this.#o.self();
    // PUSH-10: a firewalled downloader cannot be connected to.
    if (self.firewalled) throw new TransferError('both sides firewalled: no push possible');
    if (!source.serventId) throw new TransferError('no servent id to push to');
    const key = guidToHex(source.serventId);
    const giv = this.#awaitGiv(key, signal);
    const index = source.fileIndex ?? 0;
    let asked = this.#o.sendPush(
      {
        serventId: source.serventId,
        fileIndex: index,
        address: self.address.host,
        port: self.address.port,
      },
      false,
    );
    for (const proxy of asked ? [] : [...(source.pushProxies ?? [])]) {
      if (await this.#askProxy(proxy, source.serventId, index, self.address)) {
        asked = true;
        break;
      }
      // PUSH-17: a proxy that failed is not asked again for this servent.
      source.pushProxies = source.pushProxies?.filter((p) => p !== proxy);
    }
    if (!asked) {
      asked = this.#o.sendPush(
        {
          serventId: source.serventId,
          fileIndex: index,
          address: self.address.host,
          port: self.address.port,
        },
        false,
      );
    }
    if (!asked) {
      giv.cancel();
      throw new TransferError('no push proxy answered and no route to push along');
    }
    return giv.promise;
  }

  #awaitGiv(key: string, signal: AbortSignal) {
    let waiter!: GivWaiter;
    let timer!: NodeJS.Timeout;
    const set = this.#givWaiters.get(key) ?? new Set();
    this.#givWaiters.set(key, set);
    const cancel = () => {
      clearTimeout(timer);
      set.delete(waiter);
      if (set.size === 0) this.#givWaiters.delete(key);
    };
    const promise = new Promise<{ socket: net.Socket; rest: Uint8Array }>((resolve, reject) => {
      waiter = {
        resolve: (giv) => {
          cancel();
          resolve(giv);
        },
      };
      set.add(waiter);
      timer = setTimeout(() => {
        cancel();
        reject(new TransferError(`no GIV within ${GIV_WAIT_MS} ms`));
      }, GIV_WAIT_MS);
      signal.addEventListener('abort', () => {
        cancel();
        reject(new TransferError('stopped'));
      });
    });
    return { promise, cancel };
  }

  /** PUSH-15: `GET /gnutella/push-proxy?ServerId=…` with X-Node; true on 202. */
  async #askProxy(
    proxy: HostPort,
    serventId: Uint8Array,
    index: number,
    self: HostPort,
  ): Promise<boolean> {
    const socket = net.connect({ host: proxy.host, port: proxy.port, timeout: CONNECT_TIMEOUT_MS });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('timeout', () => reject(new TransferError('connect timeout')));
        socket.once('error', reject);
      });
      socket.setTimeout(CONNECT_TIMEOUT_MS, () =>
        socket.destroy(new TransferError('read timeout')),
      );
      const client = new HttpClient(socket);
      const response = await client.request('GET', pushProxyTarget(serventId, index), [
        ['Host', `${proxy.host}:${proxy.port}`],
        ['User-Agent', this.#o.userAgent],
        ['X-Node', `${self.host}:${self.port}`],
        ['Connection', 'close'],
      ]);
      this.#o.log.info(
        { proxy: `${proxy.host}:${proxy.port}`, status: response.status },
        'push proxy answered',
      );
      return response.status === 202;
    } catch (error) {
      this.#o.log.info(
        { proxy: `${proxy.host}:${proxy.port}`, err: (error as Error).message },
        'push proxy failed',
      );
      return false;
    } finally {
      socket.destroy();
    }
  }

  #uploadServices() {
    const o = this.#o;
    const lookup: UploadLookup = {
      byIndex: (index) => {
        const file = o.library().byIndex(index);
        return file && resourceOf(file);
      },
      bySha1: (sha1) => {
        const file = o.library().bySha1(sha1)[0];
        return file ? resourceOf(file) : this.downloads.partial(sha1);
      },
    };
    return {
      lookup,
      localPath: async (resource: UploadResource) =>
        resource.available
          ? this.downloads.get(sha1Urn(resource.sha1))?.partPath
          : o.sharedPath(resource.index!),
      thex: (resource: UploadResource, uuid: string) => {
        const level = o.library().bySha1(resource.sha1)[0]?.tigerLevel;
        if (!level) return undefined;
        try {
          const tree = TigerTree.fromLevel(resource.size, level.depth, level.nodes);
          return encodeThex(tree, level.depth, uuid);
        } catch {
          return undefined;
        }
      },
      slots: this.slots,
      mesh: this.mesh,
      serverName: o.userAgent,
      pollMinS: o.pollMinS,
      pollMaxS: o.pollMaxS,
      idleTimeoutMs: Math.max(60_000, (o.pollMaxS + 10) * 1000),
      pushProxies: () => {
        const self = o.self();
        return self.firewalled ? self.pushProxies : [];
      },
      pushProxy: (serventId: Uint8Array, fileIndex: number, callback: HostPort) =>
        o.sendPush({ serventId, fileIndex, address: callback.host, port: callback.port }, true),
      counted: (bytes: number) => {
        this.#uploadedBytes += bytes;
      },
      log: o.log,
    };
  }
}

function resourceOf(file: SharedFile): UploadResource {
  return {
    index: file.index,
    name: file.name,
    size: file.size,
    sha1: file.sha1,
    ...(file.tigerRoot && file.tigerLevel && { tigerRoot: file.tigerRoot }),
  };
}
