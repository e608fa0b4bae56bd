/**
 * One link's outgoing queue (ultrapeers-and-routing.md §7.1, RT-9): bounded in
 * bytes, served by priority, dropping only Pings, Pongs and Queries.
 *
 * Classes, most urgent first: control (QRP, vendor messages, keep-alive
 * ping and its pong), Push, QueryHit, Pong, Query, Ping — the draft's order
 * Push > QueryHit > Pong > Query > Ping with the hop-by-hop messages GTKG
 * weighs above them. Bye is no class: it is the link's last message, sent
 * after everything kept (MSG-34). Inside a class, Queries and Pings with fewer
 * hops go first and replies with more hops go first (draft, GTKG); equal
 * hops keep their order, so QRP and vendor messages leave as queued.
 *
 * When a message does not fit, queued droppable messages worth less than it
 * make room (lowest class first, then least urgent hops, oldest first); a
 * droppable message that still does not fit is refused. A message that may
 * not be dropped and does not fit even then overflows the queue: the link
 * must go (draft: "else BYE").
 */

/** Priority classes, most urgent first. */
export const SendClass = {
  Control: 0,
  Push: 1,
  QueryHit: 2,
  Pong: 3,
  Query: 4,
  Ping: 5,
} as const;
export type SendClassCode = (typeof SendClass)[keyof typeof SendClass];

/** Only these may be dropped under congestion (RT-9). */
const DROPPABLE = [false, false, false, true, true, true] as const;

type HopOrder = 'fifo' | 'fewer-hops-first' | 'more-hops-first';
const HOP_ORDER: readonly HopOrder[] = [
  'fifo',
  'fifo',
  'more-hops-first',
  'more-hops-first',
  'fewer-hops-first',
  'fewer-hops-first',
];

/** Hop counts are bucketed 0..15: the hard TTL limit bounds hops (MSG-10). */
const HOP_BUCKETS = 16;
const CLASSES = HOP_ORDER.length;

/** Why the queue dropped a message. */
export type QueueDropReason =
  /** No room, and nothing queued was worth less. */
  | 'queue-full'
  /** Evicted to make room for a more urgent message. */
  | 'queue-evicted'
  /** The link could not be written for long: droppable messages go (RT-9). */
  | 'flow-control'
  /** The link is closing: nothing new, and droppable messages go. */
  | 'link-closing'
  /** The link went away with this still queued. */
  | 'link-closed'
  /** A message that may not be dropped found no room: the link must close. */
  | 'queue-overflow';

export type PushResult = 'queued' | 'dropped' | 'overflow';

export interface SendQueueOptions {
  /** Bytes the queue may hold. */
  maxBytes: number;
  /** Told of every message the queue drops, with the reason (the counters are part of the interface). */
  onDrop: (message: Uint8Array, reason: QueueDropReason) => void;
}

/** A FIFO of messages with an advancing head instead of O(n) `shift`. */
class Fifo {
  items: (Uint8Array | undefined)[] = [];
  head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(message: Uint8Array): void {
    this.items.push(message);
  }

  shift(): Uint8Array | undefined {
    if (this.head === this.items.length) return undefined;
    const message = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      // A fresh array: truncating through `length` costs a runtime call.
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return message;
  }
}

const RANKS = CLASSES * HOP_BUCKETS;
/** What an empty queue holds instead of its buckets: most links are idle most of the time. */
const NO_BUCKETS: (Fifo | undefined)[] = Object.freeze(new Array<Fifo | undefined>(RANKS)) as (
  | Fifo
  | undefined
)[];

export class SendQueue {
  readonly #maxBytes: number;
  readonly #onDrop: SendQueueOptions['onDrop'];
  /** Index = rank: class × 16 + position of the hop bucket in serving order. Lower rank leaves first. */
  #buckets = NO_BUCKETS;
  /** No bucket below this rank holds anything. */
  #lowest = RANKS;
  #count = 0;
  #bytes = 0;
  #flowControl = false;
  #closing = false;
  #final: Uint8Array | undefined;

  constructor(options: SendQueueOptions) {
    this.#maxBytes = options.maxBytes;
    this.#onDrop = options.onDrop;
  }

  /** Messages waiting, the final one (Bye) included. */
  get length(): number {
    return this.#count + (this.#final === undefined ? 0 : 1);
  }

  get bytes(): number {
    return this.#bytes + (this.#final?.length ?? 0);
  }

  get flowControl(): boolean {
    return this.#flowControl;
  }

