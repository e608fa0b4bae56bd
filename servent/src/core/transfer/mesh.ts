/**
 * The download mesh (http-transfers.md §8): for each file, the hosts said to
 * serve it — by hits, by `X-Alt` in requests and responses (good) and by
 * `X-NAlt` and our own failed transfers (bad) — and what to tell the next
 * peer. Reports come from strangers, so one report never evicts (HTTP-16) and
 * every table is bounded.
 *
 * Files are keyed by SHA-1 URN strings, `urn:sha1:` and 32 base32 characters
 * as `sha1Urn` and `X-Gnutella-Content-URN` write them; any case is read, and
 * stored upper case. Hosts are dotted IPv4 and port.
 */

import { UsageError } from '../errors.js';
import { type HostPort, isDottedIpv4, isValidPort } from '../handshake/addresses.js';

export interface AltLocMeshOptions {
  /** Hosts kept per file: gtk-gnutella's 256 (§8). */
  maxPerFile?: number;
  /** A host not reported good for this long is dropped: gtk-gnutella's 12 h (§8). */
  lifetimeMs?: number;
  /** Files with a mesh; past it the least recently touched file is forgotten. */
  maxFiles?: number;
}

const DEFAULTS: Required<AltLocMeshOptions> = {
  maxPerFile: 256,
  lifetimeMs: 12 * 60 * 60 * 1000,
  maxFiles: 10_000,
};

interface AltLoc {
  host: string;
  port: number;
  /** Good reports so far: repeated ones raise the rank (LimeWire). */
  good: number;
  /** One bad report since the last good one: sent last; a second removes it (HTTP-16). */
  demoted: boolean;
  /** When last reported good. */
  seenAt: number;
}

const SHA1_KEY = /^urn:sha1:([a-z2-7]{32})$/i;

function fileKey(key: string): string {
  const match = SHA1_KEY.exec(key);
  if (!match) {
    throw new UsageError(
      `mesh keys are "urn:sha1:" and 32 base32 characters, got ${JSON.stringify(key)}`,
    );
  }
  return `urn:sha1:${match[1]!.toUpperCase()}`;
}

const hostKey = (host: HostPort): string => `${host.host}:${host.port}`;

/** HTTP-15: a dotted IPv4 other than 0.0.0.0 and 255.255.255.255, a port other than 0. */
const isUsable = (host: HostPort): boolean =>
  isDottedIpv4(host.host) &&
  host.host !== '0.0.0.0' &&
  host.host !== '255.255.255.255' &&
  isValidPort(host.port);

/** Send order: demoted last, then more good reports, then more recently seen. */
const rank = (a: AltLoc, b: AltLoc): number =>
  Number(a.demoted) - Number(b.demoted) || b.good - a.good || b.seenAt - a.seenAt;

/**
 * Alt-locs per file. Unusable hosts are ignored silently (HTTP-15); whether
 * a host is private or our own is the caller's to filter, as only it knows.
 */
export class AltLocMesh {
  readonly #options: Required<AltLocMeshOptions>;
  /** File key → host key → alt-loc; Map order is least recently touched first. */
  readonly #files = new Map<string, Map<string, AltLoc>>();

  constructor(options: AltLocMeshOptions = {}) {
    this.#options = { ...DEFAULTS, ...options };
    const { maxPerFile, lifetimeMs, maxFiles } = this.#options;
    if (![maxPerFile, lifetimeMs, maxFiles].every((n) => Number.isSafeInteger(n) && n > 0)) {
      throw new UsageError(
        `maxPerFile, lifetimeMs and maxFiles must be positive integers, got ${maxPerFile}, ${lifetimeMs}, ${maxFiles}`,
      );
    }
  }

