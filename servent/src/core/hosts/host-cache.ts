/**
 * The host cache: the servent's memory of who answers (bootstrap.md §2).
 *
 * Every host learnt while running (pongs, `X-Try-Ultrapeers`, query hits, UDP
 * host caches, web caches) and every host persisted by the last session, with
 * when it was last seen, when we last connected to it, how often dialling it
 * failed in a row and whether it is an ultrapeer. It says whom to dial next,
 * whom to name in `X-Try-Ultrapeers`, and how many hosts could be dialled now,
 * which tells the shell whether network bootstrap is needed at all (BOOT-1).
 *
 * Sans-I/O: the clock is an argument and persistence is `toJSON` / `load`; the
 * shell owns the file (node/bootstrap/host-store.ts) and the timers.
 */
import { UsageError } from '../errors.js';
import { isDottedIpv4 } from '../handshake/addresses.js';

export interface HostAddress {
  host: string;
  port: number;
}

export const hostKey = (a: HostAddress): string => `${a.host}:${a.port}`;

/** Where a host was learnt. `pinned`: given by the operator, dialled first, never evicted or dropped. */
export type HostSource = 'pinned' | 'pong' | 'x-try' | 'query-hit' | 'uhc' | 'gwc' | 'persisted';

/** Why an address was not taken in; counted per reason. */
export type HostRefusal =
  | 'bad-port'
  | 'bad-address'
  | 'unspecified'
  | 'loopback'
  | 'multicast'
  | 'reserved'
  | 'private'
  | 'self';

export type AddResult = 'added' | 'refreshed' | 'full' | HostRefusal;

export interface HostCacheOptions {
  /** Most hosts kept; when full the worst non-pinned host makes room. Pinned hosts are always kept. */
  maxHosts: number;
  /** A dialled host rests this long before it is dialled again; each consecutive failure doubles it. */
  retryAfterMs: number;
  /** The longest rest, however many failures. */
  maxRetryAfterMs: number;
  /** Consecutive failed dials after which a non-pinned host is forgotten (§2: drop after repeated failures). */
  maxFailures: number;
  /** Take 127.0.0.0/8 from the network and the persisted file (tests and single-machine setups). */
  allowLoopback: boolean;
  /** Take RFC 1918, link-local and shared (100.64/10) addresses; a public servent sets false (§2). */
  allowPrivate: boolean;
  /** `host:port` keys of our own addresses, never taken in (§2: never try ourselves). */
  selfKeys: readonly string[];
}

export const DEFAULT_HOST_CACHE_OPTIONS: HostCacheOptions = {
  maxHosts: 1000,
  retryAfterMs: 60_000,
  maxRetryAfterMs: 30 * 60_000,
  maxFailures: 3,
  allowLoopback: false,
  allowPrivate: true,
  selfKeys: [],
};

/** Bounds of the numeric options; values outside are our own misuse. */
const BOUNDS = {
  maxHosts: [1, 100_000],
  retryAfterMs: [0, 24 * 3_600_000],
  maxRetryAfterMs: [0, 7 * 24 * 3_600_000],
  maxFailures: [1, 1000],
} as const;

/** One host as `entries()` shows it. */
export interface HostCacheEntry extends HostAddress {
  source: HostSource;
  pinned: boolean;
  ultrapeer: boolean;
  lastSeenAt: number;
  lastSuccessAt: number | undefined;
  lastDialAt: number | undefined;
  failures: number;
}

/** One host in the persisted file. */
export interface PersistedHost extends HostAddress {
  ultrapeer: boolean;
  lastSeenAt: number;
  lastSuccessAt?: number;
  failures: number;
}

export interface PersistedHosts {
  version: 1;
  hosts: PersistedHost[];
}

export interface LoadResult {
  /** False when the value was not a version-1 host list at all (nothing was read). */
  ok: boolean;
  /** Hosts taken in (new or merged into a known one). */
  loaded: number;
  /** Entries that were malformed or whose address is refused. */
  skipped: number;
}

export interface HostCacheCounters {
  added: number;
  refused: Record<HostRefusal | 'full', number>;
  /** Forgotten after `maxFailures` consecutive failures. */
  dropped: number;
  /** Made room for a better host. */
  evicted: number;
  /** Persisted entries skipped by `load`. */
  loadSkipped: number;
}

