/**
 * The running servent: listens and dials, keeps connection slots, and moves
 * bytes between sockets and the sans-I/O overlay (routing, QRP exchange, send
 * queues, keep-alive), whose timers and events it serves. It also owns the
 * share library, our own searches and the transfers (transfer/transfers.ts),
 * and learns whether others can reach us (a TCP connect-back, push.md §1).
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as os from 'node:os';
import { join } from 'node:path';
import { GwcList, updateAllowed } from '../core/bootstrap/gwc.js';
import { UhcClient } from '../core/bootstrap/uhc.js';
import { Election } from '../core/election.js';
import {
  capabilitiesOf,
  decideIncoming,
  decideOutgoing,
  HeaderName,
  type Headers,
  isDottedIpv4,
  type LocalProfile,
  parseHostList,
  requestFields,
  type SlotState,
} from '../core/handshake/index.js';
import { sha1Urn } from '../core/hash/index.js';
import { type HostAddress, HostCache, type HostSource, hostKey } from '../core/hosts/host-cache.js';
import { INBOUND_SNIFF_BYTES, inboundKind } from '../core/inbound-kind.js';
import { byeMessage, MAX_IPP_HOSTS } from '../core/link/link-messages.js';
import {
  DEFAULT_VENDOR_CODE,
  Overlay,
  type OverlayEvent,
  type OverlayStats,
  type TableSummary,
} from '../core/overlay/index.js';
import { Library, type SharedFile, sanitizeCriteria } from '../core/search/index.js';
import { hitSources } from '../core/transfer/hit-sources.js';
import {
  ByeCode,
  extensionSha1s,
  guidToHex,
  type QueryHit,
  resultFileSize,
} from '../core/wire/index.js';
import { Bootstrapper } from './bootstrap/bootstrapper.js';
import { GwcBootstrap } from './bootstrap/gwc-bootstrap.js';
import { HostStore } from './bootstrap/host-store.js';
import { UdpService } from './bootstrap/udp-service.js';
import type { ServentConfig } from './config.js';
import { Connection, type ConnectionSnapshot } from './connection.js';
import { type ShareCounters, ShareFolderError, ShareLibrary } from './library/index.js';
import { BatchCompressor, LEAF_COMPRESSION } from './link-deflater.js';
import type { Logger } from './log.js';
import { Searches, type SearchRecord, type SearchResult } from './searches.js';
import { Transfers } from './transfer/transfers.js';

/** LimeWire's outgoing TCP connect timeout (handshake.md section 9). */
const CONNECT_TIMEOUT_MS = 6_000;
/** X-Try-Ultrapeers carries at most this many hosts (HS-17). */
const TRY_ULTRAPEERS = 10;
/** Automatic mode looks at the election facts at least this often. */
const ELECTION_RECHECK_MS = 60_000;
/** How long a share-folder switch waits for the first scan before answering. */
const SHARE_SWITCH_WAIT_MS = 5_000;
/** On shutdown, how long links get to send their Bye before sockets are destroyed. */
const SHUTDOWN_GRACE_MS = 2_000;
/** Leaf compressors: libuv runs four threadpool jobs at once by default. */
const LEAF_COMPRESSORS = 4;

/** A search the overlay cannot send (no words left, say). */
export class SearchError extends Error {
  override readonly name = 'SearchError';
}

export interface ServentStatus {
  userAgent: string;
  mode: 'ultrapeer' | 'leaf';
  /** Automatic mode: the election chooses `mode`. */
  automatic: boolean;
  serventId: string;
  listen: HostAddress;
  control: HostAddress | undefined;
  slots: SlotState;
  firewalled: boolean;
  pushProxies: HostAddress[];
  knownHosts: number;
  udpHostCaches: number;
  webCaches: number;
  shares: ShareCounters | undefined;
  connections: Array<ConnectionSnapshot & { queue?: { messages: number; bytes: number } }>;
}

