/**
 * The heart of a Gnutella 0.6 servent, sans I/O: the shell hands in each
 * link's messages, its writability and the clock; the overlay routes, answers,
 * keeps links alive, exchanges QRP tables and hands back messages to write,
 * events and when it next wants to be woken.
 *
 * Per link it sends Messages Supported first to a Vendor-Message peer (VM-6),
 * takes Hops-Flow (RT-10), answers pings with our own pong (MSG-20, RT-12)
 * and never relays them (RT-11), and closes on Bye without answering it
 * (MSG-35). Routing of Queries, QueryHits and Pushes is the Router's part.
 * Bye, QRP and vendor messages are hop-by-hop and never relayed (MSG-39).
 */

import { readUhcPing } from '../bootstrap/uhc.js';
import { UsageError } from '../errors.js';
import {
  byeMessage,
  decodePongGgep,
  MAX_IPP_HOSTS,
  markedKilobytes,
  selfPong,
} from '../link/link-messages.js';
import {
  encodeRouteTableMessage,
  type QueryRouteTable,
  RouteTableReceiver,
  RouteTableSender,
} from '../qrp/index.js';
import { guidKey } from '../routing/guid-key.js';
import { headerFault } from '../routing/hops.js';
import { RouteTable } from '../routing/route-table.js';
import { SendClass } from '../routing/send-queue.js';
import {
  ByeCode,
  buildMessagesSupported,
  decodeBye,
  decodePong,
  decodeVendorMessage,
  encodeMessage,
  encodePong,
  encodeVendorFrame,
  GUID_LENGTH,
  HEADER_LENGTH,
  ipv4FromString,
  MessageType,
  newGuid,
  PONG_FIXED_LENGTH,
} from '../wire/index.js';
import { Counters } from './counters.js';
import { type Link, Links } from './links.js';
import { WHATS_NEW_FEATURE } from './own-query.js';
import { PongCache } from './pong-cache.js';
import { QrpExchange } from './qrp-exchange.js';
import { Router } from './router.js';
import { linkStats, type OverlayStats, summarize } from './stats.js';
import { MIN_MERGED_LEAF_HOPS_FLOW, type OverlayTunables, resolveTunables } from './tunables.js';
import type { OverlayEvent, OverlayOptions, PeerCapabilities } from './types.js';

/** Our EQHD vendor code unless the options give one (messages.md §10). */
export const DEFAULT_VENDOR_CODE = 'GSNT';

/** The vendor messages we act on, listed in our Messages Supported (VM-6, VM-7). */
const IMPLEMENTED_VENDOR_MESSAGES = [
  { vendor: 'BEAR', selector: 4, version: 1 },
  { vendor: 'BEAR', selector: 7, version: 1 },
  // Leaf guidance: a leaf lists both, as gtk-gnutella ultrapeers look for either (dynamic-querying.md §2).
  { vendor: 'BEAR', selector: 11, version: 1 },
  { vendor: 'BEAR', selector: 12, version: 1 },
  { vendor: 'LIME', selector: 21, version: 1 },
  { vendor: 'LIME', selector: 22, version: 2 },
];

/** Ultrapeers asked for a TCP connect-back at once (vendor-messages.md §5). */
const CONNECT_BACK_ASKS = 3;

const ZERO_GUID = new Uint8Array(GUID_LENGTH);

/** Our pong-cache refresh pings: TTL 3, as LimeWire sends them (§8.2); neighbours answer, never relay. */
const REFRESH_PING_TTL = 3;
const REFRESH_MIN_PINGED = 3;

/** A KB count that is a power of two ≥ 8 marks an ultrapeer's pong (MSG-38, RT-14). */
const isUltrapeerMark = (kb: number): boolean => kb >= 8 && (kb & (kb - 1)) === 0;

/**
 * The peer listed the message in its Messages Supported: request-type vendor
 * messages go only to such a peer (VM-7, HS-27). One that has not sent its
 * list yet gets them once it has (the `vendor-list` event).
 */
function supports(link: Link, vendor: string, selector: number): boolean {
  return (
    link.caps.vendorMessages &&
    link.vendorMessages?.some((m) => m.vendor === vendor && m.selector === selector) === true
  );
}
const EMPTY = new Uint8Array(0);