interface Entry {
  host: string;
  port: number;
  source: HostSource;
  pinned: boolean;
  ultrapeer: boolean;
  lastSeenAt: number;
  lastSuccessAt: number | undefined;
  lastDialAt: number | undefined;
  /** Last dial or failure: the rest counts from here. */
  lastAttemptAt: number | undefined;
  failures: number;
}

/** A host with this history, as an `Entry` is built from `add` or from the persisted file. */
interface Incoming {
  source: HostSource;
  ultrapeer: boolean;
  lastSeenAt: number;
  lastSuccessAt: number | undefined;
  failures: number;
}

export class HostCache {
  readonly #o: HostCacheOptions;
  readonly #entries = new Map<string, Entry>();
  #self: Set<string>;
  readonly #counters: HostCacheCounters = {
    added: 0,
    refused: {
      'bad-port': 0,
      'bad-address': 0,
      unspecified: 0,
      loopback: 0,
      multicast: 0,
      reserved: 0,
      private: 0,
      self: 0,
      full: 0,
    },
    dropped: 0,
    evicted: 0,
    loadSkipped: 0,
  };

  constructor(options: Partial<HostCacheOptions> = {}) {
    this.#o = { ...DEFAULT_HOST_CACHE_OPTIONS, ...options };
    for (const [name, [min, max]] of Object.entries(BOUNDS)) {
      const value = this.#o[name as keyof typeof BOUNDS];
      if (!Number.isInteger(value) || value < min || value > max) {
        throw new UsageError(
          `HostCache option ${name} = ${value}; expected an integer ${min}..${max}`,
        );
      }
    }
    this.#self = new Set(this.#o.selfKeys);
  }

  get size(): number {
    return this.#entries.size;
  }

  get counters(): Readonly<HostCacheCounters> {
    return this.#counters;
  }

  has(address: HostAddress): boolean {
    return this.#entries.has(hostKey(address));
  }

  /** Our own addresses (listen, advertised, external): refused from now on and forgotten if known. */
  setSelf(addresses: Iterable<HostAddress>): void {
    this.#self = new Set(this.#o.selfKeys);
    for (const address of addresses) this.#self.add(hostKey(address));
    for (const key of this.#self) this.#entries.delete(key);
  }

  /**
   * Learns a host, or learns it again: that refreshes when it was last seen and
   * may mark it an ultrapeer (never the reverse: only a handshake says a host
   * is not one). A pinned host stays pinned whatever source names it later.
   */
  add(
    address: HostAddress,
    now: number,
    info: { source: HostSource; ultrapeer?: boolean },
  ): AddResult {
    return this.#takeIn(address, {
      source: info.source,
      ultrapeer: info.ultrapeer ?? false,
      lastSeenAt: now,
      lastSuccessAt: undefined,
      failures: 0,
    });
  }

  /** Forgets a host, pinned or not. */
  remove(address: HostAddress): boolean {
    return this.#entries.delete(hostKey(address));
  }

  markDialled(address: HostAddress, now: number): void {
    const entry = this.#entries.get(hostKey(address));
    if (!entry) return;
    entry.lastDialAt = now;
    entry.lastAttemptAt = Math.max(entry.lastAttemptAt ?? now, now);
  }

  /** A dial succeeded (the handshake completed); `ultrapeer` is what the peer said of itself. */
  connected(address: HostAddress, now: number, info: { ultrapeer?: boolean } = {}): void {
    const entry = this.#entries.get(hostKey(address));
    if (!entry) return;
    entry.lastSuccessAt = now;
    entry.lastSeenAt = Math.max(entry.lastSeenAt, now);
    entry.failures = 0;
    if (info.ultrapeer !== undefined) entry.ultrapeer = info.ultrapeer;
  }

  /** A dial failed; true when the host was forgotten for failing `maxFailures` times in a row. */
  failed(address: HostAddress, now: number): boolean {
    const key = hostKey(address);
    const entry = this.#entries.get(key);
    if (!entry) return false;
    entry.failures++;
    entry.lastAttemptAt = Math.max(entry.lastAttemptAt ?? now, now);
    if (entry.pinned || entry.failures < this.#o.maxFailures) return false;
    this.#entries.delete(key);
    this.#counters.dropped++;
    return true;
  }

  /**
   * The best host to dial now, skipping `busy` (connected or being dialled)
   * and resting hosts: pinned, then hosts that connected before (latest
   * success first), then ultrapeers, then the rest (latest seen first).
   */
  nextToDial(now: number, busy: ReadonlySet<string>): HostAddress | undefined {
    let best: Entry | undefined;
    for (const [key, entry] of this.#entries) {
      if (busy.has(key) || !this.#rested(entry, now)) continue;
      if (!best || compareForDial(entry, best) < 0) best = entry;
    }
    return best && { host: best.host, port: best.port };
  }

  /** When the soonest host that has been tried may be dialled again, for the shell's timer. */
  nextRetryAt(busy: ReadonlySet<string>): number | undefined {
    let soonest: number | undefined;
    for (const [key, entry] of this.#entries) {
      if (busy.has(key) || entry.lastAttemptAt === undefined) continue;
      const at = this.#readyAt(entry);
      if (soonest === undefined || at < soonest) soonest = at;
    }
    return soonest;
  }

  /**
   * How many hosts could be dialled now. The shell turns to UDP host caches
   * and web caches only when this cannot fill its slots (BOOT-1).
   */
  usable(now: number, busy: ReadonlySet<string>): number {
    let count = 0;
    for (const [key, entry] of this.#entries) {
      if (!busy.has(key) && this.#rested(entry, now)) count++;
    }
    return count;
  }

  /**
   * Up to `limit` hosts for `X-Try-Ultrapeers` (BOOT-3: up to 10): hosts we
   * connected to, latest success first, then ultrapeers, then (unless
   * `ultrapeersOnly`) the rest, latest seen first; hosts failing now come last.
   * Only addresses a peer could use are named, so never a DNS name, and
   * loopback or private addresses only when the options take them.
   */
  sample(
    limit: number,
    exclude: ReadonlySet<string>,
    options: { ultrapeersOnly?: boolean } = {},
  ): HostAddress[] {
    const chosen: Entry[] = [];
    for (const [key, entry] of this.#entries) {
      if (exclude.has(key) || (options.ultrapeersOnly && !entry.ultrapeer)) continue;
      if (this.#refusal(entry, 'x-try') !== undefined) continue;
      chosen.push(entry);
    }
    return chosen
      .sort(compareForSample)
      .slice(0, Math.max(0, limit))
      .map((e) => ({ host: e.host, port: e.port }));
  }

  /** Every host, best to dial first (status and debugging). */
  entries(): HostCacheEntry[] {
    return [...this.#entries.values()].sort(compareForDial).map((e) => ({
      host: e.host,
      port: e.port,
      source: e.source,
      pinned: e.pinned,
      ultrapeer: e.ultrapeer,
      lastSeenAt: e.lastSeenAt,
      lastSuccessAt: e.lastSuccessAt,
      lastDialAt: e.lastDialAt,
      failures: e.failures,
    }));
  }

  /**
   * What to persist (BOOT-1): at most `maxHosts` hosts, best first, only those
   * `load` would take back (so no DNS names given on the command line).
   */
  toJSON(): PersistedHosts {
    const hosts: PersistedHost[] = [];
    for (const e of [...this.#entries.values()].sort(compareForDial)) {
      if (hosts.length >= this.#o.maxHosts) break;
      if (this.#refusal(e, 'persisted') !== undefined) continue;
      hosts.push({
        host: e.host,
        port: e.port,
        ultrapeer: e.ultrapeer,
        lastSeenAt: e.lastSeenAt,
        ...(e.lastSuccessAt !== undefined && { lastSuccessAt: e.lastSuccessAt }),
        failures: e.failures,
      });
    }
    return { version: 1, hosts };
  }

  /**
   * Takes in what `toJSON` wrote in an earlier session (BOOT-1), as hosts of
   * source `persisted` keeping their history. The file is read as untrusted
   * input: malformed entries and refused addresses are skipped and counted;
   * times in the future (the clock went back) are taken as `now`. Only the
   * first `maxHosts` entries taken in are read, so a huge file costs no more
   * than a full one.
   */
  load(value: unknown, now: number): LoadResult {
    const result: LoadResult = { ok: false, loaded: 0, skipped: 0 };
    if (!isRecord(value) || value.version !== 1 || !Array.isArray(value.hosts)) return result;
    result.ok = true;
    for (const item of value.hosts as unknown[]) {
      if (result.loaded >= this.#o.maxHosts) break;
      const host = parsePersistedHost(item, now);
      if (!host || host.failures >= this.#o.maxFailures) {
        result.skipped++;
        continue;
      }
      const outcome = this.#takeIn(host, {
        source: 'persisted',
        ultrapeer: host.ultrapeer,
        lastSeenAt: host.lastSeenAt,
        lastSuccessAt: host.lastSuccessAt,
        failures: host.failures,
      });
      if (outcome === 'added' || outcome === 'refreshed') result.loaded++;
      else if (outcome !== 'full') result.skipped++;
    }
    this.#counters.loadSkipped += result.skipped;
    return result;
  }

  #takeIn(address: HostAddress, incoming: Incoming): AddResult {
    const refusal = this.#refusal(address, incoming.source);
    if (refusal) {
      this.#counters.refused[refusal]++;
      return refusal;
    }
    const key = hostKey(address);
    const known = this.#entries.get(key);
    if (known) {
      merge(known, incoming);
      return 'refreshed';
    }
    const entry: Entry = {
      host: address.host,
      port: address.port,
      ...incoming,
      pinned: incoming.source === 'pinned',
      lastDialAt: undefined,
      lastAttemptAt: undefined,
    };
    if (!entry.pinned && this.#full() && !this.#makeRoomFor(entry)) {
      this.#counters.refused.full++;
      return 'full';
    }
    this.#entries.set(key, entry);
    this.#counters.added++;
    return 'added';
  }

  /** Pinned hosts do not count against `maxHosts`; the scan only runs once the map is that big. */
  #full(): boolean {
    if (this.#entries.size < this.#o.maxHosts) return false;
    let learned = 0;
    for (const entry of this.#entries.values()) if (!entry.pinned) learned++;
    return learned >= this.#o.maxHosts;
  }

  /** Evicts the worst non-pinned host if `newcomer` is better; false when it is not. */
  #makeRoomFor(newcomer: Entry): boolean {
    let worst: [string, Entry] | undefined;
    for (const pair of this.#entries) {
      if (pair[1].pinned) continue;
      if (!worst || compareForEviction(pair[1], worst[1]) < 0) worst = pair;
    }
    if (!worst || compareForEviction(newcomer, worst[1]) <= 0) return false;
    this.#entries.delete(worst[0]);
    this.#counters.evicted++;
    return true;
  }

  /**
   * Why an address is not taken in from `source`, if it is not (§2). Only the
   * operator's own hosts may be DNS names, loopback or private addresses.
   */
  #refusal(address: HostAddress, source: HostSource): HostRefusal | undefined {
    const { host, port } = address;
    if (!Number.isInteger(port) || port < 1 || port > 65535) return 'bad-port';
    if (this.#self.has(hostKey(address))) return 'self';
    if (!isDottedIpv4(host)) {
      return source === 'pinned' && isHostName(host) ? undefined : 'bad-address';
    }
    const kind = ipv4Kind(host);
    if (kind === 'public') return undefined;
    if (kind === 'unspecified' || kind === 'multicast' || kind === 'reserved') return kind;
    if (source === 'pinned') return undefined;
    if (kind === 'loopback') return this.#o.allowLoopback ? undefined : 'loopback';
    return this.#o.allowPrivate ? undefined : 'private';
  }

  #readyAt(entry: Entry): number {
    if (entry.lastAttemptAt === undefined) return Number.NEGATIVE_INFINITY;
    const rest = Math.min(
      this.#o.retryAfterMs * 2 ** Math.min(entry.failures, 32),
      this.#o.maxRetryAfterMs,
    );
    return entry.lastAttemptAt + rest;
  }

  #rested(entry: Entry, now: number): boolean {
    return now >= this.#readyAt(entry);
  }
}

