/**
 * One dynamic query run by an ultrapeer, for its own search or for a leaf's
 * (dynamic-querying.md §5, LimeWire's rules; stop conditions of §5.5 and
 * DQ-6, DQ-7, DQ-9). Sans I/O: the router passes the UP links it may use, the
 * hits routed back and the leaf's BEAR/12 reports, and sends what we return.
 *
 *   state    input                              → effect                    next
 *   new      start(candidates)                  → probe sends (§5.2)        waiting
 *            start with no candidate            → none                      done no-connections
 *   waiting  handleTimeout before nextTimeout   → none                      waiting
 *            handleTimeout when due             → one send (§5.3, DQ-2)     waiting
 *            … and no candidate is left         → none                      done no-connections
 *            … and H now exceeds maxHorizon     → that send                 done horizon
 *            handleTimeout at birth + lifetime  → none                      done lifetime
 *   any      hits routed reach the target       → none                      done target
 *            leaf reports more than the target  → none                      done target
 *            leaf reports 0xFFFF                → none                      done leaf-stop
 *   done     anything                           → none                      done
 *
 * The candidates are the UP links the router deems usable: stable (LW:
 * connected for more than 5 s) and not the link the query came from. Links
 * that closed are simply left out; LW's locale preference is not modelled.
 */
import { UsageError } from '../errors.js';

/** §4: ultrapeers a query with TTL `ttl` reaches through one neighbour of degree `degree`. */
export function hostsReached(degree: number, ttl: number): number {
  const fanOut = Math.max(0, degree - 1);
  let hosts = 0;
  for (let hop = 0; hop < ttl; hop++) hosts += fanOut ** hop;
  return Math.floor(hosts);
}

export interface DqCandidate {
  /** Link id. */
  link: number;
  /** The neighbour's X-Degree; the router uses 6 when the header is absent (§2). */
  degree: number;
  /** The neighbour's X-Max-TTL (4 when absent); we never exceed 4 anyway (DQ-3). */
  maxTtl: number;
  /** The neighbour sent `X-Ext-Probes`, so it accepts a later higher-TTL copy (DQ-4). */
  extProbes: boolean;
  /** Its last-hop QRP table's verdict for this query; `none` when it has no UP table. */
  qrp: 'hit' | 'miss' | 'none';
}

export interface DqSend {
  link: number;
  ttl: number;
  /** Part of the probe (§5.2), which DQ-2 and DQ-5 exempt from the one-at-a-time rule. */
  probe: boolean;
}

export type DqStopReason = 'target' | 'leaf-stop' | 'horizon' | 'lifetime' | 'no-connections';

export interface DynamicQueryOptions {
  /** Results wanted (§3): 150 for our own search, 50 for a leaf's, fewer for URN queries. */
  target: number;
  /** Initial wait per TTL hop after a send (§5.4). */
  perHopMs?: number;
  /** The probe waits this many per-hop times when it has a TTL-2 probe (§5.2: 1.3). */
  probeWaitFactor?: number;
  /** Stop once the theoretical horizon H exceeds this (§5.5, DQ-9). */
  maxHorizon?: number;
  /** Stop this long after the query was created (§5.5, DQ-9). */
  lifetimeMs?: number;
  /** Least time between two sends after the probe (DQ-5). */
  minSpacingMs?: number;
  /** Hits routed for a guiding leaf after which we stop whatever it reports (§6: LW 75). */
  maxRoutedForLeaf?: number;
  /** An integer in [0, n) for the shuffle of fresh candidates; defaults to Math.random. */
  random?: (n: number) => number;
  /**
   * Use a guiding leaf's BEAR/12 count, once it reported (> 0), as the
   * results so far r (§5.3, §6 LW UP); false: always count routed hits.
   */
  leafResultsFromLeaf?: boolean;
  /** The router sent the query to our leaves first: H counts them as 25 (§5.1, LW). */
  leavesQueried?: boolean;
}

interface Limit {
  meaning: string;
  default: number;
  min: number;
  max: number;
}

