/**
 * GWebCache client core (bootstrap.md §6): cache URLs, the query of one GET,
 * reading an answer in either dialect, and the list of known caches with the
 * rules for choosing, resting and dropping them.
 *
 * No sockets and no clock: `now` (ms, wall clock, since the list is saved
 * across restarts) and `random` are arguments. The HTTP side lives in
 * node/bootstrap/gwc-client.ts.
 */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { isDottedIpv4, isValidPort } from '../handshake/addresses.js';
import { hasControlChar } from '../handshake/latin1.js';
import type { HostAddress } from '../hosts/host-cache.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** A cache is asked at most once in this long, whatever the request (BOOT-15; GWC2 guide, gtk-gnutella `REUSE_PERIOD`). */
export const GWC_REUSE_PERIOD_MS = HOUR_MS;
/** An allowed servent submits its address this often, not more (BOOT-16, §6.3 "once per 60 minutes"). */
export const GWC_UPDATE_PERIOD_MS = 60 * MINUTE_MS;
/** Uptime a servent needs before it may submit its address (BOOT-16). */
export const GWC_UPDATE_MIN_UPTIME_MS = HOUR_MS;
/** Caches whose `Rejected IP` warnings make us stop updating: "more than one cache" (§6.3, GWC2 guide). */
export const GWC_REJECTED_IP_LIMIT = 2;
/** The network we ask for; caches treat a missing `net` the same, but say it (§6.2). */
export const GWC_NETWORK = 'gnutella';
/** Longest version string a cache takes after the vendor code (§6.2: up to 16 characters). */
export const GWC_MAX_VERSION_LENGTH = 16;

/** Longest normalised cache URL we keep; real ones are far shorter, and it bounds what a cache can make us store. */
export const GWC_MAX_URL_LENGTH = 300;
/** Most caches in the list: v1 urlfiles held 10-20, so 100 is plenty (a DoS bound). */
export const GWC_MAX_CACHES = 100;
/** Most dropped URLs remembered so that re-learning them does not bring them back (BOOT-14). */
export const GWC_MAX_DROPPED = 1000;
/** A cache that answered well within this long may be submitted as `url=` (BOOT-16); older successes may be stale. */
export const GWC_WORKING_CACHE_MAX_AGE_MS = 24 * HOUR_MS;

/** Lines of one answer looked at; a real answer has about 20 hosts and 10 caches (§6.1). */
export const GWC_MAX_ANSWER_LINES = 1000;
/** Hosts kept from one answer. */
export const GWC_MAX_ANSWER_HOSTS = 200;
/** Cache URLs kept from one answer. */
export const GWC_MAX_ANSWER_CACHES = 100;

// ---------------------------------------------------------------------------
// Cache URLs