/** Folds what was learnt again into a known host, keeping the newest history. */
function merge(known: Entry, incoming: Incoming): void {
  known.lastSeenAt = Math.max(known.lastSeenAt, incoming.lastSeenAt);
  if (incoming.lastSuccessAt !== undefined) {
    known.lastSuccessAt = Math.max(known.lastSuccessAt ?? 0, incoming.lastSuccessAt);
  }
  known.ultrapeer ||= incoming.ultrapeer;
  if (incoming.source === 'pinned') known.pinned = true;
  // The latest live source says more than the file from the last session.
  if (known.pinned) known.source = 'pinned';
  else if (incoming.source !== 'persisted') known.source = incoming.source;
}

/** Dial order (§2 "prefer recently seen ultrapeers"; BOOT-1 hosts that answered before first). */
function dialTier(e: Entry): number {
  if (e.pinned) return 0;
  if (e.lastSuccessAt !== undefined) return 1;
  return e.ultrapeer ? 2 : 3;
}

function compareForDial(a: Entry, b: Entry): number {
  return (
    dialTier(a) - dialTier(b) ||
    (b.lastSuccessAt ?? -1) - (a.lastSuccessAt ?? -1) ||
    b.lastSeenAt - a.lastSeenAt ||
    a.failures - b.failures
  );
}