  /** Closing, and everything including the final message has been taken. */
  get drained(): boolean {
    return this.#closing && this.length === 0;
  }

  push(message: Uint8Array, sendClass: SendClassCode, hops: number): PushResult {
    const droppable = DROPPABLE[sendClass];
    if (this.#closing) return this.#refuse(message, 'link-closing');
    if (droppable && this.#flowControl) return this.#refuse(message, 'flow-control');
    const rank = rankOf(sendClass, hops);
    if (this.#bytes + message.length > this.#maxBytes) {
      this.#evictBelow(rank, this.#bytes + message.length - this.#maxBytes);
      if (this.#bytes + message.length > this.#maxBytes) {
        if (droppable) return this.#refuse(message, 'queue-full');
        this.#onDrop(message, 'queue-overflow');
        return 'overflow';
      }
    }
    let bucket = this.#buckets[rank];
    if (bucket === undefined) {
      if (this.#buckets === NO_BUCKETS) this.#buckets = new Array(RANKS);
      bucket = new Fifo();
      this.#buckets[rank] = bucket;
    }
    bucket.push(message);
    this.#count++;
    this.#bytes += message.length;
    if (rank < this.#lowest) this.#lowest = rank;
    return 'queued';
  }

  /** The most urgent message, or the final one once nothing else is left. */
  shift(): Uint8Array | undefined {
    for (let rank = this.#lowest; rank < RANKS; rank++) {
      const message = this.#buckets[rank]?.shift();
      if (message === undefined) continue;
      this.#lowest = rank;
      this.#count--;
      this.#bytes -= message.length;
      this.#releaseIfEmpty();
      return message;
    }
    this.#lowest = RANKS;
    const final = this.#final;
    this.#final = undefined;
    return final;
  }

  /** Entering flow control drops every queued droppable message; leaving it takes them again (RT-9). */
  setFlowControl(on: boolean): void {
    this.#flowControl = on;
    if (on) this.#dropDroppable('flow-control');
  }

  /**
   * Starts closing: droppable messages go, the rest is kept and `final` (the
   * Bye, when one is due) leaves after it as the last message (MSG-34).
   */
  close(final?: Uint8Array): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#final = final;
    this.#dropDroppable('link-closing');
  }

  /** Drops everything still queued, the final message too. */
  clear(reason: QueueDropReason): void {
    for (let message = this.shift(); message !== undefined; message = this.shift()) {
      this.#onDrop(message, reason);
    }
  }

  #refuse(message: Uint8Array, reason: QueueDropReason): PushResult {
    this.#onDrop(message, reason);
    return 'dropped';
  }

  /** Evicts droppable messages ranked after `rank`, least urgent first, until `needed` bytes are free. */
  #evictBelow(rank: number, needed: number): void {
    let freed = 0;
    for (let r = RANKS - 1; r > rank && freed < needed; r--) {
      if (!DROPPABLE[Math.floor(r / HOP_BUCKETS)]) break;
      const bucket = this.#buckets[r];
      while (bucket !== undefined && bucket.size > 0 && freed < needed) {
        const message = bucket.shift()!;
        this.#count--;
        this.#bytes -= message.length;
        freed += message.length;
        this.#onDrop(message, 'queue-evicted');
      }
    }
    this.#releaseIfEmpty();
  }

  #dropDroppable(reason: QueueDropReason): void {
    for (let r = RANKS - 1; r >= 0; r--) {
      if (!DROPPABLE[Math.floor(r / HOP_BUCKETS)]) break;
      const bucket = this.#buckets[r];
      for (let m = bucket?.shift(); m !== undefined; m = bucket?.shift()) {
        this.#count--;
        this.#bytes -= m.length;
        this.#onDrop(m, reason);
      }
    }
    this.#releaseIfEmpty();
  }

  /** An empty queue gives its buckets back (NO_BUCKETS). */
  #releaseIfEmpty(): void {
    if (this.#count !== 0) return;
    this.#buckets = NO_BUCKETS;
    this.#lowest = RANKS;
  }
}

function rankOf(sendClass: SendClassCode, hops: number): number {
  const h = hops < HOP_BUCKETS ? hops : HOP_BUCKETS - 1;
  const order = HOP_ORDER[sendClass];
  const position = order === 'fifo' ? 0 : order === 'fewer-hops-first' ? h : HOP_BUCKETS - 1 - h;
  return sendClass * HOP_BUCKETS + position;
}