export class Servent {
  readonly #config: ServentConfig;
  readonly #log: Logger;
  /**
   * Compress what goes to the leaves, one batch at a time each
   * (link-deflater.ts); a leaf link keeps to one of them, so its batches stay
   * in order, and as many as libuv's threads work at once.
   */
  readonly #leafCompressors = Array.from(
    { length: LEAF_COMPRESSORS },
    () => new BatchCompressor(LEAF_COMPRESSION),
  );
  readonly #server = net.createServer((socket) => this.#accept(socket));
  readonly #connections = new Map<number, Connection>();
  /** Connections holding a slot: the peer's mode, decided when we said 200. */
  readonly #slots = new Map<Connection, 'ultrapeer' | 'leaf'>();
  readonly #dialling = new Set<string>();
  /** Who answers (bootstrap.md §2): persisted in `<data>/hosts.json`, dialled before any bootstrap (BOOT-1). */
  readonly #hosts: HostCache;
  #uhc = new UhcClient();
  #gwcList = new GwcList();
  /** The host cache and the UHC and GWebCache lists on disk; none without a state folder. */
  readonly #stores: { hosts: HostStore; uhc: HostStore; gwc: HostStore } | undefined;
  #udp: UdpService | undefined;
  #bootstrapper: Bootstrapper | undefined;
  readonly #startedAt = Date.now();
  readonly #serventId = new Uint8Array(randomBytes(16));
  #shares: ShareLibrary | undefined;
  #library: Library;
  readonly #searches = new Searches();
  #overlay: Overlay;
  /** Connections that are links of the current overlay (a mode switch starts a new overlay). */
  readonly #linked = new Set<number>();
  /** The mode we run in now; in automatic mode the election changes it. */
  #mode: 'ultrapeer' | 'leaf';
  readonly #election: Election | undefined;
  #electionTimer: NodeJS.Timeout | undefined;
  /** We have accepted an incoming TCP connection: we are reachable (election). */
  #reachable = false;
  #nextId = 1;
  #dialTimer: NodeJS.Timeout | undefined;
  #overlayTimer: NodeJS.Timeout | undefined;
  #overlayTimerAt: number | undefined;
  #pumping = false;
  #armScheduled = false;
  #stopping = false;
  #listen: HostAddress;
  #externalHost: string | undefined;
  /** Uploads, downloads, pushes; none without a state folder. */
  readonly #transfers: Transfers | undefined;
  /** A leaf that asked for a connect-back and got none (push.md §1): hits ask for pushes. */
  #firewalled = false;
  #connectBackTimer: NodeJS.Timeout | undefined;
  /** When the last incoming connection arrived: one after a connect-back request proves we are reachable. */
  #lastInboundAt = 0;
  /** Our push proxies (LIME/22), by the link that named them. */
  readonly #pushProxies = new Map<number, HostAddress>();
  /** Links we connected back to already (BEAR/7 is answered once a link). */
  readonly #connectedBack = new Set<number>();

  constructor(config: ServentConfig, log: Logger) {
    this.#config = config;
    this.#log = log;
    this.#listen = config.listen;
    this.#hosts = new HostCache({
      retryAfterMs: config.redialAfterMs,
      // Loopback peers only for a servent that itself listens on loopback (tests, one machine).
      allowLoopback: isLoopback(config.listen.host),
    });
    const now = Date.now();
    // Leaves and ultrapeers alike dial only ultrapeers: the operator's peers are taken for ones
    // (and named in X-Try-Ultrapeers) until a handshake says otherwise.
    for (const peer of config.peers)
      this.#hosts.add(peer, now, { source: 'pinned', ultrapeer: true });
    this.#stores =
      config.data === undefined
        ? undefined
        : {
            hosts: new HostStore(join(config.data, 'hosts.json'), log),
            uhc: new HostStore(join(config.data, 'udp-host-caches.json'), log),
            gwc: new HostStore(join(config.data, 'web-caches.json'), log),
          };
    this.#shares = config.share ? this.#shareLibrary(config.share) : undefined;
    this.#library = this.#shares?.library ?? new Library();
    this.#mode = config.mode === 'auto' ? 'leaf' : config.mode;
    this.#election =
      config.mode === 'auto'
        ? new Election(
            {
              minUptimeMs: config.promoteAfterMs,
              leaflessMs: config.demoteAfterMs,
              firstRestMs: config.switchRestMs,
            },
            Date.now(),
          )
        : undefined;
    this.#overlay = this.#newOverlay();
    this.#transfers = config.data === undefined ? undefined : this.#newTransfers(config.data);
  }

  #newTransfers(data: string): Transfers {
    const config = this.#config;
    return new Transfers({
      serventId: this.#serventId,
      userAgent: config.userAgent,
      log: this.#log.child({ component: 'transfer' }),
      partDir: join(data, 'incomplete'),
      completeDir: config.downloads ?? join(data, 'downloads'),
      uploadSlots: config.uploadSlots,
      uploadQueue: config.uploadQueue,
      pollMinS: config.uploadPollMinS,
      pollMaxS: config.uploadPollMaxS,
      library: () => this.#library,
      sharedPath: async (index) => this.#shares?.localPath(index),
      self: () => ({
        address: this.#advertised(),
        firewalled: this.#firewalled,
        pushProxies: [...this.#pushProxies.values()],
      }),
      sendPush: (push, oneHop) => {
        const sent = this.#overlay.sendPush(push, oneHop, Date.now());
        this.#pump();
        return sent;
      },
      knownSources: (sha1) =>
        this.#searches.withUrn(sha1Urn(sha1)).map((r) => ({
          host: r.host,
          port: r.port,
          serventId: new Uint8Array(Buffer.from(r.serventId, 'hex')),
          firewalled: r.firewalled,
          pushProxies: parseHostList(r.pushProxies.join(',')),
          fileIndex: r.index,
        })),
      search: (text, urns) => {
        const guid = this.#overlay.search(text, { urns }, Date.now());
        this.#searches.start(guid, text === '\\' ? urns.join(' ') : text, new Date());
        this.#pump();
      },
    });
  }

  /** Uploads and downloads; undefined when the servent has no state folder. */
  get transfers(): Transfers | undefined {
    return this.#transfers;
  }

  #newOverlay(): Overlay {
    return new Overlay({
      mode: this.#mode,
      serventId: this.#serventId,
      random: (n) => new Uint8Array(randomBytes(n)),
      now: Date.now(),
      self: () => {
        const slots = this.#slotState();
        return {
          ...this.#advertised(),
          sharedFiles: this.#library.size,
          sharedKilobytes: Math.ceil(this.#library.totalBytes / 1024),
          firewalled: this.#firewalled,
          pushProxies: [...this.#pushProxies.values()],
          // Up since less than a day: the uptime so far is the best daily average we have.
          dailyUptimeS: Math.min(86_400, Math.floor((Date.now() - this.#startedAt) / 1000)),
          freeLeafSlots: slots.freeLeafSlots,
          freeUltrapeerSlots: slots.freeUltrapeerSlots,
        };
      },
      extProbes: true,
      ultrapeerHosts: (limit) => this.#knownUltrapeers(limit),
      // Through the current library: the share folder may change while we run.
      search: {
        match: (query, limit) => this.#library.match(query, limit),
        qrpKeywords: () => this.#library.qrpKeywords(),
      },
    });
  }

  #shareLibrary(folder: string): ShareLibrary {
    const config = this.#config;
    if (!config.data)
      throw new ShareFolderError(
        'a share folder needs a state folder (--data DIR) for its hash cache',
      );
    const shares = new ShareLibrary({
      shareDir: folder,
      stateDir: config.data,
      log: this.#log,
      hashWorkers: config.hashWorkers,
      rescanIntervalMs: config.rescanIntervalMs,
      rescanSettleMs: config.rescanSettleMs,
      watchShare: config.watchShare,
    });
    shares.on('changed', () => {
      if (shares !== this.#shares) return;
      this.#overlay.libraryChanged(Date.now());
      this.#pump();
    });
    return shares;
  }

  /** Shares another folder from now on; its files are announced (QRP) as they are hashed. */
  async setShareFolder(folder: string): Promise<ShareCounters> {
    const next = this.#shareLibrary(folder);
    await next.start();
    const previous = this.#shares;
    this.#shares = next;
    this.#library = next.library;
    this.#overlay.libraryChanged(Date.now());
    this.#pump();
    await previous?.stop();
    // Answer with the folder's real state when it hashes quickly; a big one goes on in the background.
    await Promise.race([
      next.ready,
      new Promise((resolve) => setTimeout(resolve, SHARE_SWITCH_WAIT_MS).unref()),
    ]);
    return next.counters();
  }

  async start(): Promise<HostAddress> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#config.listen.port, this.#config.listen.host, () => resolve());
    });
    const address = this.#server.address() as net.AddressInfo;
    this.#listen = { host: this.#config.listen.host, port: address.port };
    this.#log.info(
      { listen: this.#listen, mode: this.#mode, serventId: guidToHex(this.#serventId) },
      'listening',
    );
    await this.#shares?.start();
    await this.#transfers?.start();
    await this.#startBootstrap();
    this.#fillSlots();
    this.#armElection();
    return this.#listen;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#dialTimer) clearTimeout(this.#dialTimer);
    if (this.#electionTimer) clearTimeout(this.#electionTimer);
    if (this.#connectBackTimer) clearTimeout(this.#connectBackTimer);
    this.#bootstrapper?.stop();
    this.#udp?.stop();
    await this.#transfers?.stop();
    const closed = [...this.#connections.values()].map(
      (c) =>
        new Promise<void>((resolve) =>
          c.state === 'closed' ? resolve() : c.once('closed', () => resolve()),
        ),
    );
    for (const c of this.#connections.values())
      this.#closeConnection(c, ByeCode.Shutdown, 'Servent shutdown');
    this.#pump();
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref());
    await Promise.race([Promise.all(closed), deadline]);
    for (const c of this.#connections.values()) c.destroy('servent shutdown');
    if (this.#overlayTimer) clearTimeout(this.#overlayTimer);
    await this.#shares?.stop();
    this.#saveBootstrap();
    await Promise.all([
      this.#stores?.hosts.flush(),
      this.#stores?.uhc.flush(),
      this.#stores?.gwc.flush(),
    ]);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const compressor of this.#leafCompressors) compressor.close();
  }

  /** The compressor a connection keeps to, if its peer is a leaf: spread by id. */
  #leafCompressorFor(id: number): BatchCompressor {
    return this.#leafCompressors[id % LEAF_COMPRESSORS]!;
  }

  status(): ServentStatus {
    return {
      userAgent: this.#config.userAgent,
      mode: this.#mode,
      automatic: this.#election !== undefined,
      serventId: guidToHex(this.#serventId),
      listen: this.#listen,
      control: this.#config.control,
      slots: this.#slotState(),
      firewalled: this.#firewalled,
      pushProxies: [...this.#pushProxies.values()],
      knownHosts: this.#hosts.size,
      udpHostCaches: this.#uhc.size,
      webCaches: this.#gwcList.size,
      shares: this.#shares?.counters(),
      connections: this.#connectionReport(),
    };
  }

  /** Each connection with its link's send queue, where it has one. */
  #connectionReport(): Array<ConnectionSnapshot & { queue?: { messages: number; bytes: number } }> {
    const links = new Map(this.#overlay.stats().links.map((l) => [l.id, l]));
    return [...this.#connections.values()].map((c) => {
      const link = links.get(c.id);
      return link ? { ...c.snapshot(), queue: link.queue } : c.snapshot();
    });
  }

  stats(): OverlayStats {
    return this.#overlay.stats();
  }

  /** Our QRP table (a leaf's own; an ultrapeer's merged one) and its hop values as patches encode them, base64, one byte a slot. */
  qrpTable(): TableSummary & { values: string } {
    const table = this.#overlay.qrpTable();
    const values = Buffer.alloc(table.length, table.infinity);
    for (const slot of table.presentSlots()) values[slot] = table.presentValue;
    return { ...this.#overlay.stats().qrp.table, values: values.toString('base64') };
  }

  shares(): SharedFile[] {
    return [...this.#library.files()];
  }

  /** Sends a query of our own; its results collect under the returned record. */
  search(text: string, ttl?: number): SearchRecord {
    // Criteria free of the characters LimeWire bans (MSG-41).
    const criteria = sanitizeCriteria(text);
    if (criteria.trim() === '') throw new SearchError(`nothing searchable is left of "${text}"`);
    const guid = this.#overlay.search(criteria, ttl === undefined ? {} : { ttl }, Date.now());
    const record = this.#searches.start(guid, text, new Date());
    this.#pump();
    return record;
  }

  /** Asks the network what was shared lately ("What's New?", dynamic-querying.md §9). */
  searchWhatsNew(): SearchRecord {
    const guid = this.#overlay.search('', { whatsNew: true }, Date.now());
    const record = this.#searches.start(guid, "What's New?", new Date());
    this.#pump();
    return record;
  }

  /** Wants no more results for a search: a leaf tells its ultrapeers to stop it (DQ-12). */
  stopSearch(guid: Uint8Array): void {
    this.#overlay.stopSearch(guid, Date.now());
    this.#pump();
  }

  /** The host cache and the UDP host caches and GWebCaches we know, best first. */
  hosts(): { hosts: unknown[]; udpHostCaches: unknown[]; webCaches: unknown[] } {
    return {
      hosts: this.#hosts.entries(),
      udpHostCaches: this.#uhc.entries(),
      webCaches: this.#gwcList.entries(),
    };
  }

  get searches(): Searches {
    return this.#searches;
  }

  /** Dials a host now (control API), whatever the slots say; the handshake still decides. */
  connect(address: HostAddress): void {
    this.#hosts.add(address, Date.now(), { source: 'pinned', ultrapeer: true });
    this.#dial(address);
  }

  /** Closes a connection; an established one says Bye 201 first where the peer understands Bye. */
  disconnect(id: number, reason = 'Closed by operator'): boolean {
    const conn = this.#connections.get(id);
    if (!conn) return false;
    this.#closeConnection(conn, ByeCode.UserRemoved, reason);
    this.#pump();
    return true;
  }

  #closeConnection(conn: Connection, code: number, reason: string): void {
    if (this.#linked.has(conn.id)) this.#overlay.closeLink(conn.id, code, reason, Date.now());
    else conn.close(reason);
  }

  /** The address our pongs and hits give: --advertise, else the listen address, else our first external IPv4. */
  #advertised(): HostAddress {
    if (this.#config.advertise) return this.#config.advertise;
    if (isDottedIpv4(this.#listen.host) && this.#listen.host !== '0.0.0.0') return this.#listen;
    // Asked for every hit and pong: look the interfaces up once.
    this.#externalHost ??=
      Object.values(os.networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal)?.address ?? '127.0.0.1';
    return { host: this.#externalHost, port: this.#listen.port };
  }

  #profile(socket: net.Socket): LocalProfile {
    const local = this.#config.advertise ?? {
      host: normalizeIp(socket.localAddress),
      port: this.#listen.port,
    };
    return {
      userAgent: this.#config.userAgent,
      mode: this.#mode,
      listen: local,
      acceptDeflate: this.#config.deflate,
      degree: this.#config.maxUltrapeers,
    };
  }

  #slotState(): SlotState {
    let leaves = 0;
    let ultrapeers = 0;
    for (const mode of this.#slots.values()) {
      if (mode === 'leaf') leaves++;
      else ultrapeers++;
    }
    const leafSlots = this.#mode === 'ultrapeer' ? this.#config.maxLeaves : 0;
    const upSlots =
      this.#mode === 'ultrapeer' ? this.#config.maxUltrapeers : this.#config.leafUltrapeers;
    return {
      freeLeafSlots: Math.max(0, leafSlots - leaves),
      freeUltrapeerSlots: Math.max(0, upSlots - ultrapeers),
      connectedUltrapeers: ultrapeers,
    };
  }

  /** Ultrapeers to name in X-Try-Ultrapeers: those we are connected to, then learned ones. */
  #tryUltrapeers(exclude: ReadonlySet<string>): string[] {
    const hosts: HostAddress[] = [];
    for (const [conn, mode] of this.#slots) {
      const listen = conn.peerHeaders && listenAddress(conn.peerHeaders);
      if (mode === 'ultrapeer' && listen && !exclude.has(hostKey(listen))) hosts.push(listen);
    }
    const seen = new Set([...exclude, ...hosts.map(hostKey)]);
    hosts.push(...this.#hosts.sample(TRY_ULTRAPEERS, seen, { ultrapeersOnly: true }));
    return hosts.slice(0, TRY_ULTRAPEERS).map(hostKey);
  }

  /** Automatic mode: decide again when the election says something could change. */
  #armElection(): void {
    const election = this.#election;
    if (!election || this.#stopping) return;
    const now = Date.now();
    // Reachability is learned from events, so look again at least every minute.
    const at = Math.min(election.nextCheckAt(now), now + ELECTION_RECHECK_MS);
    this.#electionTimer = setTimeout(
      () => {
        const leaves = [...this.#slots.values()].filter((m) => m === 'leaf').length;
        const decision = election.decide({ now: Date.now(), reachable: this.#reachable, leaves });
        if (decision.changed) this.#switchMode(decision.mode, decision.reason);
        this.#armElection();
      },
      Math.max(0, at - now),
    ).unref();
  }

  /**
   * Becomes an ultrapeer or a leaf: every connection is closed with Bye 203
   * (where the peer understands Bye), a new overlay starts in the new mode, and
   * the slots are filled again.
   */
  #switchMode(mode: 'ultrapeer' | 'leaf', reason: string): void {
    this.#log.info({ from: this.#mode, to: mode, reason }, 'changing peer mode');
    for (const conn of this.#connections.values()) {
      if (
        conn.state === 'established' &&
        conn.peerHeaders &&
        capabilitiesOf(conn.peerHeaders).byePacket
      ) {
        conn.send(
          byeMessage(
            ByeCode.ChangingPeerMode,
            'Changing peer mode',
            (n) => new Uint8Array(randomBytes(n)),
          ),
        );
      }
      conn.close('changing peer mode');
    }
    this.#linked.clear();
    this.#mode = mode;
    this.#overlay = this.#newOverlay();
    this.#overlayTimerAt = undefined;
    if (this.#overlayTimer) clearTimeout(this.#overlayTimer);
    this.#overlay.libraryChanged(Date.now());
    this.#scheduleFill();
  }

  /**
   * An incoming connection: told apart by its first bytes (core/inbound-kind.ts)
   * and handed, bytes and all, to the handshake, the uploads or a waiting push.
   */
  #accept(socket: net.Socket): void {
    if (this.#stopping) {
      socket.destroy();
      return;
    }
    this.#reachable = true;
    this.#lastInboundAt = Date.now();
    if (this.#firewalled) {
      this.#log.info('incoming connection: reachable after all');
      this.#firewalled = false;
    }
    const remote = { host: normalizeIp(socket.remoteAddress), port: socket.remotePort ?? 0 };
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), this.#config.handshakeTimeoutMs);
    socket.on('error', () => socket.destroy());
    const sniff = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const kind = inboundKind(head.subarray(0, INBOUND_SNIFF_BYTES));
      if (kind === undefined) return;
      clearTimeout(timer);
      socket.off('data', sniff);
      socket.pause();
      socket.unshift(head);
      if (kind === 'gnutella') this.#acceptGnutella(socket, remote);
      else if (kind === 'http' && this.#transfers) this.#transfers.serveHttp(socket, remote);
      else if (kind === 'giv' && this.#transfers) this.#transfers.acceptGiv(socket);
      else {
        // A connect-back marker (BEAR/7) proves we are reachable; anything else is not ours.
        this.#log.debug({ peer: hostKey(remote), kind }, 'incoming connection closed');
        socket.destroy();
        return;
      }
      // pause() above stopped the flow; new 'data' listeners do not restart it.
      socket.resume();
    };
    socket.on('data', sniff);
  }

  #acceptGnutella(socket: net.Socket, remote: HostAddress): void {
    const profile = this.#profile(socket);
    const id = this.#nextId++;
    const conn: Connection = new Connection(id, 'inbound', remote, socket, {
      log: this.#log,
      handshakeTimeoutMs: this.#config.handshakeTimeoutMs,
      leafCompressor: this.#leafCompressorFor(id),
      respond: (request) => {
        const peerListen = listenAddress(request.headers);
        const exclude = new Set([
          hostKey(profile.listen),
          ...(peerListen ? [hostKey(peerListen)] : []),
        ]);
        const reply = decideIncoming(
          request,
          profile,
          this.#slotState(),
          { remoteAddress: remote.host },
          this.#tryUltrapeers(exclude),
        );
        if (reply.code === 200) this.#slots.set(conn, peerModeOf(request.headers));
        return reply;
      },
    });
    this.#track(conn);
  }

  #dial(address: HostAddress): void {
    const key = hostKey(address);
    if (this.#dialling.has(key) || this.#stopping) return;
    this.#dialling.add(key);
    this.#hosts.markDialled(address, Date.now());
    this.#log.debug({ peer: key }, 'dialling');
    const socket = net.connect({
      host: address.host,
      port: address.port,
      timeout: CONNECT_TIMEOUT_MS,
    });
    const failed = (why: string) => {
      this.#dialling.delete(key);
      this.#log.info({ peer: key, why }, 'dial failed');
      socket.destroy();
      this.#hosts.failed(address, Date.now());
      this.#saveBootstrap();
      this.#scheduleFill();
    };
    socket.once('timeout', () => failed('connect timeout'));
    socket.once('error', (err) => failed(err.message));
    socket.once('connect', () => {
      socket.removeAllListeners('timeout');
      socket.removeAllListeners('error');
      socket.setTimeout(0);
      const profile = this.#profile(socket);
      const id = this.#nextId++;
      const conn: Connection = new Connection(id, 'outbound', address, socket, {
        log: this.#log,
        handshakeTimeoutMs: this.#config.handshakeTimeoutMs,
        leafCompressor: this.#leafCompressorFor(id),
        request: requestFields(profile, { remoteAddress: address.host }),
        confirm: (response) => {
          const reply = decideOutgoing(response, profile, this.#slotState(), {
            remoteAddress: address.host,
          });
          if (reply.code === 200) this.#slots.set(conn, peerModeOf(response.headers));
          return reply;
        },
      });
      conn.once('established', () => {
        // Remember who answers (bootstrap.md §2): a host that took us is worth dialling first.
        const ultrapeer = conn.peerHeaders?.getBoolean(HeaderName.XUltrapeer) !== false;
        this.#hosts.connected(address, Date.now(), { ultrapeer });
        this.#saveBootstrap();
      });
      conn.once('closed', () => {
        this.#dialling.delete(key);
        // Refused or broken before the handshake completed: a failure of this host.
        if (conn.peerHeaders === undefined || !this.#slots.has(conn)) {
          if (conn.state !== 'established') this.#hosts.failed(address, Date.now());
        }
      });
      this.#track(conn);
    });
  }

  #track(conn: Connection): void {
    this.#connections.set(conn.id, conn);
    conn.once('established', () => {
      this.#learnFrom(conn.peerHeaders);
      if (conn.peerHeaders) {
        this.#overlay.addLink(conn.id, capabilitiesOf(conn.peerHeaders), Date.now());
        this.#linked.add(conn.id);
        this.#checkReachable();
      }
      this.#pump();
    });
    conn.on('message', (frame) => {
      if (!this.#linked.has(conn.id)) return;
      this.#overlay.handleMessage(conn.id, frame.raw, Date.now());
      this.#pump();
    });
    conn.on('writable', () => {
      if (!this.#linked.has(conn.id)) return;
      this.#overlay.setWritable(conn.id, true, Date.now());
      this.#pump();
    });
    conn.once('closed', () => {
      this.#learnFrom(conn.peerHeaders);
      this.#connections.delete(conn.id);
      this.#slots.delete(conn);
      this.#pushProxies.delete(conn.id);
      if (this.#linked.delete(conn.id)) this.#overlay.removeLink(conn.id, Date.now());
      this.#pump();
      this.#scheduleFill();
    });
  }

  /**
   * Hands the overlay's output to the sockets, acts on its events and re-arms
   * its timer. Re-entrant calls (a send that closes a socket) fold into the
   * running one.
   */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let out = this.#overlay.pollTransmit(); out; out = this.#overlay.pollTransmit()) {
        const conn = this.#connections.get(out.link);
        if (!conn?.send(out.message)) this.#overlay.setWritable(out.link, false, Date.now());
      }
      for (let event = this.#overlay.pollEvent(); event; event = this.#overlay.pollEvent())
        this.#onEvent(event);
    } finally {
      this.#pumping = false;
    }
    // Once per event-loop turn: the overlay's next deadline looks at every link.
    if (!this.#armScheduled) {
      this.#armScheduled = true;
      setImmediate(() => {
        this.#armScheduled = false;
        this.#armOverlayTimer();
      });
    }
  }

  #onEvent(event: OverlayEvent): void {
    switch (event.type) {
      case 'search-result': {
        this.#searches.add(event.guid, resultsOf(event.hit, event.hops));
        const sources = hitSources(event.hit);
        for (const source of sources) this.#transfers?.hit(source);
        // A servent that answers and takes connections is worth knowing (bootstrap.md §2).
        if (!sources[0]?.firewalled)
          this.#learn([{ host: event.hit.address, port: event.hit.port }], 'query-hit');
        return;
      }
      case 'close-link':
        this.#connections.get(event.link)?.close(event.reason);
        return;
      case 'push-for-us':
        if (this.#transfers) this.#transfers.answerPush(event.push);
        else
          this.#log.info({ link: event.link }, 'push for us, but nothing to serve without --data');
        return;
      case 'connect-back':
        this.#connectBack(event.link, event.port);
        return;
      case 'vendor-list':
        // BEAR/7 and LIME/21 may go to this ultrapeer now that it listed what it takes.
        this.#checkReachable();
        return;
      case 'push-proxy': {
        const conn = this.#connections.get(event.link);
        const host = event.address ?? conn?.remote.host;
        if (host) this.#pushProxies.set(event.link, { host, port: event.port });
        return;
      }
      case 'pong': {
        const { pong } = event;
        this.#learn([{ host: pong.address, port: pong.port }], 'pong', event.ultrapeer);
        this.#learn(event.ipp, 'pong', true);
        if (event.udpHostCache !== undefined) {
          // UDPHC: a UDP host cache at the pong's address, or at the name it gives (BOOT-8).
          const host = event.udpHostCache === '' ? pong.address : event.udpHostCache;
          if (this.#uhc.add({ host, port: pong.port }, Date.now(), { source: 'udphc' }))
            this.#saveBootstrap();
        }
        return;
      }
    }
  }

  /**
   * A leaf asks its first ultrapeers to connect back (BEAR/7); with no
   * incoming connection by `connectBackWaitMs` it is
   * firewalled: its hits ask for pushes and it asks for push proxies (PUSH-11).
   */
  #checkReachable(): void {
    if (this.#mode !== 'leaf') return;
    if (this.#firewalled) {
      this.#overlay.requestPushProxies(Date.now());
      return;
    }
    if (this.#connectBackTimer) return;
    const askedAt = Date.now();
    if (this.#overlay.requestConnectBack(this.#listen.port, askedAt) === 0) return;
    this.#connectBackTimer = setTimeout(() => {
      // Only a connection after the request counts: a firewall may have come up since an earlier one.
      if (this.#lastInboundAt >= askedAt || this.#stopping) return;
      this.#firewalled = true;
      this.#log.info('no connect-back arrived: firewalled; asking for push proxies');
      this.#overlay.requestPushProxies(Date.now());
      this.#pump();
    }, this.#config.connectBackWaitMs);
    this.#connectBackTimer.unref();
  }

  /** BEAR/7: connect to the peer's address at `port`, say `\n\n` and close (VM-9); once per link. */
  #connectBack(link: number, port: number): void {
    const conn = this.#connections.get(link);
    if (!conn || this.#connectedBack.has(link) || port === 0) return;
    this.#connectedBack.add(link);
    const socket = net.connect({ host: conn.remote.host, port, timeout: CONNECT_TIMEOUT_MS });
    socket.once('connect', () => socket.end('\n\n'));
    socket.once('timeout', () => socket.destroy());
    socket.once('error', () => socket.destroy());
  }

  #armOverlayTimer(): void {
    const at = this.#overlay.nextTimeout();
    if (at === this.#overlayTimerAt) return;
    if (this.#overlayTimer) clearTimeout(this.#overlayTimer);
    this.#overlayTimer = undefined;
    this.#overlayTimerAt = at;
    if (at === undefined || this.#stopping) return;
    this.#overlayTimer = setTimeout(
      () => {
        this.#overlayTimerAt = undefined;
        this.#overlay.handleTimeout(Date.now());
        this.#pump();
      },
      Math.max(0, at - Date.now()),
    );
    this.#overlayTimer.unref();
  }

  #learnFrom(headers: Headers | undefined): void {
    if (!headers) return;
    // Both in accepted and refused handshakes (BOOT-2); X-Try names hosts of any kind.
    for (const name of [HeaderName.XTryUltrapeers, HeaderName.XTry]) {
      const value = headers.get(name);
      if (value)
        this.#learn(parseHostList(value), 'x-try', name === HeaderName.XTryUltrapeers || undefined);
    }
    this.#scheduleFill();
  }

  #connectedKeys(): Set<string> {
    const keys = new Set(this.#dialling);
    for (const conn of this.#slots.keys()) {
      keys.add(hostKey(conn.remote));
      const listen = conn.peerHeaders && listenAddress(conn.peerHeaders);
      if (listen) keys.add(hostKey(listen));
    }
    return keys;
  }

  #scheduleFill(): void {
    if (this.#stopping) return;
    setImmediate(() => this.#fillSlots());
  }

  /** Dials learned and given hosts until the ultrapeer slots we want are taken or pending. */
  #fillSlots(): void {
    if (this.#stopping) return;
    if (this.#dialTimer) clearTimeout(this.#dialTimer);
    this.#dialTimer = undefined;
    const want = this.#mode === 'leaf' ? this.#config.leafUltrapeers : this.#config.maxUltrapeers;
    const now = Date.now();
    const busy = this.#connectedKeys();
    let pending = this.#slotState().connectedUltrapeers + this.#dialling.size;
    while (pending < want) {
      const next = this.#hosts.nextToDial(now, busy);
      if (!next) break;
      busy.add(hostKey(next));
      this.#dial(next);
      pending++;
    }
    const retryAt = this.#hosts.nextRetryAt(busy);
    if (pending < want && retryAt !== undefined) {
      this.#dialTimer = setTimeout(() => this.#fillSlots(), Math.max(50, retryAt - now)).unref();
    }
    if (this.#bootstrapNeeded()) this.#bootstrapper?.kick();
  }

  /** Nothing left to dial in the host cache and no ultrapeer connection: time for UHCs and GWebCaches (§1). */
  #bootstrapNeeded(): boolean {
    if (this.#stopping || this.#slotState().connectedUltrapeers > 0 || this.#dialling.size > 0)
      return false;
    return this.#hosts.usable(Date.now(), this.#connectedKeys()) === 0;
  }

  /** Takes hosts into the host cache and dials them if slots are free. */
  #learn(hosts: readonly HostAddress[], source: HostSource, ultrapeer?: boolean): void {
    if (hosts.length === 0) return;
    const now = Date.now();
    for (const host of hosts)
      this.#hosts.add(host, now, { source, ...(ultrapeer !== undefined && { ultrapeer }) });
    this.#saveBootstrap();
    this.#scheduleFill();
  }

  /** Ultrapeers for IPP and UHC answers: those we are connected to first, then the cache's best. */
  #knownUltrapeers(limit: number): HostAddress[] {
    return this.#tryUltrapeers(new Set([hostKey(this.#advertised())]))
      .slice(0, limit)
      .flatMap((key) => parseHostList(key));
  }

  /** Loads the saved host cache and cache lists, opens the UDP socket and readies bootstrap. */
  async #startBootstrap(): Promise<void> {
    const config = this.#config;
    const now = Date.now();
    if (this.#stores) {
      const [hosts, uhc, gwc] = await Promise.all([
        this.#stores.hosts.load(),
        this.#stores.uhc.load(),
        this.#stores.gwc.load(),
      ]);
      if (hosts !== undefined) {
        const loaded = this.#hosts.load(hosts, now);
        this.#log.info({ hosts: loaded.loaded, skipped: loaded.skipped }, 'host cache loaded');
      }
      if (uhc !== undefined) {
        const client = UhcClient.fromJSON(uhc);
        if (client.ok) this.#uhc = client.value;
      }
      if (gwc !== undefined) this.#gwcList = GwcList.fromJSON(gwc, now);
    }
    this.#hosts.setSelf([this.#listen, this.#advertised()]);
    for (const cache of config.udpHostCaches) this.#uhc.add(cache, now, { source: 'configured' });
    for (const url of config.webCaches) this.#gwcList.add(url, now, { source: 'config' });
    const udp = new UdpService({
      log: this.#log.child({ component: 'udp' }),
      uhc: this.#uhc,
      self: () => {
        const self = this.#advertised();
        if (!isDottedIpv4(self.host) || self.host === '0.0.0.0') return undefined;
        return {
          ...self,
          sharedFiles: this.#library.size,
          sharedKilobytes: Math.ceil(this.#library.totalBytes / 1024),
        };
      },
      hostsFor: () => this.#knownUltrapeers(MAX_IPP_HOSTS),
      onUhcPong: (pong) => this.#bootstrapper?.uhcAnswered(pong.hosts, pong.caches),
    });
    try {
      await udp.start(this.#listen.host, this.#listen.port);
      this.#udp = udp;
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'no UDP socket: UDP host caches not used');
    }
    this.#bootstrapper = new Bootstrapper({
      log: this.#log.child({ component: 'bootstrap' }),
      uhc: this.#uhc,
      udp: this.#udp,
      gwcList: this.#gwcList,
      gwc: new GwcBootstrap({
        list: this.#gwcList,
        userAgent: config.userAgent,
        vendor: DEFAULT_VENDOR_CODE,
        version: versionOf(config.userAgent),
        log: this.#log.child({ component: 'gwc' }),
        random: Math.random,
      }),
      needed: () => this.#bootstrapNeeded(),
      ultrapeer: () => this.#mode === 'ultrapeer',
      gwcSelf: () => {
        const self = this.#advertised();
        const allowUpdate = updateAllowed({
          uptimeMs: Date.now() - this.#startedAt,
          acceptsIncoming: this.#reachable && !this.#firewalled,
          mode: this.#mode,
          address: self.host,
        });
        return { address: self.host, port: self.port, allowUpdate };
      },
      learned: (hosts, from) => this.#learn(hosts, from, true),
      changed: () => this.#saveBootstrap(),
    });
    this.#bootstrapper.start();
  }

  /** Writes the host cache and cache lists soon (the stores debounce and write atomically). */
  #saveBootstrap(): void {
    if (!this.#stores) return;
    this.#stores.hosts.save(this.#hosts);
    this.#stores.uhc.save(this.#uhc);
    this.#stores.gwc.save(this.#gwcList);
  }
}

function peerModeOf(headers: Headers): 'ultrapeer' | 'leaf' {
  return headers.getBoolean(HeaderName.XUltrapeer) ? 'ultrapeer' : 'leaf';
}

/** A peer's Listen-IP (or gtk-gnutella's Node, or an older spelling) as host and port. */
function listenAddress(headers: Headers): HostAddress | undefined {
  return capabilitiesOf(headers).listen;
}

/** The results of one hit, as the control API lists them. */
function resultsOf(hit: QueryHit, hops: number): SearchResult[] {
  const receivedAt = new Date().toISOString();
  // The hit-wide facts a downloader needs: firewalled or not, push proxies.
  const { firewalled, pushProxies } = hitSources(hit)[0] ?? { firewalled: false, pushProxies: [] };
  return hit.results.map((r) => {
    const size = resultFileSize(r);
    const sha1 = extensionSha1s(r.extensions)[0];
    return {
      name: r.name,
      size: size.ok ? size.value : r.size,
      index: r.index,
      sha1: sha1 && sha1Urn(sha1),
      host: hit.address,
      port: hit.port,
      serventId: guidToHex(hit.serventId),
      firewalled,
      pushProxies: pushProxies.map((p) => `${p.host}:${p.port}`),
      hops,
      receivedAt,
    };
  });
}

/** The version in a `Name/1.2` User-Agent, for the GWebCache `version=` (BOOT-12). */
const versionOf = (userAgent: string): string => /\/([^\s]+)/.exec(userAgent)?.[1] ?? '0';

const isLoopback = (host: string): boolean => host.startsWith('127.') || host === 'localhost';

/** Node reports IPv4 peers on dual-stack sockets as ::ffff:a.b.c.d. */
export function normalizeIp(address: string | undefined): string {
  if (!address) return '0.0.0.0';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