export class Overlay {
  readonly #options: OverlayOptions;
  readonly #t: OverlayTunables;
  readonly #counters = new Counters();
  readonly #links: Links;
  readonly #router: Router;
  readonly #qrp: QrpExchange;
  readonly #pingsSeen: RouteTable<string, true>;
  readonly #pongCache = new PongCache();
  /** An ultrapeer refreshes its pong cache on the first ping it answers after this (§8.1). */
  #pongRefreshAt = Number.NEGATIVE_INFINITY;
  /** Where the next refresh starts among the ultrapeer links, so every one is pinged in turn. */
  #refreshTurn = 0;
  readonly #messagesSupported: Uint8Array;
  readonly #featuresSupported: Uint8Array;
  #events: OverlayEvent[] = [];
  #eventsHead = 0;
  /** The latest time the shell gave us, for calls that take none. */
  #now: number;

  constructor(options: OverlayOptions) {
    if (options.serventId.length !== GUID_LENGTH) {
      throw new UsageError(`serventId has ${GUID_LENGTH} bytes, got ${options.serventId.length}`);
    }
    const vendorCode = options.vendorCode ?? DEFAULT_VENDOR_CODE;
    if (!/^[\x20-\x7e]{4}$/.test(vendorCode)) {
      throw new UsageError(
        `vendorCode is 4 printable ASCII letters, got ${JSON.stringify(vendorCode)}`,
      );
    }
    this.#options = options;
    this.#now = options.now;
    const t = resolveTunables(options.tunables);
    this.#t = t;
    this.#links = new Links(this.#counters, t, (link) =>
      this.#close(link, ByeCode.SendQueueFull, 'Send queue full', this.#now),
    );
    this.#router = new Router({
      mode: options.mode,
      serventId: options.serventId,
      random: options.random,
      self: options.self,
      search: options.search,
      vendorCode,
      extProbes: options.extProbes ?? false,
      tunables: t,
      links: this.#links,
      emit: (event) => this.#events.push(event),
      now: options.now,
    });
    this.#qrp = new QrpExchange({
      mode: options.mode,
      shape: { bits: t.qrpTableBits, infinity: t.qrpInfinity },
      delayMs: t.qrpUpdateDelayMs,
      keywords: options.search.qrpKeywords(),
      leafTables: () => this.#mergedLeafTables(),
    });
    this.#pingsSeen = new RouteTable(
      { lifetimeMs: t.queryRouteLifetimeMs, maxEntries: t.maxRoutes },
      options.now,
    );
    this.#messagesSupported = encodeVendorFrame(
      buildMessagesSupported(IMPLEMENTED_VENDOR_MESSAGES),
      ZERO_GUID,
    );
    this.#featuresSupported = encodeVendorFrame(
      {
        kind: 'features-supported',
        version: 0,
        features: [{ name: WHATS_NEW_FEATURE, version: 1 }],
        wideFeatures: null,
      },
      ZERO_GUID,
    );
  }

  /** A link whose handshake completed. */
  addLink(id: number, caps: PeerCapabilities, now: number): void {
    this.#now = now;
    const link = this.#links.add(id, caps, now);
    // Messages Supported first, to peers that read vendor messages (VM-6, HS-27), then our features.
    if (caps.vendorMessages) {
      this.#links.send(link, this.#messagesSupported, SendClass.Control, 0);
      this.#links.send(link, this.#featuresSupported, SendClass.Control, 0);
    }
    const ultrapeer = this.#options.mode === 'ultrapeer';
    if (link.isLeaf) {
      // A leaf of ours sends its table; we never send it ours (UP-5, QRP-17).
      if (ultrapeer) link.qrpReceiver = new RouteTableReceiver();
      return;
    }
    if (ultrapeer ? caps.ultrapeerQueryRouting : caps.queryRouting) {
      // Leaf → ultrapeer with X-Query-Routing; ultrapeer ↔ ultrapeer with X-Ultrapeer-Query-Routing (§9).
      link.qrpSender = new RouteTableSender();
      this.#sendTable(link);
    }
    if (ultrapeer && caps.ultrapeerQueryRouting) link.qrpReceiver = new RouteTableReceiver();
  }

  /**
   * The shell is done with the link (closed by either side); anything still
   * queued is dropped. Removing a link twice, or one never added, does nothing.
   */
  removeLink(id: number, now: number): void {
    this.#now = now;
    const link = this.#links.get(id);
    if (link === undefined) return;
    link.queue.clear('link-closed');
    this.#links.remove(link);
    this.#router.forgetLink(link);
    this.#pongCache.forgetLink(link.id);
    if (link.isLeaf && link.table !== undefined) this.#qrp.changed(now);
  }

  /** One whole message as received: 23-byte header and its payload. */
  handleMessage(id: number, raw: Uint8Array, now: number): void {
    this.#now = now;
    const link = this.#links.require(id);
    if (raw.length < HEADER_LENGTH || payloadLength(raw) !== raw.length - HEADER_LENGTH) {
      throw new UsageError(
        `handleMessage takes one whole message (header + payload), got ${raw.length} bytes`,
      );
    }
    const type = raw[16]!;
    const ttl = raw[17]!;
    const hops = raw[18]!;
    link.keepAlive.heard(now);
    link.messagesIn.add(type);
    this.#counters.messagesIn.add(type);
    switch (type) {
      case MessageType.Bye:
        this.#handleBye(link, raw, ttl, hops);
        return;
      case MessageType.RouteTableUpdate:
        this.#handleRouteTableUpdate(link, raw, ttl, hops, now);
        return;
      case MessageType.Vendor:
      case MessageType.VendorStd:
        this.#handleVendor(link, raw, ttl, hops, now);
        return;
      case MessageType.Ping:
      case MessageType.Pong:
      case MessageType.Push:
      case MessageType.Query:
      case MessageType.QueryHit:
        this.#handleRouted(link, raw, type, ttl, hops, now);
        return;
      default:
        // Skipped by its length, never forwarded (MSG-5).
        this.#links.drop(link, 'unknown-type');
    }
  }

  /** The shell's backpressure: only writable links are served by `pollTransmit`. */
  setWritable(id: number, writable: boolean, now = this.#now): void {
    this.#now = now;
    const link = this.#links.require(id);
    link.writable = writable;
    if (!writable) {
      link.unwritableSince ??= now;
      return;
    }
    link.unwritableSince = undefined;
    if (link.queue.flowControl) link.queue.setFlowControl(false);
    this.#links.markReady(link);
  }

  /** The next message to write: links take turns, each link's queue by priority (RT-9). */
  pollTransmit(): { link: number; message: Uint8Array } | undefined {
    const next = this.#links.take();
    if (next === undefined) return undefined;
    this.#closeIfFlushed(next.link);
    return { link: next.link.id, message: next.message };
  }

  pollEvent(): OverlayEvent | undefined {
    if (this.#eventsHead === this.#events.length) return undefined;
    const event = this.#events[this.#eventsHead++];
    if (this.#eventsHead === this.#events.length) {
      this.#events = [];
      this.#eventsHead = 0;
    }
    return event;
  }

  handleTimeout(now: number): void {
    this.#now = now;
    for (const link of this.#links) {
      if (link.closed) continue;
      if (link.closing !== undefined) {
        // The flush took too long (say, the link stayed unwritable): end it anyway.
        if (now >= link.closing.deadline) {
          link.queue.clear('link-closed');
          this.#emitClose(link, link.closing.reason);
        }
        continue;
      }
      if (
        link.unwritableSince !== undefined &&
        !link.queue.flowControl &&
        now >= link.unwritableSince + this.#t.flowControlDelayMs
      ) {
        link.queue.setFlowControl(true);
      }
      const action = link.keepAlive.poll(now);
      if (action === 'send-ping') this.#sendAlivePing(link, now);
      else if (action === 'give-up') {
        this.#close(link, ByeCode.NoReplyToAlivePings, 'No reply to alive pings', now);
      }
    }
    if (this.#qrp.takeDue(now)) {
      for (const link of this.#links)
        if (link.qrpSender !== undefined && link.open) this.#sendTable(link);
    }
    this.#router.handleTimeout(now);
  }

  nextTimeout(): number | undefined {
    let next = Math.min(
      this.#qrp.dueAt ?? Number.POSITIVE_INFINITY,
      this.#router.nextTimeout() ?? Number.POSITIVE_INFINITY,
    );
    for (const link of this.#links) {
      if (link.closed) continue;
      if (link.closing !== undefined) {
        next = Math.min(next, link.closing.deadline);
        continue;
      }
      next = Math.min(next, link.keepAlive.nextTimeout());
      if (link.unwritableSince !== undefined && !link.queue.flowControl) {
        next = Math.min(next, link.unwritableSince + this.#t.flowControlDelayMs);
      }
    }
    return next === Number.POSITIVE_INFINITY ? undefined : next;
  }

  /** Our shares changed: our table is rebuilt and patches go out after the QRP update delay. */
  libraryChanged(now: number): void {
    this.#now = now;
    this.#qrp.libraryChanged(this.#options.search.qrpKeywords(), now);
  }

  /**
   * Originates a query and returns its GUID; hits come back as `search-result`
   * events. `text` goes out as is (sanitize it first, MSG-41); `ttl` defaults
   * to the `queryTtl` tunable and is capped at 4 and at each peer's X-Max-TTL.
   * `whatsNew`: a "What's New?" query instead (DQ-17); `text` is then ignored.
   * As an ultrapeer the search runs dynamically (dynamic-querying.md §5).
   */
  search(
    text: string,
    options: { urns?: string[]; ttl?: number; whatsNew?: boolean },
    now: number,
  ): Uint8Array {
    this.#now = now;
    const ttl = options.ttl ?? this.#t.queryTtl;
    if (!Number.isInteger(ttl) || ttl < 1)
      throw new UsageError(`a query TTL is at least 1, got ${ttl}`);
    return this.#router.search(text, options.urns ?? [], ttl, now, options.whatsNew ?? false);
  }

  /** We want no more results for our search `guid`; a leaf tells its ultrapeers to stop (DQ-12). */
  stopSearch(guid: Uint8Array, now: number): void {
    this.#now = now;
    this.#router.stopSearch(guid, now);
  }

  /**
   * Asks up to three ultrapeers to connect back to `port` (BEAR/7, VM-9): an
   * incoming connection then proves we can be reached. Returns how many
   * were asked: those that listed BEAR/7 in Messages Supported (VM-7).
   */
  requestConnectBack(port: number, now: number): number {
    this.#now = now;
    const frame = encodeVendorFrame({ kind: 'tcp-connect-back', version: 1, port }, ZERO_GUID);
    const willing = this.#links.ultrapeers.filter((link) => supports(link, 'BEAR', 7));
    for (const link of willing.slice(0, CONNECT_BACK_ASKS))
      this.#links.send(link, frame, SendClass.Control, 0);
    return Math.min(willing.length, CONNECT_BACK_ASKS);
  }

  /** A firewalled leaf asks each of its ultrapeers to be its push proxy (LIME/21, PUSH-11). */
  requestPushProxies(now: number): void {
    this.#now = now;
    if (this.#options.mode !== 'leaf') return;
    const frame = encodeVendorFrame(
      { kind: 'push-proxy-request', version: 1 },
      this.#options.serventId,
    );
    for (const link of this.#links.ultrapeers) {
      if (supports(link, 'LIME', 21)) this.#links.send(link, frame, SendClass.Control, 0);
    }
  }

  /**
   * Sends a Push asking servent `serventId` to connect to `address:port`
   * (push.md §2). `oneHop`: only to a leaf we are push proxy for, as an HTTP
   * push-proxy request asks (PUSH-15, PUSH-16). False when there is no route.
   */
  sendPush(
    push: { serventId: Uint8Array; fileIndex: number; address: string; port: number },
    oneHop: boolean,
    now: number,
  ): boolean {
    this.#now = now;
    return this.#router.sendPush(push, oneHop, now);
  }

  /**
   * Closes a link politely: droppable messages go, the rest of its queue is
   * flushed with a Bye last when the peer announced Bye-Packet (MSG-34,
   * HS-27), then `close-link` is emitted.
   */
  closeLink(id: number, code: number, reason: string, now: number): void {
    this.#now = now;
    this.#close(this.#links.require(id), code, reason, now);
  }

  /** Our QRP table: a leaf's own, an ultrapeer's merge of its own and its leaves' tables. */
  qrpTable(): QueryRouteTable {
    return this.#qrp.table();
  }

  stats(): OverlayStats {
    const links = [...this.#links];
    return {
      mode: this.#options.mode,
      drops: { ...this.#counters.drops },
      messagesIn: this.#counters.messagesIn.toJSON(),
      messagesOut: this.#counters.messagesOut.toJSON(),
      routes: { ...this.#router.sizes, pingsSeen: this.#pingsSeen.size },
      qrp: { table: summarize(this.#qrp.table()) },
      links: links.map(linkStats),
    };
  }

  // ---- hop-by-hop messages

  /** A valid Bye (TTL ≤ 1, hops 0) closes at once, with no Bye back (MSG-35). */
  #handleBye(link: Link, raw: Uint8Array, ttl: number, hops: number): void {
    if (!hopByHop(ttl, hops)) {
      this.#links.drop(link, 'not-hop-by-hop');
      return;
    }
    const bye = decodeBye(raw.subarray(HEADER_LENGTH));
    if (!bye.ok) {
      this.#links.drop(link, 'malformed');
      return;
    }
    const reason = `peer sent Bye ${bye.value.code} ${bye.value.reason}`;
    link.closing ??= { reason, deadline: this.#now };
    // Nothing more goes out, our own Bye least of all.
    link.queue.close();
    link.queue.clear('link-closed');
    this.#emitClose(link, reason);
  }

  #handleRouteTableUpdate(
    link: Link,
    raw: Uint8Array,
    ttl: number,
    hops: number,
    now: number,
  ): void {
    if (!hopByHop(ttl, hops)) {
      this.#links.drop(link, 'not-hop-by-hop');
      return;
    }
    // Only our leaves and UP-QRP ultrapeers may send tables (qrp.md §9).
    const receiver = link.qrpReceiver;
    if (receiver === undefined) {
      this.#links.drop(link, 'qrp-not-entitled');
      return;
    }
    const result = receiver.handlePayload(raw.subarray(HEADER_LENGTH));
    // A leaf's table routes queries and feeds the merged table; a RESET or an error removes it (QRP-15).
    if (link.isLeaf && (!result.ok || result.value.kind !== 'patch-buffered')) {
      this.#router.leafTableChanged(link);
      this.#qrp.changed(now);
    }
    if (!result.ok) {
      this.#links.drop(link, 'qrp-invalid');
      // The sequence cannot be resynchronised: Bye 413 (qrp.md §7, QRP-13, QRP-14).
      this.#close(
        link,
        ByeCode.InvalidQrpSequence,
        `Invalid QRP sequence: ${result.error.message}`,
        now,
      );
    }
  }

  #handleVendor(link: Link, raw: Uint8Array, ttl: number, hops: number, now: number): void {
    if (!hopByHop(ttl, hops)) {
      this.#links.drop(link, 'not-hop-by-hop');
      return;
    }
    const decoded = decodeVendorMessage(raw.subarray(HEADER_LENGTH));
    if (!decoded.ok) {
      this.#links.drop(link, 'malformed');
      return;
    }
    const message = decoded.value;
    switch (message.kind) {
      case 'messages-supported':
        link.vendorMessages = message.entries;
        if (!link.isLeaf) this.#events.push({ type: 'vendor-list', link: link.id });
        return;
      case 'features-supported':
        link.features = [...message.features, ...(message.wideFeatures ?? [])];
        return;
      case 'query-status-request':
        // An ultrapeer asks how our search is doing (DQ-12).
        if (link.isLeaf) this.#links.drop(link, 'vendor-ignored');
        else this.#router.statusRequested(link, raw.subarray(0, GUID_LENGTH), now);
        return;
      case 'query-status-response':
        // Only a leaf reports on its own queries; never routed (DQ-8).
        if (this.#options.mode !== 'ultrapeer' || !link.isLeaf) {
          this.#links.drop(link, 'vendor-ignored');
          return;
        }
        this.#router.leafReported(link, raw.subarray(0, GUID_LENGTH), message.kept, now);
        return;
      case 'tcp-connect-back':
        this.#events.push({ type: 'connect-back', link: link.id, port: message.port });
        return;
      case 'push-proxy-request':
        // Only an ultrapeer proxies, and only for its leaves (push.md §6.1).
        if (this.#options.mode !== 'ultrapeer' || !link.isLeaf) {
          this.#links.drop(link, 'vendor-ignored');
          return;
        }
        this.#router.proxyFor(link, raw.subarray(0, GUID_LENGTH));
        {
          const self = this.#options.self();
          const ack = encodeVendorFrame(
            { kind: 'push-proxy-ack', version: 2, address: self.host, port: self.port },
            raw.subarray(0, GUID_LENGTH),
          );
          this.#links.send(link, ack, SendClass.Control, 0);
        }
        return;
      case 'push-proxy-ack':
        if (link.isLeaf) {
          this.#links.drop(link, 'vendor-ignored');
          return;
        }
        // v1 names only the port: the proxy is the link's peer (PUSH-12); the shell knows its address.
        this.#events.push({
          type: 'push-proxy',
          link: link.id,
          port: message.port,
          ...(message.version === 2 && { address: message.address }),
        });
        return;
      case 'hops-flow': {
        // Busy leaves leave the merged table (qrp.md §9).
        const busy = (h: number) => h < MIN_MERGED_LEAF_HOPS_FLOW;
        if (link.isLeaf && busy(link.hopsFlow) !== busy(message.hops)) this.#qrp.changed(now);
        link.hopsFlow = message.hops;
        return;
      }
      default:
        // Unknown or not acted on: ignored, the link stays (VM-3).
        this.#links.drop(link, 'vendor-ignored');
    }
  }

  // ---- routed messages

  #handleRouted(
    link: Link,
    raw: Uint8Array,
    type: number,
    ttl: number,
    hops: number,
    now: number,
  ): void {
    const fault = headerFault(ttl, hops, this.#t.hardTtlLimit);
    if (fault !== undefined) {
      this.#links.drop(link, fault);
      return;
    }
    // A leaf only ever sends what it created (UP-8, MSG-18).
    if (hops !== 0 && link.isLeaf) {
      this.#links.drop(link, 'relayed-by-leaf');
      return;
    }
    switch (type) {
      case MessageType.Ping:
        this.#handlePing(link, raw, ttl, hops, now);
        return;
      case MessageType.Pong:
        this.#handlePong(link, raw, hops, now);
        return;
      case MessageType.Push:
        this.#router.handlePush(link, raw, ttl, hops, now);
        return;
      case MessageType.Query:
        this.#router.handleQuery(link, raw, ttl, hops, now);
        return;
      default:
        this.#router.handleQueryHit(link, raw, ttl, hops, now);
        return;
    }
  }

  /**
   * Pings are answered, never relayed (RT-11). Alive pings (TTL 1, hops 0)
   * get our own pong at once; an ultrapeer answers a crawler ping (TTL 2,
   * hops 0) with pongs about its neighbours (RT-13); any other ping is
   * answered at most once per interval per link (RT-12), with our pong and
   * an ultrapeer's cached pongs, at most `pongsPerPing` in all (§8).
   */
  #handlePing(link: Link, raw: Uint8Array, ttl: number, hops: number, now: number): void {
    const ping = readUhcPing(raw.subarray(HEADER_LENGTH));
    if (!ping.ok) {
      this.#links.drop(link, 'malformed');
      return;
    }
    const key = guidKey(raw);
    if (this.#pingsSeen.has(key, now)) {
      this.#links.drop(link, 'duplicate');
      return;
    }
    this.#pingsSeen.set(key, true, now);
    const guid = raw.subarray(0, GUID_LENGTH);
    const alive = ttl === 1 && hops === 0;
    const crawler = ttl === 2 && hops === 0;
    const ultrapeer = this.#options.mode === 'ultrapeer';
    if (crawler && ultrapeer) {
      this.#answerCrawler(link, guid);
      return;
    }
    if (!alive && !crawler) {
      if (now - link.lastPingAnsweredAt < this.#t.pingAnswerIntervalMs) {
        this.#links.drop(link, 'ping-throttled');
        return;
      }
      link.lastPingAnsweredAt = now;
    }
    const self = this.#options.self();
    let sent = 0;
    // No own pong without an address peers can reach (RT-12 "valid listening address").
    if (ipv4FromString(self.host).ok) {
      const scp = ping.value.scp;
      const pong = selfPong(
        { guid, type: MessageType.Ping, ttl, hops, length: 0 },
        {
          address: { host: self.host, port: self.port },
          mode: this.#options.mode,
          sharedFiles: self.sharedFiles,
          sharedKilobytes: self.sharedKilobytes,
          ggep: {
            dailyUptimeS: self.dailyUptimeS,
            freeLeafSlots: self.freeLeafSlots,
            freeUltrapeerSlots: self.freeUltrapeerSlots,
            // A ping asking for cached pongs gets ultrapeers packed in IPP (RT-16, BOOT-10).
            ...(scp && { ipp: this.#options.ultrapeerHosts?.(MAX_IPP_HOSTS) ?? [] }),
          },
        },
        link.caps.ggep,
      );
      // An alive ping's answer must not be lost to congestion (MSG-40 "even while busy").
      this.#links.send(link, pong, alive ? SendClass.Control : SendClass.Pong, 0);
      sent++;
    }
    if (alive || !ultrapeer) return;
    if (now >= this.#pongRefreshAt) this.#refreshPongCache(link, now);
    for (const cached of this.#pongCache.pick(link.id, this.#t.pongsPerPing - sent, now)) {
      // GGEP only to peers that announced it (RT-15): the 14 fixed bytes otherwise.
      const payload = link.caps.ggep
        ? cached.payload
        : cached.payload.subarray(0, PONG_FIXED_LENGTH);
      const header = {
        guid,
        type: MessageType.Pong,
        ttl: Math.max(1, hops + 1),
        hops: cached.hops + 1,
      };
      this.#links.send(link, encodeMessage(header, payload), SendClass.Pong, 0);
    }
  }

  /** Pongs about our neighbours that gave their listening address, hops 1 and TTL 1 (RT-13). */
  #answerCrawler(link: Link, guid: Uint8Array): void {
    for (const neighbour of this.#links) {
      const listen = neighbour.caps.listen;
      if (!neighbour.open || listen === undefined || !ipv4FromString(listen.host).ok) continue;
      const payload = encodePong({
        port: listen.port,
        address: listen.host,
        sharedFiles: 0,
        sharedKilobytes: markedKilobytes(0, neighbour.caps.peerMode),
        ggep: EMPTY,
      });
      const header = { guid, type: MessageType.Pong, ttl: 1, hops: 1 };
      this.#links.send(link, encodeMessage(header, payload), SendClass.Pong, 0);
    }
  }

  /**
   * Pongs are consumed, never relayed: they answer our alive pings, teach
   * hosts (and, with UDPHC, host caches, BOOT-8), and an ultrapeer caches
   * those that come from its ultrapeers (§8).
   */
  #handlePong(link: Link, raw: Uint8Array, hops: number, now: number): void {
    const pong = decodePong(raw.subarray(HEADER_LENGTH));
    if (!pong.ok) {
      this.#links.drop(link, 'malformed');
      return;
    }
    const extras = pong.value.ggep.length > 0 ? decodePongGgep(pong.value.ggep) : undefined;
    if (extras !== undefined && !extras.ok) {
      this.#links.drop(link, 'malformed');
      return;
    }
    link.keepAlive.answered(guidKey(raw));
    const { address, port, sharedKilobytes } = pong.value;
    const described = ipv4FromString(address).ok && address !== '0.0.0.0' && port !== 0;
    const ggep = extras?.value;
    const ultrapeer = isUltrapeerMark(sharedKilobytes) || ggep?.freeUltrapeerSlots !== undefined;
    if (described && this.#options.mode === 'ultrapeer' && !link.isLeaf) {
      this.#pongCache.add({
        payload: raw.slice(HEADER_LENGTH),
        hops,
        link: link.id,
        key: `${address}:${port}`,
        receivedAt: now,
      });
    }
    this.#events.push({
      type: 'pong',
      link: link.id,
      pong: pong.value,
      hops,
      ultrapeer,
      ipp: ggep?.ipp ?? [],
      ...(ggep?.udphc !== undefined && { udpHostCache: ggep.udphc }),
    });
  }

  /**
   * An ultrapeer refreshes its pong cache by pinging some of its other
   * ultrapeers, at most once per `pongCacheRefreshMs` (RT-17, §8.1: on the
   * first ping after the cache expired); their answers serve later pings.
   */
  #refreshPongCache(asking: Link, now: number): void {
    this.#pongCache.expire(now);
    this.#pongRefreshAt = now + this.#t.pongCacheRefreshMs;
    const ups = this.#links.ultrapeers.filter((l) => l.open && l !== asking);
    if (ups.length === 0) return;
    // gtk-gnutella pings a fifth of its ultrapeers, at least 3, taken in turn here.
    const count = Math.min(ups.length, Math.max(REFRESH_MIN_PINGED, Math.ceil(ups.length / 5)));
    const guid = newGuid(this.#options.random);
    this.#pingsSeen.set(guidKey(guid), true, now);
    const ping = encodeMessage(
      { guid, type: MessageType.Ping, ttl: REFRESH_PING_TTL, hops: 0 },
      EMPTY,
    );
    for (let i = 0; i < count; i++) {
      const link = ups[(this.#refreshTurn + i) % ups.length]!;
      this.#links.send(link, ping, SendClass.Ping, 0);
    }
    this.#refreshTurn = (this.#refreshTurn + count) % ups.length;
  }

  // ---- what we send by ourselves

  #sendAlivePing(link: Link, now: number): void {
    const guid = newGuid(this.#options.random);
    link.keepAlive.sent(guidKey(guid), now);
    const ping = encodeMessage({ guid, type: MessageType.Ping, ttl: 1, hops: 0 }, EMPTY);
    this.#links.send(link, ping, SendClass.Control, 0);
  }

  /** Brings the peer's view of our table up to date: RESET + PATCHes, or a PATCH (QRP-9), or nothing. */
  #sendTable(link: Link): void {
    const updates = link.qrpSender!.update(this.#qrp.table());
    for (const update of updates) {
      const message = encodeRouteTableMessage(newGuid(this.#options.random), update);
      this.#links.send(link, message, SendClass.Control, 0);
    }
  }

  /** Tables of leaves that count in our merged table: complete, and not busy (qrp.md §9). */
  *#mergedLeafTables(): Iterable<QueryRouteTable> {
    for (const leaf of this.#links.leaves) {
      const table = leaf.table;
      if (table !== undefined && leaf.hopsFlow >= MIN_MERGED_LEAF_HOPS_FLOW) yield table;
    }
  }

  // ---- closing

  #close(link: Link, code: number, reason: string, now: number): void {
    if (link.closing !== undefined) return;
    link.closing = { reason: `${code} ${reason}`, deadline: now + this.#t.closeFlushTimeoutMs };
    // Bye only to peers that announced Bye-Packet (HS-27, MSG-34).
    link.queue.close(
      link.caps.byePacket ? byeMessage(code, reason, this.#options.random) : undefined,
    );
    this.#links.markReady(link);
    this.#closeIfFlushed(link);
  }

  #closeIfFlushed(link: Link): void {
    if (link.closing !== undefined && link.queue.drained)
      this.#emitClose(link, link.closing.reason);
  }

  #emitClose(link: Link, reason: string): void {
    if (link.closed) return;
    link.closed = true;
    this.#events.push({ type: 'close-link', link: link.id, reason });
  }
}

/** Bye, QRP and vendor messages travel one hop: hops 0, TTL at most 1 (MSG-35, MSG-39, VM-1). */
const hopByHop = (ttl: number, hops: number): boolean => hops === 0 && ttl <= 1;

function payloadLength(raw: Uint8Array): number {
  return (raw[19]! | (raw[20]! << 8) | (raw[21]! << 16) | (raw[22]! << 24)) >>> 0;
}