/** X-Try order: a host failing now is a poor suggestion, whatever its past. */
function sampleTier(e: Entry): number {
  if (e.failures > 0) return 3;
  if (e.lastSuccessAt !== undefined) return 0;
  return e.ultrapeer ? 1 : 2;
}

function compareForSample(a: Entry, b: Entry): number {
  return (
    sampleTier(a) - sampleTier(b) ||
    (b.lastSuccessAt ?? -1) - (a.lastSuccessAt ?? -1) ||
    b.lastSeenAt - a.lastSeenAt
  );
}

/** Negative when `a` is worse to keep than `b`: never connected, then oldest seen, then most failures. */
function compareForEviction(a: Entry, b: Entry): number {
  return (
    Number(a.lastSuccessAt !== undefined) - Number(b.lastSuccessAt !== undefined) ||
    a.lastSeenAt - b.lastSeenAt ||
    b.failures - a.failures
  );
}

type Ipv4Kind = 'public' | 'unspecified' | 'loopback' | 'multicast' | 'reserved' | 'private';

/** The class of a dotted IPv4 address, as far as dialling it is concerned. */
export function ipv4Kind(host: string): Ipv4Kind {
  const [a = 0, b = 0] = host.split('.', 2).map(Number);
  if (a === 0) return 'unspecified'; // 0.0.0.0/8: "this network", never a destination
  if (a === 127) return 'loopback';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a >= 240) return 'reserved'; // 240/4, including the broadcast 255.255.255.255
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if ((a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127)) return 'private';
  return 'public';
}