  /** A report that `host` serves the file: adds it, or refreshes, ranks up and promotes it. */
  addGood(sha1Key: string, host: HostPort, now: number): void {
    const key = fileKey(sha1Key);
    if (!isUsable(host)) return;
    const locs = this.#touch(key, now) ?? this.#create(key);
    const known = locs.get(hostKey(host));
    if (known) {
      known.good++;
      known.demoted = false;
      known.seenAt = now;
      return;
    }
    // A newcomer always gets in, at the cost of the worst held: otherwise hosts
    // reported often but since gone would lock fresh ones out until they expire.
    if (locs.size >= this.#options.maxPerFile) {
      const worst = [...locs.values()].sort(rank).at(-1)!;
      locs.delete(hostKey(worst));
    }
    locs.set(hostKey(host), {
      host: host.host,
      port: host.port,
      good: 1,
      demoted: false,
      seenAt: now,
    });
  }

  /** A report that `host` failed: the first demotes it, a second in a row removes it (HTTP-16). */
  addBad(sha1Key: string, host: HostPort, now: number): void {
    const key = fileKey(sha1Key);
    const locs = this.#touch(key, now);
    const known = locs?.get(hostKey(host));
    if (!locs || !known) return;
    if (!known.demoted) known.demoted = true;
    else {
      locs.delete(hostKey(host));
      if (locs.size === 0) this.#files.delete(key);
    }
  }

  /** Up to `n` live hosts for the file, best first, skipping those `exclude` names (HTTP-14). */
  pick(sha1Key: string, n: number, exclude: (host: HostPort) => boolean, now: number): HostPort[] {
    const locs = this.#touch(fileKey(sha1Key), now);
    if (!locs) return [];
    const picked: HostPort[] = [];
    for (const loc of [...locs.values()].sort(rank)) {
      if (picked.length >= n) break;
      const host = { host: loc.host, port: loc.port };
      if (!exclude(host)) picked.push(host);
    }
    return picked;
  }

  /** Hosts held for the file, counting any that expired since it was last touched. */
  size(sha1Key: string): number {
    return this.#files.get(fileKey(sha1Key))?.size ?? 0;
  }

  /** Drops the file's mesh, e.g. when its download is cancelled. */
  forget(sha1Key: string): void {
    this.#files.delete(fileKey(sha1Key));
  }

  /** The file's alt-locs with the expired ones purged, now most recently touched; undefined if none. */
  #touch(key: string, now: number): Map<string, AltLoc> | undefined {
    const locs = this.#files.get(key);
    if (!locs) return undefined;
    this.#files.delete(key);
    for (const [id, loc] of locs) {
      if (now - loc.seenAt >= this.#options.lifetimeMs) locs.delete(id);
    }
    if (locs.size === 0) return undefined;
    this.#files.set(key, locs);
    return locs;
  }

  #create(key: string): Map<string, AltLoc> {
    const locs = new Map<string, AltLoc>();
    this.#files.set(key, locs);
    if (this.#files.size > this.#options.maxFiles) {
      this.#files.delete(this.#files.keys().next().value!);
    }
    return locs;
  }
}

export interface SentAltLocsOptions {
  /** Hosts remembered; once full, nothing more is sent on the connection. */
  maxHosts?: number;
}

/**
 * The alt-locs already sent on one HTTP connection for one file, so none is
 * sent twice (HTTP-14). A connection that turns to another file needs a new
 * one: an alt-loc is a host for a file. When the bound is reached nothing
 * more is sent, which keeps the promise never to repeat.
 */
export class SentAltLocs {
  readonly #sent = new Set<string>();
  readonly #maxHosts: number;

  constructor(options: SentAltLocsOptions = {}) {
    this.#maxHosts = options.maxHosts ?? 1024;
    if (!Number.isSafeInteger(this.#maxHosts) || this.#maxHosts < 0) {
      throw new UsageError(`maxHosts must be a non-negative integer, got ${this.#maxHosts}`);
    }
  }

  /** Whether `host` was sent: an `exclude` for `AltLocMesh.pick`. */
  has(host: HostPort): boolean {
    return this.#sent.has(hostKey(host));
  }

  /** The hosts not sent yet (each once), now marked sent. */
  take(hosts: Iterable<HostPort>): HostPort[] {
    const fresh: HostPort[] = [];
    for (const host of hosts) {
      const id = hostKey(host);
      if (this.#sent.has(id) || this.#sent.size >= this.#maxHosts) continue;
      this.#sent.add(id);
      fresh.push({ host: host.host, port: host.port });
    }
    return fresh;
  }
}
