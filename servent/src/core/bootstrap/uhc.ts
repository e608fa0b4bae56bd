/**
 * UDP host caches (bootstrap.md §5): the `SCP` ping, the pong that answers it
 * with packed hosts, and the client's list of caches with its ping policy.
 *
 * Sans-I/O: datagrams in, datagrams and decisions out. The caller owns the
 * socket, passes `now` (ms, wall clock: the list is persisted) and `random`,
 * and calls `expire(now)` at `nextTimeout()`.
 */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import type { HostAddress } from '../hosts/host-cache.js';
import { decodePongGgep, ippValue, MAX_IPP_HOSTS, type PongGgep } from '../link/link-messages.js';
import {
  decodeGgep,
  decodeHeader,
  decodePing,
  decodePong,
  encodeGgep,
  encodeMessage,
  encodePackedHosts,
  encodePong,
  findGgep,
  type GgepExtension,
  GUID_LENGTH,
  type Guid,
  ggepExtension,
  guidToHex,
  HEADER_LENGTH,
  ipv4FromString,
  MessageType,
  type Pong,
} from '../wire/index.js';

/** The `SCP` value byte (BOOT-5, §5.2). */
const SCP_ULTRAPEER = 0x01;
const SCP_TLS = 0x02;

/** Port a `PHC` line without one stands for (§5.3). */
export const UHC_DEFAULT_PORT = 6346;

/** Policy numbers of the client, each with where it comes from. */
export interface UhcClientOptions {
  /** Most caches kept (BOOT-8; LimeWire's 100, §5.4). */
  maxCaches: number;
  /** No cache is pinged again sooner than this (BOOT-9: 180 s). */
  repingAfterMs: number;
  /** A ping unanswered this long counts as a failure (gtk-gnutella's 20 s, §5.4). */
  replyTimeoutMs: number;
  /** A cache is dropped after more failures than this (LimeWire: more than 5, §5.4). */
  maxFailures: number;
  /** Most pings awaiting a reply at once (gtk-gnutella 1, LimeWire 5; we take 3). */
  pingsAtOnce: number;
}

export const DEFAULT_UHC_CLIENT_OPTIONS: UhcClientOptions = {
  maxCaches: 100,
  repingAfterMs: 180_000,
  replyTimeoutMs: 20_000,
  maxFailures: 5,
  pingsAtOnce: 3,
};

/** One Gnutella message as carried alone in a datagram (§5.1). */
export interface UdpMessage {
  guid: Guid;
  type: number;
  ttl: number;
  hops: number;
  payload: Uint8Array;
}

/** A UHC ping as a whole datagram: TTL 1, hops 0, GGEP `SCP` with its byte always sent (BOOT-5). */
export function encodeUhcPing(
  guid: Uint8Array,
  options: { ultrapeer: boolean; askAddress?: boolean },
): Uint8Array {
  // GhostWhiteCrab notes LimeWire 4.2.2 ignored SCP without a value, so the byte always goes (§5.2).
  const extensions: GgepExtension[] = [
    ggepExtension('SCP', Uint8Array.of(options.ultrapeer ? SCP_ULTRAPEER : 0)),
  ];
  if (options.askAddress) extensions.push(ggepExtension('IP'));
  return encodeMessage({ guid, type: MessageType.Ping, ttl: 1, hops: 0 }, encodeGgep(extensions));
}

/** The one message of a datagram; its header's length must cover exactly the rest (§5.1). */
export function decodeUdpMessage(datagram: Uint8Array): Result<UdpMessage> {
  const header = decodeHeader(datagram);
  if (!header.ok) {
    return fail(
      new ProtocolError(
        'udp-truncated',
        `a datagram holds at least a ${HEADER_LENGTH}-byte header, got ${datagram.length} bytes`,
        'BOOT-5',
      ),
    );
  }
  const { guid, type, ttl, hops, length } = header.value;
  if (length !== datagram.length - HEADER_LENGTH) {
    return fail(
      new ProtocolError(
        'udp-length-mismatch',
        `the header announces ${length} payload bytes, the datagram carries ${datagram.length - HEADER_LENGTH}`,
        'BOOT-5',
      ),
    );
  }
  return ok({ guid, type, ttl, hops, payload: datagram.slice(HEADER_LENGTH) });
}

