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
  encodeVendorFrame,
  extensionSha1s,
  formatUrn,
  GUID_LENGTH,
  HEADER_LENGTH,
  ipv4FromString,
  MessageType,
  newGuid,
  PUSH_LENGTH,
  QUERY_STATUS_STOP,
  QueryFlag,
  queryFlagSet,
} from '../wire/index.js';
import { DynamicQueries } from './dynamic-queries.js';
import type { Link, Links } from './links.js';
import { isWhatsNew, ownQuery, URN_QUERY_CRITERIA, WHATS_NEW_FEATURE } from './own-query.js';
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

/** A leaf reports its results to its ultrapeers each time this many more came in (LimeWire: 15). */
const REPORT_EVERY = 15;

interface OwnSearch {
  results: number;
  /** Results when we last sent a Query Status Response. */
  reported: number;
  /** We sent "stop" (QUERY_STATUS_STOP): nothing more is reported. */
  stopped: boolean;
}

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
  /** Our own searches and our leaves' queries, sent one ultrapeer at a time (DQ-2). */
  readonly #dynamic: DynamicQueries;
  /** Our own searches, by GUID key: results received and what we last told our ultrapeers (DQ-12). */
  readonly #ownResults: RouteTable<string, OwnSearch>;

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
    this.#dynamic = new DynamicQueries(options.links, t);
    this.#ownResults = new RouteTable(queries, options.now);
  }

  /** Dynamic queries running now. */
  get dynamicQueries(): number {
    return this.#dynamic.size;
  }

  handleTimeout(now: number): void {
    this.#dynamic.handleTimeout(now);
  }

  nextTimeout(): number | undefined {
    return this.#dynamic.nextTimeout();
  }

  /** A leaf's Query Status Response (BEAR/12): how many results it kept, or stop (DQ-7, DQ-8). */
  leafReported(from: Link, guid: Uint8Array, kept: number, now: number): void {
    this.#dynamic.leafReported(from, guidKey(guid), kept, now);
  }

  /**
   * An ultrapeer asks how our search `guid` is doing (BEAR/11): answered at
   * once (DQ-12, VM-12).
   */
  statusRequested(from: Link, guid: Uint8Array, now: number): void {
    if (this.#o.mode !== 'leaf') return;
    const own = this.#ownResults.get(guidKey(guid), now);
    // A search we stopped, or do not know, wants nothing more (VM-12 SHOULD, as gtk-gnutella does).
    const kept = own === undefined || own.stopped ? QUERY_STATUS_STOP : this.#share(own.results);
    this.#sendStatus([from], guid, kept);
  }

  /** We want no more results for our search `guid`: our ultrapeers are told to stop (DQ-12). */
  stopSearch(guid: Uint8Array, now: number): void {
    const own = this.#ownResults.get(guidKey(guid), now);
    if (own === undefined || own.stopped) return;
    own.stopped = true;
    if (this.#o.mode === 'leaf') this.#sendStatus(this.#links.ultrapeers, guid, QUERY_STATUS_STOP);
  }

  /**
   * A leaf counts the results of its own searches and tells its ultrapeers
   * every REPORT_EVERY results, and "stop" past the own-query target
   * (dynamic-querying.md §6, DQ-12).
   */
  #ownHit(guid: Uint8Array, results: number, now: number): void {
    const own = this.#ownResults.get(guidKey(guid), now);
    if (own === undefined) return;
    own.results += results;
    if (this.#o.mode !== 'leaf' || own.stopped) return;
    if (own.results >= this.#t.ownQueryTarget) {
      this.stopSearch(guid, now);
      return;
    }
    if (own.results - own.reported < REPORT_EVERY) return;
    own.reported = own.results;
    this.#sendStatus(this.#links.ultrapeers, guid, this.#share(own.results));
  }

  /** Our ultrapeers share the work of our search, so each is told its share of the results (LimeWire divides by 4). */
  #share(results: number): number {
    const ultrapeers = Math.max(1, this.#links.ultrapeers.length);
    return Math.min(QUERY_STATUS_STOP - 1, Math.floor(results / ultrapeers));
  }

  #sendStatus(to: readonly Link[], guid: Uint8Array, kept: number): void {
    const frame = encodeVendorFrame(
      { kind: 'query-status-response', version: 1, kept },
      guid.slice(0, GUID_LENGTH),
    );
    // Only to peers that read vendor messages (HS-27).
    for (const link of to)
      if (link.open && link.caps.vendorMessages)
        this.#links.send(link, frame, SendClass.Control, 0);
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
    this.#dynamic.forgetLink(link);
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
        this.#relayQuery(
          from,
          raw,
          ttl,
          hops,
          criteria,
          extensionSha1s(extensions),
          true,
          isWhatsNew(extensions),
        );
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
    const whatsNew = isWhatsNew(extensions);
    const wantsGgepH = ((queryFlagSet(flags) ?? 0) & QueryFlag.GgepH) !== 0;
    this.#answer(from, raw, hops, criteria, sha1s, wantsGgepH, whatsNew);
    if (this.#o.mode !== 'ultrapeer') return;
    // A TTL of 0 is the sender's error: answered, never passed on (messages.md §4).
    if (ttl === 0) return;
    if (from.isLeaf) {
      // A leaf's query is ours to run dynamically; another ultrapeer's is relayed as usual (DQ-11).
      this.#toLeaves(from, raw, 0, hops + 1, criteria, sha1s, whatsNew);
      const prepared = whatsNew ? undefined : prepareRouting(criteria, sha1s);
      this.#dynamic.start(
        key,
        {
          origin: from,
          message: (outTtl) => relayCopy(raw, outTtl, hops + 1),
          outHops: hops + 1,
          prepared,
          target: sha1s.length > 0 ? this.#t.urnQueryTarget : this.#t.leafQueryTarget,
        },
        now,
      );
      return;
    }
    this.#relayQuery(from, raw, ttl, hops, criteria, sha1s, false, whatsNew);
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
    const key = guidKey(raw);
    this.#dynamic.resultsRouted(key, decoded.value.results.length, now);
    if (route.link === LOCAL) {
      this.#ownHit(raw, decoded.value.results.length, now);
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
   * it to all its ultrapeers. An ultrapeer sends it to its leaves whose table
   * matches and runs it dynamically over its ultrapeers (dynamic-querying.md §5).
   * `whatsNew`: a "What's New?" query (DQ-17), which no table is asked about.
   */
  search(
    text: string,
    urns: readonly string[],
    ttl: number,
    now: number,
    whatsNew = false,
  ): Uint8Array {
    const { payload, prepared } = ownQuery(text, urns, whatsNew);
    const guid = newGuid(this.#o.random);
    const key = guidKey(guid);
    const startTtl = Math.min(ttl, MAX_OWN_QUERY_TTL);
    this.#queryRoutes.set(key, { link: LOCAL, ttl: startTtl }, now);
    this.#ownResults.set(key, { results: 0, reported: 0, stopped: false }, now);
    const byTtl: Uint8Array[] = [];
    const message = (linkTtl: number) =>
      (byTtl[linkTtl] ??= encodeMessage(
        { guid, type: MessageType.Query, ttl: linkTtl, hops: 0 },
        payload,
      ));
    if (this.#o.mode === 'leaf') {
      for (const link of this.#links.ultrapeers) {
        if (!link.open) continue;
        if (link.hopsFlow <= 0) {
          this.#links.drop(link, 'hops-flow');
          continue;
        }
        const linkTtl = Math.max(1, Math.min(startTtl, link.caps.maxTtl));
        this.#links.send(link, message(linkTtl), SendClass.Query, 0);
      }
      return guid;
    }
    for (const leaf of whatsNew ? this.#whatsNewLeaves() : this.#matchingLeaves(prepared)) {
      if (leaf.open && leaf.hopsFlow > 0) this.#links.send(leaf, message(1), SendClass.Query, 0);
    }
    this.#dynamic.start(
      key,
      {
        origin: undefined,
        message,
        outHops: 0,
        prepared: whatsNew ? undefined : prepared,
        target: text.trim() === '' ? this.#t.urnQueryTarget : this.#t.ownQueryTarget,
      },
      now,
    );
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
    whatsNew: boolean,
  ): void {
    const results = this.#o.search.match(
      { criteria: criteria === URN_QUERY_CRITERIA ? '' : criteria, sha1s, whatsNew },
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
   * Relays a query from another ultrapeer (MSG-14, §6.4, DQ-11). `probeExtension`:
   * a higher-TTL copy of a query already relayed, which goes again only to
   * ultrapeers that announced X-Ext-Probes (RT-2); leaves had it already.
   * A "What's New?" query asks no table: it reaches every ultrapeer while a
   * hop is left after the next, and on the last hop only those that announced
   * the feature (dynamic-querying.md §9).
   */
  #relayQuery(
    from: Link,
    raw: Uint8Array,
    ttl: number,
    hops: number,
    criteria: string,
    sha1s: readonly Uint8Array[],
    probeExtension: boolean,
    whatsNew: boolean,
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
        if (whatsNew) {
          if (outTtl === 1 && !hasFeature(up, WHATS_NEW_FEATURE)) continue;
        } else if (isLastHopQrp(up, outTtl)) {
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
    this.#toLeaves(from, raw, Math.max(outTtl, 0), outHops, criteria, sha1s, whatsNew);
  }

  /**
   * A query to our leaves: those whose complete table matches, even at
   * outgoing TTL 0 (QRP-11, QRP-12); for "What's New?", those that announced
   * the feature (DQ-17).
   */
  #toLeaves(
    from: Link,
    raw: Uint8Array,
    outTtl: number,
    outHops: number,
    criteria: string,
    sha1s: readonly Uint8Array[],
    whatsNew: boolean,
  ): void {
    let leaves: Link[];
    if (whatsNew) leaves = this.#whatsNewLeaves();
    else if (this.#leafIndex.size === 0) return;
    else leaves = this.#matchingLeaves(prepareRouting(criteria, sha1s));
    let copy: Uint8Array | undefined;
    for (const leaf of leaves) {
      if (leaf === from || !leaf.open) continue;
      if (outHops >= leaf.hopsFlow) {
        this.#links.drop(leaf, 'hops-flow');
        continue;
      }
      copy ??= relayCopy(raw, outTtl, outHops);
      this.#links.send(leaf, copy, SendClass.Query, outHops);
    }
  }

  /** Leaves that announced "What's New?" in their Features Supported (DQ-17). */
  #whatsNewLeaves(): Link[] {
    return this.#links.leaves.filter((leaf) => hasFeature(leaf, WHATS_NEW_FEATURE));
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

/** The peer listed `name` (version ≥ 1) in its Features Supported / Capabilities message. */
function hasFeature(link: Link, name: string): boolean {
  return link.features?.some((f) => f.name === name && f.version >= 1) ?? false;
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
