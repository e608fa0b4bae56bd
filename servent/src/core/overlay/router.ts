/**
 * Routing of Queries, QueryHits and Pushes (ultrapeers-and-routing.md §6,
 * messages.md §6): the duplicate and route tables, relaying, our own searches
 * and the hits we answer with.
 *
 * Queries: every one seen is recorded GUID → arriving link (the query route
 * table doubles as the duplicate table, MSG-12, RT-2). An ultrapeer relays to
 * its other ultrapeers while the TTL allows, with last-hop QRP (QRP-16), and
 * to every leaf whose complete table matches, whatever the TTL (UP-7, QRP-11,
 * QRP-12); a leaf relays nothing (UP-8). QueryHits go back only along their
 * query's route (MSG-15, RT-3) and teach push routes, servent id → link
 * (RT-4); a Push goes only along such a route (MSG-17).
 *
 * A relayed message is the received bytes with TTL and hops changed, copied
 * once and shared by every link it goes to.
 */

import { type PreparedQuery, prepareQuery } from '../qrp/index.js';
import { guidKey } from '../routing/guid-key.js';
import { relayCopy, relayedTtl, withoutPushGgep } from '../routing/hops.js';
import { LeafIndex } from '../routing/leaf-index.js';
import { RouteTable } from '../routing/route-table.js';
import { SendClass } from '../routing/send-queue.js';
import {
  decodePush,
  decodeQuery,
  decodeQueryHit,
  encodeMessage,
  encodePush,
  extensionSha1s,
  formatUrn,
  GUID_LENGTH,
  HEADER_LENGTH,
  ipv4FromString,
  MessageType,
  newGuid,
  PUSH_LENGTH,
  QueryFlag,
  queryFlagSet,
} from '../wire/index.js';
import type { Link, Links } from './links.js';
import { ownQuery, URN_QUERY_CRITERIA } from './own-query.js';
import { type HitSource, queryHitMessages } from './query-hits.js';
import type { OverlayTunables } from './tunables.js';
import type { LocalSearch, OverlayEvent, SelfInfo } from './types.js';

/** The "link" of our own queries in the query route table: their hits are ours. */
const LOCAL = -1;

/** The TTL a query was relayed with, kept for probe extensions (RT-2). */
interface QueryRoute {
  link: number;
  ttl: number;
}

/** The criteria of a "What's New?" query (dynamic-querying.md §9). */
const WHATS_NEW_CRITERIA = 'WhatIsNewXOXO';

/** Most hops + TTL our own queries may start with (ultrapeers-and-routing.md §2: X-Max-TTL ≤ 4). */
const MAX_OWN_QUERY_TTL = 4;

export interface RouterOptions {
  mode: 'ultrapeer' | 'leaf';
  serventId: Uint8Array;
  random: (n: number) => Uint8Array;
  self: () => SelfInfo;
  search: LocalSearch;
  vendorCode: string;
  extProbes: boolean;
  tunables: OverlayTunables;
  links: Links;
  emit: (event: OverlayEvent) => void;
  now: number;
}

export class Router {
  readonly #o: RouterOptions;
  readonly #t: OverlayTunables;
  readonly #links: Links;
  readonly #serventKey: string;
  readonly #queryRoutes: RouteTable<string, QueryRoute>;
  readonly #pushRoutes: RouteTable<string, number>;
  readonly #pushesSeen: RouteTable<string, true>;
  /** Leaves we are push proxy for (LIME/21): servent id → link (push.md §6.1). */
  readonly #proxied = new Map<string, number>();
  /** Leaves by the slots of their tables, to find the few a query may match (UP-7). */
  readonly #leafIndex = new LeafIndex<Link>();