export interface UhcPing {
  /** The `SCP` preference; undefined when the ping has none (an ordinary ping). */
  scp: undefined | { ultrapeer: boolean; tls: boolean };
  /** The ping carries `IP`: answer with the address we saw it come from. */
  wantsAddress: boolean;
}

/**
 * What a ping payload asks of a cache. An `SCP` without its byte reads as a
 * leaf's request; unknown extensions are ignored (§5.2).
 */
export function readUhcPing(payload: Uint8Array): Result<UhcPing> {
  const ping = decodePing(payload);
  if (!ping.ok) return ping;
  const extensions = decodeGgep(ping.value.ggep);
  if (!extensions.ok) return extensions;
  const scp = findGgep(extensions.value, 'SCP');
  const flags = scp?.data[0] ?? 0;
  return ok({
    scp: scp && {
      ultrapeer: (flags & SCP_ULTRAPEER) !== 0,
      tls: (flags & SCP_TLS) !== 0,
    },
    wantsAddress: findGgep(extensions.value, 'IP') !== undefined,
  });
}

export interface UhcPong {
  /** The fixed fields: the responder as it describes itself. */
  pong: Pong;
  /** Every GGEP key read from the pong. */
  extensions: PongGgep;
  /** `IPP` entries, for the host cache as ultrapeers; port 0 and 0.0.0.0 left out. */
  hosts: HostAddress[];
  /** The responder itself when it says `UDPHC`, then the `PHC` entries (BOOT-8). */
  caches: HostAddress[];
  /** Our own address as the responder saw it (`IP`). */
  self?: HostAddress;
}

/**
 * Reads a UHC's answer. Only TTL ≤ 1, hops 0 pongs are taken (§5.4); an `IPP`
 * whose length is not a multiple of 6 rejects the pong (BOOT-7); deflated
 * values arrive inflated by the GGEP decoder. Private and reserved addresses
 * are kept: the host cache filters them. Matching the MUID is the
 * `UhcClient`'s part.
 */
export function parseUhcPong(message: UdpMessage, source: HostAddress): Result<UhcPong> {
  if (message.type !== MessageType.Pong) {
    return fail(
      new ProtocolError(
        'uhc-not-pong',
        `expected a pong (0x01), got type 0x${message.type.toString(16).padStart(2, '0')}`,
      ),
    );
  }
  if (message.ttl > 1 || message.hops !== 0) {
    return fail(
      new ProtocolError(
        'uhc-pong-ttl-hops',
        `a UHC pong has TTL ≤ 1 and hops 0, got TTL ${message.ttl}, hops ${message.hops}`,
        'BOOT-7',
      ),
    );
  }
  const pong = decodePong(message.payload);
  if (!pong.ok) return pong;
  const extensions = decodePongGgep(pong.value.ggep);
  if (!extensions.ok) return extensions;
  const ggep = extensions.value;

  const hosts = (ggep.ipp ?? []).filter((h) => h.port !== 0 && h.host !== '0.0.0.0');
  const caches: HostAddress[] = [];
  if (ggep.udphc !== undefined) {
    // Empty: the cache is where the pong came from; else a DNS name. Port: the pong's (BOOT-8).
    const name = ggep.udphc.trim();
    const cache = { host: name === '' ? source.host : name, port: pong.value.port };
    if (isCacheAddress(cache)) caches.push(cache);
  }
  if (ggep.phc !== undefined) caches.push(...parsePackedHostCaches(ggep.phc));

  const result: UhcPong = { pong: pong.value, extensions: ggep, hosts, caches };
  if (ggep.ip) result.self = ggep.ip;
  return ok(result);
}

/**
 * `PHC` text: `host:port` lines separated by `\n`, the port 6346 when left
 * out, anything from `&` on ignored (§5.3). Lines that name no usable cache
 * are skipped; at most `max` entries are read.
 */
export function parsePackedHostCaches(
  text: string,
  max = DEFAULT_UHC_CLIENT_OPTIONS.maxCaches,
): HostAddress[] {
  const caches: HostAddress[] = [];
  for (const rawLine of text.split('\n')) {
    if (caches.length >= max) break;
    const line = rawLine.split('&', 1)[0]!.trim();
    if (line === '') continue;
    const colon = line.lastIndexOf(':');
    const host = colon < 0 ? line : line.slice(0, colon);
    const portText = colon < 0 ? String(UHC_DEFAULT_PORT) : line.slice(colon + 1);
    if (!/^[0-9]{1,5}$/.test(portText)) continue;
    const cache = { host, port: Number(portText) };
    if (isCacheAddress(cache)) caches.push(cache);
  }
  return caches;
}