/** Every number of a dynamic query a caller may change, with its bounds and clause. */
export const DYNAMIC_QUERY_LIMITS = {
  perHopMs: {
    meaning: 'initial wait per TTL hop after a send (§5.4, DQ-5: 2400 ms)',
    default: 2_400,
    min: 100,
    max: 60_000,
  },
  probeWaitFactor: {
    meaning: 'per-hop times the probe waits when it has a TTL-2 probe (§5.2: LW 1.3)',
    default: 1.3,
    min: 1,
    max: 10,
  },
  maxHorizon: {
    meaning:
      'stop once H exceeds this; LW stops at 110 000, well inside the 500 000 DQ-9 allows (§5.5, DQ-9)',
    default: 110_000,
    min: 1,
    max: 500_000,
  },
  lifetimeMs: {
    meaning: 'a query ends this long after it was created (§5.5: LW 200 s; DQ-9: ≤ 10 min)',
    default: 200_000,
    min: 1_000,
    max: 600_000,
  },
  minSpacingMs: {
    meaning: 'least time between two sends after the probe (DQ-5: 1500 ms)',
    default: 1_500,
    min: 1_500,
    max: 60_000,
  },
  maxRoutedForLeaf: {
    meaning: 'hits routed for a guiding leaf after which the query stops (§6: LW 75)',
    default: 75,
    min: 1,
    max: 10_000,
  },
} as const satisfies Record<string, Limit>;

/** H of a query that reached only the node itself (§5.1). */
const INITIAL_HORIZON = 1;
/** What LW adds to H for its own leaves (§5.1). */
const LEAVES_HORIZON = 25;
/** The highest TTL we send to anyone (DQ-3). */
const MAX_TTL = 4;
/** The TTLs tried when estimating the next one (§5.3: 1…5). */
const TTL_SEARCH_LIMIT = 5;
/** §5.3: LW's bias towards low TTLs. */
const LOW_TTL_BIAS = 16;
/** §5.3: hosts still to query when no result has come back yet. */
const HOSTS_WHEN_NO_RESULTS = 40_000;
/** §5.3: LW assumes that many of the remaining connections will drop. */
const SPARE_CONNECTIONS = 4;
/** §5.2: fewer UP-QRP tables than this are not enough to judge popularity. */
const ENOUGH_TABLES = 8;
/** §5.2: TTL-2 probes in the aggressive and the mixed probe. */
const TTL2_PROBES = 3;
/** §5.2: TTL-1 probes to hit connections in the aggressive probe. */
const AGGRESSIVE_TTL1_PROBES = 4;
/** §5.2: TTL-1 probes when more than 3 tables hit. */
const POPULAR_TTL1_PROBES = 9;
/** §5.4: the per-hop wait starts shrinking once the query is this old. */
const SHRINK_AFTER_MS = 6_000;
/** §5.4: the per-hop wait never drops below this. */
const MIN_PER_HOP_MS = 100;
/** §5.4: the first amount the per-hop wait shrinks by, and the least it grows. */
const FIRST_SHRINK_STEP_MS = 10;
const MIN_SHRINK_GROWTH_MS = 5;
/** §6: BEAR/12 value meaning "stop the query". */
const LEAF_STOP = 0xffff;

function resolve(name: keyof typeof DYNAMIC_QUERY_LIMITS, given: number | undefined): number {
  const limit: Limit = DYNAMIC_QUERY_LIMITS[name];
  if (given === undefined) return limit.default;
  if (!Number.isFinite(given) || given < limit.min || given > limit.max) {
    throw new UsageError(
      `dynamic query option ${name} = ${given} is outside [${limit.min}, ${limit.max}]: ${limit.meaning}`,
    );
  }
  return given;
}

/** The highest TTL we may send this neighbour (DQ-3); 0 when it accepts none. */
function ttlCap(candidate: DqCandidate): number {
  return Math.max(0, Math.min(Math.floor(candidate.maxTtl), MAX_TTL));
}