  constructor(options: RouterOptions) {
    this.#o = options;
    this.#t = options.tunables;
    this.#links = options.links;
    this.#serventKey = guidKey(options.serventId);
    const t = options.tunables;
    const queries = { lifetimeMs: t.queryRouteLifetimeMs, maxEntries: t.maxRoutes };
    this.#queryRoutes = new RouteTable(queries, options.now);
    this.#pushesSeen = new RouteTable(queries, options.now);
    this.#pushRoutes = new RouteTable(
      { lifetimeMs: t.pushRouteLifetimeMs, maxEntries: t.maxRoutes },
      options.now,
    );
  }

  get sizes(): { queries: number; pushes: number; pushesSeen: number } {
    return {
      queries: this.#queryRoutes.size,
      pushes: this.#pushRoutes.size,
      pushesSeen: this.#pushesSeen.size,
    };
  }

  /** A leaf's complete table changed, or it has none any more (QRP-11, QRP-15). */
  leafTableChanged(leaf: Link): void {
    this.#leafIndex.set(leaf, leaf.table);
  }

  /** Routes through a link that is gone lead nowhere (ids may be reused). */
  forgetLink(link: Link): void {
    this.#leafIndex.delete(link);
    const id = link.id;
    this.#queryRoutes.deleteWhere((route) => route.link === id);
    this.#pushRoutes.deleteWhere((link) => link === id);
    for (const [key, link] of this.#proxied) if (link === id) this.#proxied.delete(key);
  }

  /** A leaf asked us to be its push proxy (LIME/21): Pushes for it go straight to it. */
  proxyFor(link: Link, serventId: Uint8Array): void {
    this.#proxied.set(guidKey(serventId), link.id);
  }

  /**
   * Originates a Push (push.md §2–§3, PUSH-1, PUSH-16): to the target itself
   * when it is a leaf we proxy for (one hop), else along the push route its
   * hits taught (RT-4) unless `oneHop`. False when there is no way to it.
   */
  sendPush(
    push: { serventId: Uint8Array; fileIndex: number; address: string; port: number },
    oneHop: boolean,
    now: number,
  ): boolean {
    const key = guidKey(push.serventId);
    const proxied = this.#proxied.get(key);
    const routed = oneHop ? undefined : this.#pushRoutes.get(key, now);
    const to = this.#links.get(proxied ?? routed ?? Number.NaN);
    if (to === undefined || !to.open) return false;
    const ttl =
      proxied !== undefined ? 1 : Math.max(1, Math.min(MAX_OWN_QUERY_TTL, to.caps.maxTtl));
    const guid = newGuid(this.#o.random);
    this.#pushesSeen.set(guidKey(guid), true, now);
    const payload = encodePush({ ...push, ggep: [] });
    this.#links.send(
      to,
      encodeMessage({ guid, type: MessageType.Push, ttl, hops: 0 }, payload),
      SendClass.Push,
      0,
    );
    return true;
  }

  handleQuery(from: Link, raw: Uint8Array, ttl: number, hops: number, now: number): void {
    const key = guidKey(raw);
    const seen = this.#queryRoutes.get(key, now);
    if (seen !== undefined) {
      // A higher-TTL copy of a probe is relayed again, never answered again (RT-2, MSG-12).
      if (
        this.#o.extProbes &&
        ttl > seen.ttl &&
        seen.link !== LOCAL &&
        this.#o.mode === 'ultrapeer'
      ) {
        seen.ttl = ttl;
        const decoded = decodeQuery(raw.subarray(HEADER_LENGTH));
        if (!decoded.ok) {
          this.#links.drop(from, 'malformed');
          return;
        }
        const { criteria, extensions } = decoded.value;
        this.#relayQuery(from, raw, ttl, hops, criteria, extensionSha1s(extensions), true);
        return;
      }
      this.#links.drop(from, 'duplicate');
      return;
    }
    const decoded = decodeQuery(raw.subarray(HEADER_LENGTH));
    if (!decoded.ok) {
      this.#links.drop(from, 'malformed');
      return;
    }
    this.#queryRoutes.set(key, { link: from.id, ttl }, now);
    const { criteria, extensions, flags } = decoded.value;
    const sha1s = extensionSha1s(extensions);
    const wantsGgepH = ((queryFlagSet(flags) ?? 0) & QueryFlag.GgepH) !== 0;
    this.#answer(from, raw, hops, criteria, sha1s, wantsGgepH);
    if (this.#o.mode === 'ultrapeer')
      this.#relayQuery(from, raw, ttl, hops, criteria, sha1s, false);
  }

  handleQueryHit(from: Link, raw: Uint8Array, ttl: number, hops: number, now: number): void {
    const route = this.#queryRoutes.get(guidKey(raw), now);
    if (route === undefined) {
      this.#links.drop(from, 'no-route');
      return;
    }
    const decoded = decodeQueryHit(raw.subarray(HEADER_LENGTH));
    if (!decoded.ok) {
      this.#links.drop(from, 'malformed');
      return;
    }
    this.#pushRoutes.set(guidKey(raw, raw.length - GUID_LENGTH), from.id, now);
    if (route.link === LOCAL) {
      this.#o.emit({
        type: 'search-result',
        guid: raw.slice(0, GUID_LENGTH),
        link: from.id,
        hops,
        hit: decoded.value,
      });
      return;
    }
    if (this.#o.mode === 'leaf') {
      this.#links.drop(from, 'leaf-does-not-route');
      return;
    }
    const to = this.#links.get(route.link);
    if (to === undefined || !to.open || to === from) {
      this.#links.drop(from, 'no-route');
      return;
    }
    if (ttl <= 1) {
      this.#links.drop(from, 'ttl-expired');
      return;
    }
    this.#links.send(to, relayCopy(raw, ttl - 1, hops + 1), SendClass.QueryHit, hops + 1);
  }

  handlePush(from: Link, raw: Uint8Array, ttl: number, hops: number, now: number): void {
    const decoded = decodePush(raw.subarray(HEADER_LENGTH));
    if (!decoded.ok) {
      this.#links.drop(from, 'malformed');
      return;
    }
    // Pushes are duplicates by their own GUID only (MSG-17).
    const key = guidKey(raw);
    if (this.#pushesSeen.has(key, now)) {
      this.#links.drop(from, 'duplicate');
      return;
    }
    this.#pushesSeen.set(key, true, now);
    const target = guidKey(raw, HEADER_LENGTH);
    if (target === this.#serventKey) {
      this.#o.emit({ type: 'push-for-us', link: from.id, push: decoded.value });
      return;
    }
    if (this.#o.mode === 'leaf') {
      this.#links.drop(from, 'leaf-does-not-route');
      return;
    }
    const routeLink = this.#pushRoutes.get(target, now);
    const to = routeLink === undefined ? undefined : this.#links.get(routeLink);
    if (to === undefined || !to.open || to === from) {
      this.#links.drop(from, 'no-route');
      return;
    }
    if (ttl <= 1) {
      this.#links.drop(from, 'ttl-expired');
      return;
    }
    const copy = relayCopy(raw, ttl - 1, hops + 1);
    const plain = to.caps.ggep || raw.length === HEADER_LENGTH + PUSH_LENGTH;
    this.#links.send(to, plain ? copy : withoutPushGgep(copy), SendClass.Push, hops + 1);
  }

  /**
   * Originates a query (MSG-6, RT-8: hops 0, fresh GUID) and returns its GUID.
   * Each peer gets it with TTL ≤ its X-Max-TTL (HS-28) and ≤ 4. A leaf sends
   * it to all its ultrapeers; an ultrapeer to its ultrapeers (last-hop QRP
   * when the TTL is 1) and to its leaves whose table matches.
   */
  search(text: string, urns: readonly string[], ttl: number, now: number): Uint8Array {
    const { payload, prepared } = ownQuery(text, urns);
    const guid = newGuid(this.#o.random);
    const startTtl = Math.min(ttl, MAX_OWN_QUERY_TTL);
    this.#queryRoutes.set(guidKey(guid), { link: LOCAL, ttl: startTtl }, now);
    const byTtl: Uint8Array[] = [];
    const send = (link: Link) => {
      const linkTtl = Math.max(1, Math.min(startTtl, link.caps.maxTtl));
      if (
        this.#o.mode === 'ultrapeer' &&
        isLastHopQrp(link, linkTtl) &&
        !link.table!.matches(prepared)
      ) {
        return;
      }
      if (link.hopsFlow <= 0) {
        this.#links.drop(link, 'hops-flow');
        return;
      }
      byTtl[linkTtl] ??= encodeMessage(
        { guid, type: MessageType.Query, ttl: linkTtl, hops: 0 },
        payload,
      );
      this.#links.send(link, byTtl[linkTtl], SendClass.Query, 0);
    };
    for (const link of this.#links.ultrapeers) if (link.open) send(link);
    if (this.#o.mode === 'ultrapeer') {
      for (const leaf of this.#matchingLeaves(prepared)) if (leaf.open) send(leaf);
    }
    return guid;
  }

  /** Answers from our library on the link the query came from (RT-7). */
  #answer(
    from: Link,
    raw: Uint8Array,
    hops: number,
    criteria: string,
    sha1s: readonly Uint8Array[],
    wantsGgepH: boolean,
  ): void {
    const results = this.#o.search.match(
      {
        criteria: criteria === URN_QUERY_CRITERIA ? '' : criteria,
        sha1s,
        whatsNew: criteria === WHATS_NEW_CRITERIA,
      },
      this.#t.maxLocalResults,
    );
    if (results.length === 0) return;
    const self = this.#o.self();
    // A hit must say where to download from (messages.md §10): no address, no answer.
    if (!ipv4FromString(self.host).ok) return;
    const source: HitSource = {
      self,
      serventId: this.#o.serventId,
      vendorCode: this.#o.vendorCode,
      speedKbps: this.#t.hitSpeedKbps,
      resultsPerHit: this.#t.resultsPerHit,
      hardTtlLimit: this.#t.hardTtlLimit,
    };
    for (const hit of queryHitMessages(
      raw.subarray(0, GUID_LENGTH),
      hops,
      results,
      source,
      wantsGgepH,
    )) {
      this.#links.send(from, hit, SendClass.QueryHit, 0);
    }
  }

  /**
   * Relays a query as an ultrapeer (MSG-14, §6.4). `probeExtension`: a
   * higher-TTL copy of a query already relayed, which goes again only to
   * ultrapeers that announced X-Ext-Probes (RT-2); leaves had it already.
   */
  #relayQuery(
    from: Link,
    raw: Uint8Array,
    ttl: number,
    hops: number,
    criteria: string,
    sha1s: readonly Uint8Array[],
    probeExtension: boolean,
  ): void {
    // A TTL of 0 is the sender's error: handled here, never relayed (messages.md §4).
    if (ttl === 0) return;
    const outTtl = relayedTtl(ttl, hops, this.#t.maxRelayHopsTtl);
    const outHops = hops + 1;
    let copy: Uint8Array | undefined;
    // Hashed at most once, and only when some table is asked.
    let prepared: PreparedQuery | undefined;
    // Ultrapeers only while a hop is left after this one (MSG-9, RT-1); never back (MSG-14).
    if (outTtl >= 1) {
      for (const up of this.#links.ultrapeers) {
        if (up === from || !up.open || (probeExtension && !up.caps.extProbes)) continue;
        if (isLastHopQrp(up, outTtl)) {
          const table = up.table!;
          prepared ??= prepareRouting(criteria, sha1s);
          if (!table.matches(prepared)) continue;
        }
        if (outHops >= up.hopsFlow) {
          this.#links.drop(up, 'hops-flow');
          continue;
        }
        copy ??= relayCopy(raw, outTtl, outHops);
        this.#links.send(up, copy, SendClass.Query, outHops);
      }
    }
    if (probeExtension) return;
    // Leaves on a QRP hit of their complete table, even at outgoing TTL 0 (QRP-11, QRP-12).
    if (this.#leafIndex.size === 0) return;
    prepared ??= prepareRouting(criteria, sha1s);
    for (const leaf of this.#matchingLeaves(prepared)) {
      if (leaf === from || !leaf.open) continue;
      if (outHops >= leaf.hopsFlow) {
        this.#links.drop(leaf, 'hops-flow');
        continue;
      }
      copy ??= relayCopy(raw, Math.max(outTtl, 0), outHops);
      this.#links.send(leaf, copy, SendClass.Query, outHops);
    }
  }

  /** Leaves whose complete table matches: the index's candidates, confirmed by each table. */
  #matchingLeaves(query: PreparedQuery): Link[] {
    const candidates: Link[] = [];
    this.#leafIndex.collect(query, candidates);
    const matching: Link[] = [];
    for (const leaf of candidates) if (leaf.table?.matches(query)) matching.push(leaf);
    return matching;
  }
}

/**
 * Last-hop QRP (QRP-16, qrp.md §8.4): a query going out with TTL 1 to an
 * ultrapeer that announced X-Ultrapeer-Query-Routing goes only on a hit of
 * the table it sent; one that has sent none is treated as not doing QRP.
 */
function isLastHopQrp(link: Link, outTtl: number): boolean {
  return (
    outTtl === 1 && !link.isLeaf && link.caps.ultrapeerQueryRouting && link.table !== undefined
  );
}

/** The query as QRP tables are asked: its words, and its SHA-1s as `urn:sha1:` strings (qrp.md §8). */
function prepareRouting(criteria: string, sha1s: readonly Uint8Array[]): PreparedQuery {
  return prepareQuery({
    text: criteria === URN_QUERY_CRITERIA ? '' : criteria,
    urns: sha1s.map((sha1) => formatUrn({ type: 'sha1', sha1 })),
  });
}
