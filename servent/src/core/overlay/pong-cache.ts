/**
 * The pong cache of an ultrapeer (ultrapeers-and-routing.md §8): pongs
 * learned from our own refresh pings, kept by hop count, handed out in answer
 * to our neighbours' pings instead of relaying those pings (RT-11). A pong
 * never goes back to the link it came from, and none older than the age
 * limit goes out at all (RT-17).
 */

export interface CachedPong {
  /** The pong payload as received: 14 bytes and any GGEP. */
  payload: Uint8Array;
  /** Hops as received: 0 for the neighbour's own pong. */
  hops: number;
  /** The link it came from: never answered back to it. */
  link: number;
  /** Who it describes, so the same host is kept once. */
  key: string;
  receivedAt: number;
}

export interface PongCacheOptions {
  /** Most pongs kept per hop count. */
  perHop: number;
  /** Hop counts kept: 0 .. maxHops (gtk-gnutella keeps 0–4, LimeWire 0–5). */
  maxHops: number;
  /** A pong older than this is never sent (RT-17: 60 s). */
  maxAgeMs: number;
}

export const DEFAULT_PONG_CACHE: PongCacheOptions = { perHop: 10, maxHops: 4, maxAgeMs: 60_000 };

export class PongCache {
  readonly #o: PongCacheOptions;
  /** Per hop count, newest last. */
  readonly #buckets: CachedPong[][];

  constructor(options: Partial<PongCacheOptions> = {}) {
    this.#o = { ...DEFAULT_PONG_CACHE, ...options };
    this.#buckets = Array.from({ length: this.#o.maxHops + 1 }, () => []);
  }

  get size(): number {
    return this.#buckets.reduce((n, b) => n + b.length, 0);
  }

  /** Keeps a pong; a newer pong for the same host replaces the older one. */
  add(pong: CachedPong): void {
    if (pong.hops > this.#o.maxHops) return;
    for (const bucket of this.#buckets) {
      const at = bucket.findIndex((p) => p.key === pong.key);
      if (at >= 0) bucket.splice(at, 1);
    }
    const bucket = this.#buckets[pong.hops]!;
    bucket.push(pong);
    if (bucket.length > this.#o.perHop) bucket.shift();
  }

  /**
   * Up to `limit` fresh pongs for a ping from `link`, newest first, taken in
   * turn from each hop count so the answer spreads over the horizon (§8.1).
   */
  pick(link: number, limit: number, now: number): CachedPong[] {
    const fresh = this.#buckets.map((bucket) =>
      bucket.filter((p) => p.link !== link && now - p.receivedAt <= this.#o.maxAgeMs).reverse(),
    );
    const picked: CachedPong[] = [];
    for (let round = 0; picked.length < limit; round++) {
      let any = false;
      for (const bucket of fresh) {
        const pong = bucket[round];
        if (pong === undefined) continue;
        any = true;
        picked.push(pong);
        if (picked.length === limit) break;
      }
      if (!any) break;
    }
    return picked;
  }

  /** A link that closed: its pongs may describe hosts that are gone with it. */
  forgetLink(link: number): void {
    for (const bucket of this.#buckets) {
      for (let i = bucket.length - 1; i >= 0; i--)
        if (bucket[i]!.link === link) bucket.splice(i, 1);
    }
  }

  /** Drops what may never be sent again. */
  expire(now: number): void {
    for (const bucket of this.#buckets) {
      while (bucket.length > 0 && now - bucket[0]!.receivedAt > this.#o.maxAgeMs) bucket.shift();
    }
  }
}