/** The lowest TTL DQ-10 allows for this neighbour. */
function ttlFloor(candidate: DqCandidate): number {
  return candidate.qrp === 'miss' ? 2 : 1;
}

/** Some TTL satisfies both DQ-3 and DQ-10. */
function usable(candidate: DqCandidate): boolean {
  return ttlCap(candidate) >= ttlFloor(candidate);
}

/**
 * §5.3: the smallest TTL whose biased horizon covers the hosts wanted per
 * connection, within the neighbour's cap; the cap when none does.
 */
function chooseTtl(hostsPerConnection: number, degree: number, cap: number): number {
  for (let ttl = 1; ttl <= TTL_SEARCH_LIMIT; ttl++) {
    if (LOW_TTL_BIAS * hostsReached(degree, ttl) >= hostsPerConnection) return Math.min(ttl, cap);
  }
  return cap;
}

export class DynamicQuery {
  readonly #target: number;
  readonly #probeWaitFactor: number;
  readonly #maxHorizon: number;
  readonly #minSpacingMs: number;
  readonly #maxRoutedForLeaf: number;
  readonly #random: (n: number) => number;
  readonly #leafResultsFromLeaf: boolean;
  readonly #bornAt: number;
  readonly #endsAt: number;

  #started = false;
  #stopReason: DqStopReason | undefined;
  #horizon: number;
  #routed = 0;
  #leafKept = 0;
  #perHopMs: number;
  #shrinkStepMs = FIRST_SHRINK_STEP_MS;
  #shrinks = 0;
  #nextSendAt = 0;
  /** Every link sent to, with the TTL of its latest copy. */
  readonly #sent = new Map<number, number>();
  /** Links that got only a TTL-1 copy and may get one higher-TTL copy (DQ-4), oldest first. */
  #probeOnly: number[] = [];

  constructor(options: DynamicQueryOptions, now: number) {
    if (!Number.isInteger(options.target) || options.target < 1) {
      throw new UsageError(
        `dynamic query target must be a positive integer (§3), got ${options.target}`,
      );
    }
    this.#target = options.target;
    this.#perHopMs = resolve('perHopMs', options.perHopMs);
    this.#probeWaitFactor = resolve('probeWaitFactor', options.probeWaitFactor);
    this.#maxHorizon = resolve('maxHorizon', options.maxHorizon);
    this.#minSpacingMs = resolve('minSpacingMs', options.minSpacingMs);
    this.#maxRoutedForLeaf = resolve('maxRoutedForLeaf', options.maxRoutedForLeaf);
    this.#random = options.random ?? ((n) => Math.floor(Math.random() * n));
    this.#leafResultsFromLeaf = options.leafResultsFromLeaf ?? true;
    this.#bornAt = now;
    this.#endsAt = now + resolve('lifetimeMs', options.lifetimeMs);
    this.#horizon = INITIAL_HORIZON + (options.leavesQueried ? LEAVES_HORIZON : 0);
  }

  get done(): boolean {
    return this.#stopReason !== undefined;
  }

  get stopReason(): DqStopReason | undefined {
    return this.#stopReason;
  }

  /** H: ultrapeers theoretically reached so far (§4). */
  get horizon(): number {
    return this.#horizon;
  }

  /** Hits routed back for this query. */
  get results(): number {
    return this.#routed;
  }

  /** The current wait per TTL hop (§5.4). */
  get perHopMs(): number {
    return this.#perHopMs;
  }

  /** The TTL of the latest copy sent on `link`, or undefined when none was. */
  sentTo(link: number): number | undefined {
    return this.#sent.get(link);
  }