/** Our fixed pong fields, written as given (a UHC pong needs no ultrapeer marking). */
export interface UhcSelf {
  host: string;
  port: number;
  sharedFiles: number;
  sharedKilobytes: number;
}

export interface UhcPongOptions {
  /** Deflate `IPP` (GGEP bit 5), as GhostWhiteCrab does. */
  compress?: boolean;
  /** Say we are a cache: `true` = at this address, a string = at that DNS name (BOOT-8). */
  udphc?: boolean | string;
  /** Tell the pinger its address (`IP`), for a ping that asked. */
  yourAddress?: HostAddress;
}

/**
 * The answer to an `SCP` ping as a whole datagram: the ping's MUID, TTL 1,
 * hops 0 (BOOT-10), `IPP` with up to MAX_IPP_HOSTS of `hosts` (those IPP can
 * carry, in order; none at all leaves `IPP` out), then `UDPHC` and `IP` when
 * asked for.
 */
export function encodeUhcPong(
  ping: { guid: Uint8Array },
  self: UhcSelf,
  hosts: readonly HostAddress[],
  options: UhcPongOptions = {},
): Uint8Array {
  const extensions: GgepExtension[] = [];
  const packed = ippValue(hosts, MAX_IPP_HOSTS);
  if (packed.length > 0) {
    extensions.push(ggepExtension('IPP', packed, { compress: options.compress ?? false }));
  }
  if (options.udphc !== undefined && options.udphc !== false) {
    const name = options.udphc === true ? '' : options.udphc;
    extensions.push(
      ggepExtension(
        'UDPHC',
        Uint8Array.from(name, (c) => c.charCodeAt(0) & 0xff),
      ),
    );
  }
  if (options.yourAddress) {
    const { host, port } = options.yourAddress;
    extensions.push(ggepExtension('IP', encodePackedHosts([{ address: host, port }])));
  }
  const payload = encodePong({
    port: self.port,
    address: self.host,
    sharedFiles: self.sharedFiles,
    sharedKilobytes: self.sharedKilobytes,
    ggep: extensions.length > 0 ? encodeGgep(extensions) : new Uint8Array(0),
  });
  return encodeMessage({ guid: ping.guid, type: MessageType.Pong, ttl: 1, hops: 0 }, payload);
}

/** Where a cache on the list was learned. */
export type UhcSource = 'configured' | 'udphc' | 'phc';

const SOURCES: readonly UhcSource[] = ['configured', 'udphc', 'phc'];

/** One cache on the list and its record. */
export interface UhcEntry extends HostAddress {
  source: UhcSource;
  addedAt: number;
  /** Unanswered pings since the last answer. */
  failures: number;
  successes: number;
  lastPingAt: number | undefined;
  lastSuccessAt: number | undefined;
}

/** What `toJSON` writes and `fromJSON` reads. */
export interface UhcClientState {
  version: 1;
  caches: UhcEntry[];
}

interface Pending {
  key: string;
  sentAt: number;
}

const cacheKey = (cache: HostAddress): string => `${cache.host}:${cache.port}`;

/**
 * The UHC list and when to ping whom. `due` picks caches to ping (never one
 * pinged within `repingAfterMs`, BOOT-9; fewest failures first), `pinged`
 * records the ping's MUID, `handlePong` matches answers by MUID (BOOT-7),
 * `expire` counts unanswered pings as failures and drops caches that fail too
 * often. Stopping once connected (BOOT-9 SHOULD) is the caller's part: it
 * simply stops asking `due`.
 */
export class UhcClient {
  readonly #options: UhcClientOptions;
  readonly #caches = new Map<string, UhcEntry>();
  /** Pings awaiting an answer, by MUID in hex. */
  readonly #pending = new Map<string, Pending>();

  constructor(options: Partial<UhcClientOptions> = {}) {
    this.#options = { ...DEFAULT_UHC_CLIENT_OPTIONS, ...options };
  }