/** Characters left in a path once `%XX` is decoded: RFC 3986 `pchar` and `/`, minus `%`. */
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
/** Printable ASCII, no blanks: all a cache URL may hold as written. */
const URL_CHARS = /^[\x21-\x7e]+$/;
const HTTP_URL = /^http:\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(?:#.*)?$/i;
const AUTHORITY = /^([A-Za-z0-9.-]+?)\.?(?::(\d{1,5}))?$/;
const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
/** Trailing default script names the GWC2 guide says to cut (the list is "not complete"). */
const INDEX_FILE = /\/index\.(?:php|cgi|asp|cfm|jsp)$/i;

/**
 * The form a cache URL is stored and compared in (§6.3), or undefined when it
 * is no use to us. Only `http://`; scheme and host lower-cased, the default
 * port left out; `%XX` in the path decoded; a trailing `index.php` (`.cgi`,
 * `.asp`, `.cfm`, `.jsp`) and trailing `/` cut; the cache's own query kept, a
 * fragment dropped. Refused: credentials, blanks, control or non-ASCII
 * characters, a path that decodes to characters a request line cannot carry,
 * more than GWC_MAX_URL_LENGTH characters. The host name is never replaced by
 * an address (virtual hosting, §6.3); IP literals are allowed, since test
 * networks have no names.
 */
export function normalizeCacheUrl(text: string): string | undefined {
  const raw = text.trim();
  // %XX shrinks to one character, so a longer input cannot fit once decoded.
  if (raw.length > 3 * GWC_MAX_URL_LENGTH || !URL_CHARS.test(raw)) return undefined;
  const parts = HTTP_URL.exec(raw);
  if (!parts) return undefined;
  const authority = AUTHORITY.exec(parts[1]!); // '@' (credentials) never matches
  if (!authority) return undefined;
  const host = authority[1]!.toLowerCase();
  if (!isHostName(host)) return undefined;
  const port = authority[2] === undefined ? 80 : Number(authority[2]);
  if (!isValidPort(port)) return undefined;
  const decoded = parts[2]!.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
  if (!PATH_CHARS.test(decoded)) return undefined;
  const path = decoded.replace(/\/+$/, '').replace(INDEX_FILE, '').replace(/\/+$/, '');
  const query = parts[3] !== undefined && parts[3].length > 1 ? parts[3] : '';
  const url = `http://${host}${port === 80 ? '' : `:${port}`}${path}${query}`;
  return url.length > GWC_MAX_URL_LENGTH ? undefined : url;
}

function isHostName(host: string): boolean {
  // All digits and dots: it must be a proper dotted IPv4 then, not 999.1.1.1.
  if (/^[0-9.]+$/.test(host)) return isDottedIpv4(host);
  return host.length <= 253 && host.split('.').every((label) => HOST_LABEL.test(label));
}

// ---------------------------------------------------------------------------
// Requests

/** Who asks: `client=<vendor>&version=<version>` on every request (BOOT-12). */
export interface GwcClientId {
  /** Four letters or digits, e.g. `GSNT`. */
  vendor: string;
  version: string;
}

/** What an update submits (§6.1, §6.2): our address and/or a cache that worked for us. */
export interface GwcUpdate {
  ip?: HostAddress;
  url?: string;
}

export type GwcRequest =
  | {
      dialect: 'v2';
      client: GwcClientId;
      get?: boolean;
      ping?: boolean;
      update?: GwcUpdate;
    }
  | {
      /** For caches that only speak v1: one of `hostfile`, `urlfile`, `ping`, and/or an update. */
      dialect: 'v1';
      client: GwcClientId;
      ask?: 'hostfile' | 'urlfile' | 'ping';
      update?: GwcUpdate;
    };

/**
 * The full URL of one GET to `cacheUrl`, its own query kept in front. v2:
 * `get=1`, `ping=1`, `update=1&ip=…&url=…` combined in one request (§6.3);
 * v1: `hostfile=1`, `urlfile=1` or `ping=1`, and `ip=`/`url=` without
 * `update=1`. Always `net=gnutella`, and both `client=` and `version=`, which
 * v1 scripts need and v2 scripts take (BOOT-12). Values are escaped as the
 * GWC2 guide says: all but letters, digits, `-`, `_` and `.` (BOOT-12).
 * Throws UsageError on a request that cannot be written.
 */
export function gwcRequestPath(cacheUrl: string, request: GwcRequest): string {
  const parts = /^(http:\/\/[^/?#]+)([^?#]*)(?:\?([^#]*))?/i.exec(cacheUrl);
  if (!parts) throw new UsageError(`a cache URL starts with http://, got ${cacheUrl}`);
  const params = requestParams(request)
    .map(([name, value]) => `${name}=${escapeGwcValue(value)}`)
    .join('&');
  const own = parts[3] ?? '';
  const query = own === '' || own.endsWith('&') ? own + params : `${own}&${params}`;
  return `${parts[1]}${parts[2] || '/'}?${query}`;
}

function requestParams(request: GwcRequest): [string, string][] {
  const { vendor, version } = request.client;
  if (!/^[A-Za-z0-9]{4}$/.test(vendor)) {
    throw new UsageError(`a GWC client id is 4 letters or digits, got ${JSON.stringify(vendor)}`);
  }
  if (!/^[\x20-\x7e]+$/.test(version) || version.length > GWC_MAX_VERSION_LENGTH) {
    throw new UsageError(
      `a GWC version is 1 to ${GWC_MAX_VERSION_LENGTH} printable characters, got ${JSON.stringify(version)}`,
    );
  }
  const params: [string, string][] = [];
  if (request.dialect === 'v2') {
    if (request.get) params.push(['get', '1']);
    if (request.ping) params.push(['ping', '1']);
    if (request.update) params.push(['update', '1']);
  } else if (request.ask) {
    params.push([request.ask, '1']);
  }
  if (request.update) params.push(...updateParams(request.update));
  if (params.length === 0) throw new UsageError('a GWC request asks for something or updates');
  params.push(['net', GWC_NETWORK], ['client', vendor], ['version', version]);
  return params;
}

function updateParams(update: GwcUpdate): [string, string][] {
  const params: [string, string][] = [];
  if (update.ip) {
    const { host, port } = update.ip;
    if (!isDottedIpv4(host) || !isValidPort(port)) {
      throw new UsageError(`a GWC update submits a dotted IPv4 and a port, got ${host}:${port}`);
    }
    params.push(['ip', `${host}:${port}`]);
  }
  if (update.url !== undefined) {
    const url = normalizeCacheUrl(update.url);
    if (!url) throw new UsageError(`not a usable cache URL: ${update.url}`);
    params.push(['url', url]);
  }
  if (params.length === 0) throw new UsageError('a GWC update submits ip=, url= or both');
  return params;
}

/** RFC 1738 escaping as the GWC2 guide spells it: only letters, digits, `-`, `_`, `.` stay. */
export function escapeGwcValue(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

// ---------------------------------------------------------------------------
// Answers

export interface GwcHost extends HostAddress {
  /** Seconds since the host was submitted, when the cache said (v2 only). */
  ageS?: number;
}

export interface GwcCacheUrl {
  /** Normalised (normalizeCacheUrl). */
  url: string;
  ageS?: number;
}

export interface GwcAnswer {
  hosts: GwcHost[];
  caches: GwcCacheUrl[];
  /** The cache's name and version from `PONG …` or `I|pong|…`; may be empty, so test `!== undefined`. */
  pong?: string;
  /** Outcome of an update: a warning wins over an `OK` given with it (they may come together, §6.2). */
  update?: 'ok' | { warning: string };
  /** `ERROR` / `ERROR: <msg>`: the cache wants to be dropped (BOOT-14). `ERROR` when no message. */
  error?: string;
  /** `I|net-not-supported`: the cache does not serve Gnutella; its `U|` lines are redirects (§6.2). */
  netNotSupported?: true;
  /** Nothing usable: no host, cache, pong, update outcome or error (an empty body, `I|nothing`). */
  nothing: boolean;
  /** `v2` once any `x|…` line was seen; an empty body reads as `v1`, the only dialect that allows it. */
  style: 'v1' | 'v2';
}

const V2_LINE = /^[A-Za-z0-9]\|/;
const LOOKS_LIKE_HOST = /^\d{1,3}(?:\.\d{1,3}){3}:\d+$/;

/**
 * Reads a cache's answer body, either dialect, liberally (BOOT-13): line ends
 * LF, CRLF or CR (the GWC2 guide's rule: if there is any LF, CRs are noise,
 * else each CR ends a line); letters case-insensitive; extra fields, unknown
 * letters and unknown lines skipped; a malformed host or URL skipped without
 * losing the rest. A body that is HTML, holds control characters, or has no
 * line we know is `gwc-unparsable`. At most GWC_MAX_ANSWER_LINES lines are
 * read, GWC_MAX_ANSWER_HOSTS hosts and GWC_MAX_ANSWER_CACHES caches kept.
 */
export function parseGwcAnswer(body: string): Result<GwcAnswer> {
  const text = body.startsWith('\uFEFF') ? body.slice(1) : body;
  const lines = text.includes('\n')
    ? text.split('\n', GWC_MAX_ANSWER_LINES).map((line) => line.replaceAll('\r', ''))
    : text.split('\r', GWC_MAX_ANSWER_LINES);
  const reader = new AnswerReader();
  let known = 0;
  let seen = 0;
  for (const untrimmed of lines) {
    const line = untrimmed.trim();
    if (line === '') continue;
    if (seen++ === 0 && line.startsWith('<')) return unparsable('an HTML page, not a cache answer');
    if (hasControlChar(line)) return unparsable('control characters in the body');
    if (reader.read(line)) known++;
  }
  if (seen > 0 && known === 0) return unparsable('no line of the GWC v1 or v2 formats');
  return ok(reader.answer());
}

function unparsable(why: string): Result<never> {
  return fail(new ProtocolError('gwc-unparsable', why, 'BOOT-14'));
}

/** Collects one answer's lines; `read` says whether the line was of a kind we know. */
class AnswerReader {
  readonly #hosts = new Map<string, GwcHost>();
  readonly #caches = new Map<string, GwcCacheUrl>();
  #pong: string | undefined;
  #updateOk = false;
  #warning: string | undefined;
  #error: string | undefined;
  #netNotSupported = false;
  #v2 = false;

  read(line: string): boolean {
    if (V2_LINE.test(line)) {
      this.#v2 = true;
      this.#readV2(line.split('|').map((field) => field.trim()));
      return true;
    }
    // `ERROR`, `ERROR: <msg>`, `WARNING: <msg>` (§6.1); the message is what follows.
    const word = /^([A-Za-z]+)\b:?\s*(.*)$/.exec(line);
    const keyword = word ? word[1]!.toUpperCase() : '';
    const message = word ? word[2]! : '';
    if (keyword === 'ERROR') {
      this.#error ??= message || 'ERROR';
      return true;
    }
    if (keyword === 'WARNING') {
      this.#warning ??= message;
      return true;
    }
    if (line.toUpperCase() === 'OK') {
      this.#updateOk = true;
      return true;
    }
    // v1: "the first 4 characters are PONG" (§6.1), the cache's name after them.
    if (line.slice(0, 4).toUpperCase() === 'PONG') {
      this.#pong ??= line.slice(4).trim();
      return true;
    }
    if (/^http:\/\//i.test(line)) {
      this.#addCache(line.split(/\s/, 1)[0]!, undefined);
      return true;
    }
    const first = line.split(/\s/, 1)[0]!;
    if (LOOKS_LIKE_HOST.test(first)) {
      this.#addHost(first, undefined);
      return true;
    }
    return false;
  }

  /** `H|ip:port|age|…`, `U|url|age|…`, `I|what|…`; other letters are skipped (BOOT-13). */
  #readV2(fields: string[]): void {
    const [letter, first = '', second = '', third = ''] = fields;
    switch (letter!.toUpperCase()) {
      case 'H':
        this.#addHost(first, second);
        break;
      case 'U':
        this.#addCache(first, second);
        break;
      case 'I':
        switch (first.toLowerCase()) {
          case 'pong':
            this.#pong ??= second;
            break;
          case 'update':
            if (second.toUpperCase() === 'OK') this.#updateOk = true;
            else if (second.toUpperCase() === 'WARNING') this.#warning ??= third;
            break;
          case 'net-not-supported':
            this.#netNotSupported = true;
            break;
          // 'nothing' and unknown informational lines carry nothing to keep.
        }
        break;
    }
  }

  #addHost(text: string, age: string | undefined): void {
    if (this.#hosts.size >= GWC_MAX_ANSWER_HOSTS) return;
    const colon = text.lastIndexOf(':');
    const host = text.slice(0, colon);
    const portText = text.slice(colon + 1);
    const port = Number(portText);
    if (colon < 0 || !isDottedIpv4(host) || !/^\d{1,5}$/.test(portText) || !isValidPort(port)) {
      return;
    }
    if (host === '0.0.0.0') return;
    const key = `${host}:${port}`;
    if (this.#hosts.has(key)) return;
    const ageS = parseAge(age);
    this.#hosts.set(key, ageS === undefined ? { host, port } : { host, port, ageS });
  }

  #addCache(text: string, age: string | undefined): void {
    if (this.#caches.size >= GWC_MAX_ANSWER_CACHES) return;
    const url = normalizeCacheUrl(text);
    if (!url || this.#caches.has(url)) return;
    const ageS = parseAge(age);
    this.#caches.set(url, ageS === undefined ? { url } : { url, ageS });
  }

  answer(): GwcAnswer {
    const answer: GwcAnswer = {
      hosts: [...this.#hosts.values()],
      caches: [...this.#caches.values()],
      nothing: false,
      style: this.#v2 ? 'v2' : 'v1',
    };
    if (this.#pong !== undefined) answer.pong = this.#pong;
    if (this.#warning !== undefined) answer.update = { warning: this.#warning };
    else if (this.#updateOk) answer.update = 'ok';
    if (this.#error !== undefined) answer.error = this.#error;
    if (this.#netNotSupported) answer.netNotSupported = true;
    answer.nothing =
      answer.hosts.length === 0 &&
      answer.caches.length === 0 &&
      answer.pong === undefined &&
      answer.update === undefined &&
      answer.error === undefined &&
      !this.#netNotSupported;
    return answer;
  }
}

function parseAge(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,10}$/.test(text) ? Number(text) : undefined;
}

/**
 * Why a cache that gave `answer` to a v2 request must be dropped (BOOT-14),
 * or undefined when it answered properly: `ERROR`, a network it does not
 * serve, or an empty body (a v2 cache always writes at least one line, §6.2).
 * `I|nothing` is a proper answer.
 */
export function gwcAnswerFault(answer: GwcAnswer): string | undefined {
  if (answer.error !== undefined) return `error: ${answer.error}`;
  if (answer.netNotSupported) return 'net-not-supported';
  if (answer.nothing && answer.style === 'v1') return 'empty';
  return undefined;
}

// ---------------------------------------------------------------------------
// Updates

export interface UpdateConditions {
  uptimeMs: number;
  /** We have had incoming connections: others can reach us. */
  acceptsIncoming: boolean;
  mode: 'ultrapeer' | 'leaf';
  /** Our external address as others see it (Remote-IP), if known. */
  address: string | undefined;
}

/**
 * May we submit our address to caches (BOOT-16)? Only ultrapeers that others
 * can reach, up for at least an hour, that know their external dotted IPv4:
 * a cache must never hand out a leaf or an unreachable address.
 */
export function updateAllowed(conditions: UpdateConditions): boolean {
  const { uptimeMs, acceptsIncoming, mode, address } = conditions;
  return (
    mode === 'ultrapeer' &&
    acceptsIncoming &&
    uptimeMs >= GWC_UPDATE_MIN_UPTIME_MS &&
    address !== undefined &&
    isDottedIpv4(address) &&
    address !== '0.0.0.0'
  );
}

// ---------------------------------------------------------------------------
// The list of known caches

/** Where a cache URL came from: our configuration, another cache's answer, or the saved list. */
export type GwcSource = 'config' | 'learned' | 'saved';

export interface GwcCacheState {
  url: string;
  source: GwcSource;
  addedAt: number;
  /** When we last sent it a request; it rests GWC_REUSE_PERIOD_MS after that (BOOT-15). */
  lastContactAt?: number;
  /** When it last gave a proper answer: the GWC2 guide's "alive" flag. */
  lastSuccessAt?: number;
}

export interface GwcDropped {
  url: string;
  reason: string;
}

/** What `toJSON` writes and `fromJSON` reads. */
export interface GwcListJson {
  format: typeof GWC_LIST_FORMAT;
  caches: GwcCacheState[];
  dropped: GwcDropped[];
}

export const GWC_LIST_FORMAT = 'gwc-list/1';

const SOURCES: readonly GwcSource[] = ['config', 'learned', 'saved'];

/**
 * The caches we know, by normalised URL, and those we dropped. A cache is
 * picked at random among those not asked within the last hour (BOOT-15); a
 * cache that failed is dropped and stays dropped, even when another cache
 * names it again (BOOT-14). Bounded: GWC_MAX_CACHES caches, GWC_MAX_DROPPED
 * dropped URLs.
 */
export class GwcList {
  readonly #caches = new Map<string, GwcCacheState>();
  readonly #dropped = new Map<string, string>();

  get size(): number {
    return this.#caches.size;
  }

  has(url: string): boolean {
    return this.#caches.has(keyOf(url));
  }

  isDropped(url: string): boolean {
    return this.#dropped.has(keyOf(url));
  }

  /**
   * Adds a cache; false when the URL is unusable, already known (it keeps its
   * history), dropped before, or the list is full of caches worth keeping.
   */
  add(url: string, now: number, options: { source: GwcSource }): boolean {
    const key = normalizeCacheUrl(url);
    if (!key || this.#caches.has(key) || this.#dropped.has(key)) return false;
    if (this.#caches.size >= GWC_MAX_CACHES && !this.#evictOne()) return false;
    this.#caches.set(key, { url: key, source: options.source, addedAt: now });
    return true;
  }

  /**
   * A cache to ask now, chosen uniformly at random among those not asked
   * within GWC_REUSE_PERIOD_MS (BOOT-15); undefined when every one rests.
   * `random` returns [0, 1), as Math.random does.
   */
  pick(now: number, random: () => number): string | undefined {
    const usable = [...this.#caches.values()].filter((cache) => rested(cache, now));
    if (usable.length === 0) return undefined;
    const index = Math.min(usable.length - 1, Math.floor(random() * usable.length));
    return usable[index]!.url;
  }

  /** We are sending it a request: it rests for the next hour, whatever the outcome (BOOT-15). */
  contacted(url: string, now: number): void {
    const cache = this.#caches.get(keyOf(url));
    if (cache) cache.lastContactAt = now;
  }

  /** It gave a proper answer: it may now be submitted as a working cache (BOOT-16). */
  succeeded(url: string, now: number): void {
    const cache = this.#caches.get(keyOf(url));
    if (cache) cache.lastSuccessAt = now;
  }

  /**
   * Forgets a cache for good (BOOT-14): it sent `ERROR`, an HTTP 4xx/5xx, an
   * unparsable or empty answer, or could not be reached. True if it was known.
   */
  drop(url: string, reason: string): boolean {
    const key = keyOf(url);
    const known = this.#caches.delete(key);
    this.#dropped.delete(key);
    this.#dropped.set(key, reason);
    if (this.#dropped.size > GWC_MAX_DROPPED) {
      this.#dropped.delete(this.#dropped.keys().next().value!);
    }
    return known;
  }

  /** When a cache may next be asked: `now` if one may be now, undefined if the list is empty. */
  nextUsableAt(now: number): number | undefined {
    let soonest: number | undefined;
    for (const cache of this.#caches.values()) {
      if (rested(cache, now)) return now;
      const at = cache.lastContactAt! + GWC_REUSE_PERIOD_MS;
      if (soonest === undefined || at < soonest) soonest = at;
    }
    return soonest;
  }

  /**
   * The cache that answered well most recently, within
   * GWC_WORKING_CACHE_MAX_AGE_MS, other than `except`: the only kind of URL an
   * update may submit (BOOT-16).
   */
  workingCache(now: number, except?: string): string | undefined {
    const skip = except === undefined ? undefined : keyOf(except);
    let best: GwcCacheState | undefined;
    for (const cache of this.#caches.values()) {
      if (cache.url === skip || cache.lastSuccessAt === undefined) continue;
      if (now - cache.lastSuccessAt > GWC_WORKING_CACHE_MAX_AGE_MS) continue;
      if (!best || cache.lastSuccessAt > best.lastSuccessAt!) best = cache;
    }
    return best?.url;
  }

  /** Copies of the known caches, oldest added first, for status pages. */
  entries(): GwcCacheState[] {
    return [...this.#caches.values()].map((cache) => ({ ...cache }));
  }

  dropped(): GwcDropped[] {
    return [...this.#dropped].map(([url, reason]) => ({ url, reason }));
  }

  toJSON(): GwcListJson {
    return { format: GWC_LIST_FORMAT, caches: this.entries(), dropped: this.dropped() };
  }

  /**
   * A list saved by `toJSON`. Read by hand and leniently: a bad entry is
   * skipped, anything that is not a saved list gives an empty list. Times
   * later than `now` (the clock went back) are taken as `now`, so a cache
   * does not rest longer than an hour.
   */
  static fromJSON(value: unknown, now: number): GwcList {
    const list = new GwcList();
    if (!isRecord(value) || value.format !== GWC_LIST_FORMAT) return list;
    for (const item of Array.isArray(value.dropped) ? value.dropped : []) {
      if (isRecord(item) && typeof item.url === 'string' && typeof item.reason === 'string') {
        const url = normalizeCacheUrl(item.url);
        if (url) list.drop(url, item.reason);
      }
    }
    for (const item of Array.isArray(value.caches) ? value.caches : []) {
      if (!isRecord(item) || typeof item.url !== 'string') continue;
      const source = SOURCES.find((s) => s === item.source) ?? 'saved';
      if (!list.add(item.url, time(item.addedAt, now) ?? now, { source })) continue;
      const cache = list.#caches.get(normalizeCacheUrl(item.url)!)!;
      const contact = time(item.lastContactAt, now);
      const success = time(item.lastSuccessAt, now);
      if (contact !== undefined) cache.lastContactAt = contact;
      if (success !== undefined) cache.lastSuccessAt = success;
    }
    return list;
  }

  /** Makes room: the oldest cache that never answered well and was not configured. */
  #evictOne(): boolean {
    let oldest: GwcCacheState | undefined;
    for (const cache of this.#caches.values()) {
      if (cache.source === 'config' || cache.lastSuccessAt !== undefined) continue;
      if (!oldest || cache.addedAt < oldest.addedAt) oldest = cache;
    }
    if (!oldest) return false;
    this.#caches.delete(oldest.url);
    return true;
  }
}

const rested = (cache: GwcCacheState, now: number): boolean =>
  cache.lastContactAt === undefined || now - cache.lastContactAt >= GWC_REUSE_PERIOD_MS;

/** Lists are keyed by normalised URL; a URL that does not normalise is looked up as written. */
const keyOf = (url: string): string => normalizeCacheUrl(url) ?? url;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function time(value: unknown, now: number): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  return Math.min(value, now);
}