  /** When the shell should call `handleTimeout`; undefined before `start` and once done. */
  nextTimeout(): number | undefined {
    if (!this.#started || this.done) return undefined;
    return Math.min(this.#nextSendAt, this.#endsAt);
  }

  /** The probe (§5.2, LW): which candidates get the query now, with which TTL. */
  start(candidates: readonly DqCandidate[], now: number): DqSend[] {
    if (this.#started) throw new UsageError('dynamic query started twice');
    this.#started = true;
    if (this.done) return [];
    if (now >= this.#endsAt) {
      this.#stop('lifetime');
      return [];
    }
    const pool = this.#shuffle(unique(candidates).filter((c) => ttlCap(c) >= 1));
    if (pool.length === 0) {
      this.#stop('no-connections');
      return [];
    }
    const hits = pool.filter((c) => c.qrp === 'hit');
    const misses = pool.filter((c) => c.qrp === 'miss');
    // A TTL-2 probe must respect the neighbour's X-Max-TTL (DQ-3).
    const ttl2Pool = [...pool.filter((c) => c.qrp === 'none'), ...misses].filter(
      (c) => ttlCap(c) >= 2,
    );
    let ttl1: DqCandidate[];
    let ttl2: DqCandidate[] = [];
    if (hits.length === 0 || hits.length + misses.length <= ENOUGH_TABLES) {
      ttl1 = hits.slice(0, AGGRESSIVE_TTL1_PROBES);
      ttl2 = ttl2Pool.slice(0, TTL2_PROBES);
    } else if (misses.length === 0) {
      ttl1 = hits.slice(0, 1);
    } else if (hits.length > 3) {
      ttl1 = hits.slice(0, POPULAR_TTL1_PROBES);
    } else {
      ttl1 = hits;
      ttl2 = ttl2Pool.slice(0, TTL2_PROBES);
    }
    const sends = [
      ...ttl1.map((c) => this.#send(c, 1, true)),
      ...ttl2.map((c) => this.#send(c, 2, true)),
    ];
    const wait =
      ttl2.length > 0 ? this.#perHopMs * this.#probeWaitFactor : (this.#perHopMs * ttl1.length) / 2;
    this.#nextSendAt = now + Math.floor(wait);
    if (this.#horizon > this.#maxHorizon) this.#stop('horizon');
    return sends;
  }

  /** Hits routed back for this query (DQ-6). */
  resultsRouted(count: number, _now: number): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new UsageError(`routed hit count must be a non-negative integer, got ${count}`);
    }
    this.#routed += count;
    this.#checkResults();
  }

  /** A guiding leaf's BEAR/12 count of hits kept; 0xFFFF asks us to stop (DQ-7, §6). */
  leafReported(kept: number, _now: number): void {
    if (!Number.isInteger(kept) || kept < 0 || kept > LEAF_STOP) {
      throw new UsageError(`a BEAR/12 count is a 16-bit unsigned integer, got ${kept}`);
    }
    if (this.done) return;
    if (kept === LEAF_STOP) {
      this.#stop('leaf-stop');
      return;
    }
    // LW keeps the highest count a leaf reported (§6).
    if (kept > this.#leafKept) this.#leafKept = kept;
    this.#checkResults();
  }

  /**
   * The next iteration when due (§5.3, §5.4): at most one send (DQ-2, DQ-5).
   * `candidates` are the usable links still connected.
   */
  handleTimeout(candidates: readonly DqCandidate[], now: number): DqSend[] {
    if (!this.#started) throw new UsageError('dynamic query timed out before start()');
    if (this.done) return [];
    if (now >= this.#endsAt) {
      this.#stop('lifetime');
      return [];
    }
    if (now < this.#nextSendAt) return [];

    const live = new Map(unique(candidates).map((c) => [c.link, c]));
    // A probe-only link that closed, or can no longer take a higher TTL, drops out.
    this.#probeOnly = this.#probeOnly.filter((link) => {
      const c = live.get(link);
      return c !== undefined && ttlCap(c) >= 2;
    });
    const fresh = this.#shuffle(
      [...live.values()].filter((c) => !this.#sent.has(c.link) && usable(c)),
    );
    let connections = fresh.length + this.#probeOnly.length;
    if (connections === 0) {
      // The proposal stops here; LW instead retries after 6 s for new connections.
      this.#stop('no-connections');
      return [];
    }
    if (connections > SPARE_CONNECTIONS) connections -= SPARE_CONNECTIONS;

    let chosen = fresh[0];
    let reuse = false;
    if (chosen === undefined) {
      chosen = live.get(this.#probeOnly[0]!)!;
      reuse = true;
    }
    const hostsPerConnection = Math.trunc(this.#hostsToQuery() / connections);
    let ttl = chooseTtl(hostsPerConnection, chosen.degree, ttlCap(chosen));
    // §5.3: a TTL-1 copy is pointless to a table that misses (and DQ-10 forbids it),
    // and a second TTL-1 copy to a probed link would be dropped as a duplicate.
    if (ttl === 1 && (chosen.qrp === 'miss' || reuse)) ttl = 2;

    const send = this.#send(chosen, ttl, false);
    this.#nextSendAt = now + Math.max(ttl * this.#perHopMs, this.#minSpacingMs);
    this.#shrinkPerHop(now);
    if (this.#horizon > this.#maxHorizon) this.#stop('horizon');
    return [send];
  }

  /** §5.3: HQ, the hosts still to query, from the results per host so far. */
  #hostsToQuery(): number {
    const r = this.#leafResultsFromLeaf && this.#leafKept > 0 ? this.#leafKept : this.#routed;
    if (r === 0) return HOSTS_WHEN_NO_RESULTS;
    return Math.trunc((this.#target - r) / (r / this.#horizon));
  }

  /** §5.4 (LW): once the query is older than 6 s, every iteration shortens the per-hop wait. */
  #shrinkPerHop(now: number): void {
    if (this.#perHopMs <= MIN_PER_HOP_MS || now - this.#bornAt <= SHRINK_AFTER_MS) return;
    this.#perHopMs = Math.max(MIN_PER_HOP_MS, this.#perHopMs - this.#shrinkStepMs);
    const resultFactor = Math.max(1, Math.trunc(this.#target / 2) - 30 * this.#routed);
    const shrinkFactor = Math.max(1, Math.trunc(this.#shrinks / 6));
    this.#shrinkStepMs += Math.max(MIN_SHRINK_GROWTH_MS, resultFactor * shrinkFactor);
    this.#shrinks++;
  }

  #send(candidate: DqCandidate, ttl: number, probe: boolean): DqSend {
    const link = candidate.link;
    this.#probeOnly = this.#probeOnly.filter((l) => l !== link);
    // DQ-4: only a neighbour that honours X-Ext-Probes (and can take TTL 2)
    // may later get a higher-TTL copy of a TTL-1 query; others count as queried.
    if (ttl === 1 && candidate.extProbes && ttlCap(candidate) >= 2) this.#probeOnly.push(link);
    this.#sent.set(link, ttl);
    this.#horizon += hostsReached(candidate.degree, ttl);
    return { link, ttl, probe };
  }

  #checkResults(): void {
    if (this.done) return;
    // DQ-6: never more connections once the routed hits reach the target.
    if (this.#routed >= this.#target) this.#stop('target');
    else if (this.#leafKept > 0) {
      // §6 LW UP: a guiding leaf is satisfied, or we routed enough for it anyway.
      if (this.#leafKept > this.#target || this.#routed >= this.#maxRoutedForLeaf) {
        this.#stop('target');
      }
    }
  }

  #stop(reason: DqStopReason): void {
    this.#stopReason ??= reason;
  }

  /** Fisher–Yates with the injected source, so a seeded test sees one order. */
  #shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.#random(i + 1);
      if (!Number.isInteger(j) || j < 0 || j > i) {
        throw new UsageError(`random(${i + 1}) must return an integer in [0, ${i}], got ${j}`);
      }
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

/** A fresh array holding the first entry of each link id. */
function unique(candidates: readonly DqCandidate[]): DqCandidate[] {
  const byLink = new Map<number, DqCandidate>();
  for (const c of candidates) if (!byLink.has(c.link)) byLink.set(c.link, c);
  return [...byLink.values()];
}
