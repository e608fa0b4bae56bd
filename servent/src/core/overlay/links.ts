/**
 * The overlay's links: per-link state, the registry by role, sending through
 * each link's queue with every drop counted, and the round-robin over
 * writable links that `pollTransmit` serves from.
 */
import { UsageError } from '../errors.js';
import type { QueryRouteTable, RouteTableReceiver, RouteTableSender } from '../qrp/index.js';
import {
  type PushResult,
  type QueueDropReason,
  type SendClassCode,
  SendQueue,
} from '../routing/send-queue.js';
import type { FeatureEntry, VendorMessageId } from '../wire/index.js';
import { type Counters, type DropCounts, type DropReason, TypeCounts } from './counters.js';
import { KeepAlive } from './keep-alive.js';
import { NO_HOPS_FLOW_LIMIT, type OverlayTunables } from './tunables.js';
import type { PeerCapabilities } from './types.js';

export class Link {
  readonly queue: SendQueue;
  readonly keepAlive: KeepAlive;
  /** Only the reasons that happened: most links never drop anything. */
  readonly drops: Partial<DropCounts> = {};
  readonly messagesIn = new TypeCounts();
  readonly messagesOut = new TypeCounts();
  writable = true;
  /** Since when the shell has reported the link not writable. */
  unwritableSince: number | undefined;
  /** The peer's last Hops-Flow: it wants only queries with fewer hops (MSG-37). */
  hopsFlow = NO_HOPS_FLOW_LIMIT;
  /** What the peer's Messages Supported listed, once received (VM-7). */
  vendorMessages: VendorMessageId[] | undefined;
  /** What the peer's Features Supported / Capabilities listed, once received ("What's New?": `WHAT`). */
  features: FeatureEntry[] | undefined;
  /** When we last answered a ping other than alive and crawler pings (RT-12). */
  lastPingAnsweredAt = Number.NEGATIVE_INFINITY;
  /** Tables this peer sends us: a leaf's, or an ultrapeer's for last-hop routing. */
  qrpReceiver: RouteTableReceiver | undefined;
  /** Our table towards this peer: leaf → ultrapeer, or ultrapeer → UP-QRP ultrapeer (QRP-17). */
  qrpSender: RouteTableSender | undefined;
  /** Set by closeLink: the queue flushes, then close-link goes out (or at the deadline). */
  closing: { reason: string; deadline: number } | undefined;
  /** close-link was emitted. */
  closed = false;
  /** removeLink was called: the link is gone from the registry. */
  removed = false;
  /** Waiting in the round-robin of links with something to send. */
  ready = false;

  constructor(
    readonly id: number,
    readonly caps: PeerCapabilities,
    tunables: OverlayTunables,
    now: number,
    onDrop: (link: Link, reason: QueueDropReason) => void,
  ) {
    this.queue = new SendQueue({
      maxBytes: tunables.sendQueueBytes,
      onDrop: (_message, reason) => onDrop(this, reason),
    });
    this.keepAlive = new KeepAlive(
      {
        intervalMs: tunables.alivePingIntervalMs,
        timeoutMs: tunables.alivePingTimeoutMs,
        maxMissed: tunables.alivePingMaxMissed,
      },
      now,
    );
  }

  get isLeaf(): boolean {
    return this.caps.peerMode === 'leaf';
  }

  /** The peer's complete QRP table, if any (QRP-11, QRP-15). */
  get table(): QueryRouteTable | undefined {
    return this.qrpReceiver?.table;
  }

  /** Takes new messages: not closing, not closed. */
  get open(): boolean {
    return this.closing === undefined;
  }
}

export class Links {
  readonly #byId = new Map<number, Link>();
  readonly #counters: Counters;
  readonly #tunables: OverlayTunables;
  readonly #onOverflow: (link: Link) => void;
  /** Links in the registry by role, for routing loops. */
  ultrapeers: Link[] = [];
  leaves: Link[] = [];
  #ready: (Link | undefined)[] = [];
  #readyHead = 0;

  constructor(counters: Counters, tunables: OverlayTunables, onOverflow: (link: Link) => void) {
    this.#counters = counters;
    this.#tunables = tunables;
    this.#onOverflow = onOverflow;
  }

  [Symbol.iterator](): IterableIterator<Link> {
    return this.#byId.values();
  }

  get(id: number): Link | undefined {
    return this.#byId.get(id);
  }

  require(id: number): Link {
    const link = this.#byId.get(id);
    if (link === undefined)
      throw new UsageError(`no link ${id}: addLink it first (or it was removed)`);
    return link;
  }

  add(id: number, caps: PeerCapabilities, now: number): Link {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw new UsageError(`link ids are non-negative integers, got ${id}`);
    }
    if (this.#byId.has(id)) throw new UsageError(`link ${id} was already added`);
    const link = new Link(id, caps, this.#tunables, now, (self, reason) => this.drop(self, reason));
    this.#byId.set(id, link);
    this.#regroup();
    return link;
  }

  remove(link: Link): void {
    link.removed = true;
    this.#byId.delete(link.id);
    this.#regroup();
  }

  /** Counts a dropped message, overall and on `link` when it has one. */
  drop(link: Link | undefined, reason: DropReason): void {
    this.#counters.drops[reason]++;
    if (link !== undefined) link.drops[reason] = (link.drops[reason] ?? 0) + 1;
  }

  /** Queues a whole message on `link`; a queue overflow closes the link (draft: "else BYE"). */
  send(link: Link, message: Uint8Array, sendClass: SendClassCode, hops: number): PushResult {
    const result = link.queue.push(message, sendClass, hops);
    if (result === 'queued') this.markReady(link);
    else if (result === 'overflow') this.#onOverflow(link);
    return result;
  }

  /** Puts a writable link with something queued into the round-robin. */
  markReady(link: Link): void {
    if (link.ready || !link.writable || link.removed || link.queue.length === 0) return;
    link.ready = true;
    this.#ready.push(link);
  }

  /** The next message of the next writable link, links taking turns. */
  take(): { link: Link; message: Uint8Array } | undefined {
    while (this.#readyHead < this.#ready.length) {
      const link = this.#ready[this.#readyHead]!;
      this.#ready[this.#readyHead++] = undefined;
      if (this.#readyHead === this.#ready.length) {
        this.#ready = [];
        this.#readyHead = 0;
      }
      link.ready = false;
      if (!link.writable || link.removed) continue;
      const message = link.queue.shift();
      if (message === undefined) continue;
      this.markReady(link);
      link.messagesOut.add(message[16]!);
      this.#counters.messagesOut.add(message[16]!);
      return { link, message };
    }
    return undefined;
  }

  #regroup(): void {
    this.ultrapeers = [];
    this.leaves = [];
    for (const link of this.#byId.values())
      (link.isLeaf ? this.leaves : this.ultrapeers).push(link);
  }
}