  get size(): number {
    return this.#caches.size;
  }

  /** Copies of the list's entries. */
  entries(): UhcEntry[] {
    return [...this.#caches.values()].map((entry) => ({ ...entry }));
  }

  /**
   * Adds a cache; one already known keeps its record. When the list is full
   * the cache with most failures makes room, but only if it has failed at
   * all: a flood of `PHC` names cannot push out caches that answer. Returns
   * whether the cache was added.
   */
  add(cache: HostAddress, now: number, options: { source: UhcSource }): boolean {
    if (!isCacheAddress(cache)) return false;
    const key = cacheKey(cache);
    if (this.#caches.has(key)) return false;
    if (this.#caches.size >= this.#options.maxCaches && !this.#evictOne()) return false;
    this.#caches.set(key, {
      host: cache.host,
      port: cache.port,
      source: options.source,
      addedAt: now,
      failures: 0,
      successes: 0,
      lastPingAt: undefined,
      lastSuccessAt: undefined,
    });
    return true;
  }

  /**
   * Caches to ping now: at most `pingsAtOnce` minus the pings still awaiting
   * an answer, none pinged within `repingAfterMs` (BOOT-9), fewest failures
   * first, ties in random order.
   */
  due(now: number, random: (n: number) => Uint8Array): HostAddress[] {
    const room = this.#options.pingsAtOnce - this.#pending.size;
    if (room <= 0) return [];
    const awaiting = new Set([...this.#pending.values()].map((p) => p.key));
    const candidates = [...this.#caches].filter(
      ([key, entry]) => !awaiting.has(key) && this.#rested(entry, now),
    );
    if (candidates.length === 0) return [];
    const noise = random(4 * candidates.length);
    const tie = (i: number) =>
      ((noise[4 * i] ?? 0) << 24) |
      ((noise[4 * i + 1] ?? 0) << 16) |
      ((noise[4 * i + 2] ?? 0) << 8) |
      (noise[4 * i + 3] ?? 0);
    return candidates
      .map(([, entry], i) => ({ entry, tie: tie(i) >>> 0 }))
      .sort((a, b) => a.entry.failures - b.entry.failures || a.tie - b.tie)
      .slice(0, room)
      .map(({ entry }) => ({ host: entry.host, port: entry.port }));
  }

  /** Records that `cache` was pinged with MUID `guid`; a ping still awaiting an answer from it is forgotten. */
  pinged(cache: HostAddress, guid: Uint8Array, now: number): void {
    const key = cacheKey(cache);
    const entry = this.#caches.get(key);
    if (!entry) throw new UsageError(`pinged ${key}, which is not on the UHC list`);
    if (guid.length !== GUID_LENGTH) {
      throw new UsageError(`a MUID has ${GUID_LENGTH} bytes, got ${guid.length}`);
    }
    for (const [muid, pending] of this.#pending) {
      if (pending.key === key) this.#pending.delete(muid);
    }
    entry.lastPingAt = now;
    this.#pending.set(guidToHex(guid), { key, sentAt: now });
  }

  /**
   * The cache a pong with MUID `guid` answers, recording its success; undefined
   * for a MUID we are not waiting on (BOOT-7). A cache listed by IPv4 address
   * must answer from that address: anyone can echo a MUID seen on the path.
   */
  handlePong(guid: Uint8Array, source: HostAddress, now: number): HostAddress | undefined {
    if (guid.length !== GUID_LENGTH) return undefined;
    const muid = guidToHex(guid);
    const pending = this.#pending.get(muid);
    if (!pending) return undefined;
    const entry = this.#caches.get(pending.key);
    if (!entry) {
      this.#pending.delete(muid);
      return undefined;
    }
    if (ipv4FromString(entry.host).ok && entry.host !== source.host) return undefined;
    this.#pending.delete(muid);
    entry.failures = 0;
    entry.successes++;
    entry.lastSuccessAt = now;
    return { host: entry.host, port: entry.port };
  }

  /**
   * Counts every ping older than `replyTimeoutMs` as a failure of its cache and
   * drops caches with more than `maxFailures` (§5.4). Returns the caches that
   * failed to answer.
   */
  expire(now: number): HostAddress[] {
    const failed: HostAddress[] = [];
    for (const [muid, pending] of this.#pending) {
      if (now - pending.sentAt < this.#options.replyTimeoutMs) continue;
      this.#pending.delete(muid);
      const entry = this.#caches.get(pending.key);
      if (!entry) continue;
      entry.failures++;
      failed.push({ host: entry.host, port: entry.port });
      if (entry.failures > this.#options.maxFailures) this.#caches.delete(pending.key);
    }
    return failed;
  }

  /** When the oldest unanswered ping times out; undefined when none is awaited. */
  nextTimeout(): number | undefined {
    let next: number | undefined;
    for (const { sentAt } of this.#pending.values()) {
      const at = sentAt + this.#options.replyTimeoutMs;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  /** The list for saving; pings in flight are not part of it. */
  toJSON(): UhcClientState {
    return { version: 1, caches: this.entries() };
  }

  /**
   * A client from saved state. The outer shape must be right; entries that
   * are malformed, duplicated, beyond `maxCaches` or past `maxFailures` are
   * skipped, so one bad line does not cost the whole list.
   */
  static fromJSON(value: unknown, options: Partial<UhcClientOptions> = {}): Result<UhcClient> {
    if (typeof value !== 'object' || value === null) return badState('not an object');
    const state = value as Record<string, unknown>;
    if (state.version !== 1) return badState(`version ${JSON.stringify(state.version)}, not 1`);
    if (!Array.isArray(state.caches)) return badState('caches is not an array');
    const client = new UhcClient(options);
    for (const item of state.caches) {
      if (client.size >= client.#options.maxCaches) break;
      const entry = readEntry(item);
      if (!entry || entry.failures > client.#options.maxFailures) continue;
      const key = cacheKey(entry);
      if (!client.#caches.has(key)) client.#caches.set(key, entry);
    }
    return ok(client);
  }

  #rested(entry: UhcEntry, now: number): boolean {
    // A ping "in the future" means the wall clock went back: do not wait on it.
    return (
      entry.lastPingAt === undefined ||
      entry.lastPingAt > now ||
      now - entry.lastPingAt >= this.#options.repingAfterMs
    );
  }

  #evictOne(): boolean {
    const awaiting = new Set([...this.#pending.values()].map((p) => p.key));
    let worst: [string, UhcEntry] | undefined;
    for (const pair of this.#caches) {
      const [key, entry] = pair;
      if (entry.failures === 0 || awaiting.has(key)) continue;
      if (
        !worst ||
        entry.failures > worst[1].failures ||
        (entry.failures === worst[1].failures && entry.addedAt < worst[1].addedAt)
      ) {
        worst = pair;
      }
    }
    if (!worst) return false;
    this.#caches.delete(worst[0]);
    return true;
  }
}

function readEntry(item: unknown): UhcEntry | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const r = item as Record<string, unknown>;
  const { host, port, source, addedAt, failures, successes, lastPingAt, lastSuccessAt } = r;
  if (typeof host !== 'string' || typeof port !== 'number') return undefined;
  if (!isCacheAddress({ host, port })) return undefined;
  if (!SOURCES.includes(source as UhcSource)) return undefined;
  const count = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  const time = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const optionalTime = (v: unknown): v is number | undefined | null =>
    v === undefined || v === null || time(v);
  if (!time(addedAt) || !count(failures) || !count(successes)) return undefined;
  if (!optionalTime(lastPingAt) || !optionalTime(lastSuccessAt)) return undefined;
  return {
    host,
    port,
    source: source as UhcSource,
    addedAt,
    failures,
    successes,
    lastPingAt: lastPingAt ?? undefined,
    lastSuccessAt: lastSuccessAt ?? undefined,
  };
}

const badState = (what: string): Result<never> =>
  fail(new ProtocolError('uhc-state-malformed', `saved UHC list: ${what}`));

const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** A cache we could ping: a valid port and a dotted quad other than 0.0.0.0, or a DNS name. */
function isCacheAddress({ host, port }: HostAddress): boolean {
  if (!Number.isInteger(port) || port < 1 || port > 0xffff) return false;
  if (host === '0.0.0.0') return false;
  // All digits and dots: it must be a real dotted quad, not a "name" like 300.1.1.1.
  if (/^[0-9.]+$/.test(host)) return ipv4FromString(host).ok;
  return DNS_NAME.test(host);
}