/** A DNS name as an operator may give one (`servent-2`, `node.example.org`); not an IP literal. */
function isHostName(host: string): boolean {
  if (host.length === 0 || host.length > 253 || /^[\d.]+$/.test(host)) return false;
  return host
    .split('.')
    .every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** One persisted entry checked by hand; undefined when any field is wrong. */
function parsePersistedHost(item: unknown, now: number): PersistedHost | undefined {
  if (!isRecord(item)) return undefined;
  const { host, port, ultrapeer, lastSeenAt, lastSuccessAt, failures } = item;
  if (typeof host !== 'string' || host.length > 253) return undefined;
  if (typeof port !== 'number') return undefined;
  if (ultrapeer !== undefined && typeof ultrapeer !== 'boolean') return undefined;
  if (!isTime(lastSeenAt)) return undefined;
  if (lastSuccessAt !== undefined && !isTime(lastSuccessAt)) return undefined;
  if (failures !== undefined && !(Number.isInteger(failures) && (failures as number) >= 0)) {
    return undefined;
  }
  return {
    host,
    port,
    ultrapeer: ultrapeer ?? false,
    lastSeenAt: Math.min(lastSeenAt, now),
    ...(lastSuccessAt !== undefined && { lastSuccessAt: Math.min(lastSuccessAt, now) }),
    failures: (failures as number | undefined) ?? 0,
  };
}
