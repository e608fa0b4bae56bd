/**
 * Hosts this servent may dial: the peers it was told about at start and the
 * ultrapeers it learned from `X-Try-Ultrapeers` / `X-Try` headers. Bounded, with a
 * back-off per host so a refusing or dead host is not hammered.
 */

export interface HostAddress {
  host: string;
  port: number;
}

export interface HostListOptions {
  /** Most hosts kept; the oldest learned, non-pinned host goes first. */
  maxHosts: number;
  /** How long a host rests after a dial before it may be dialled again. */
  retryAfterMs: number;
}

export const DEFAULT_HOST_LIST_OPTIONS: HostListOptions = { maxHosts: 200, retryAfterMs: 60_000 };

interface Entry extends HostAddress {
  /** Given on the command line: never evicted. */
  pinned: boolean;
  learnedAt: number;
  lastDialAt: number | undefined;
}

export const hostKey = (a: HostAddress): string => `${a.host}:${a.port}`;

export class HostList {
  readonly #options: HostListOptions;
  readonly #entries = new Map<string, Entry>();

  constructor(options: Partial<HostListOptions> = {}) {
    this.#options = { ...DEFAULT_HOST_LIST_OPTIONS, ...options };
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Adds a host; a host already known keeps its history. */
  add(address: HostAddress, now: number, pinned = false): void {
    const key = hostKey(address);
    const known = this.#entries.get(key);
    if (known) {
      known.pinned ||= pinned;
      return;
    }
    if (this.#entries.size >= this.#options.maxHosts && !this.#evictOne()) return;
    this.#entries.set(key, { ...address, pinned, learnedAt: now, lastDialAt: undefined });
  }

  /** The next host worth dialling now, skipping those in `busy` (connected or being dialled). */
  nextToDial(now: number, busy: ReadonlySet<string>): HostAddress | undefined {
    let best: Entry | undefined;
    for (const [key, entry] of this.#entries) {
      if (busy.has(key) || !this.#rested(entry, now)) continue;
      // Pinned hosts first, then the least recently dialled.
      if (!best || rank(entry) < rank(best)) best = entry;
    }
    return best && { host: best.host, port: best.port };
  }

  markDialled(address: HostAddress, now: number): void {
    const entry = this.#entries.get(hostKey(address));
    if (entry) entry.lastDialAt = now;
  }

  /** When the soonest resting host may be dialled again, for the shell's timer. */
  nextRetryAt(busy: ReadonlySet<string>): number | undefined {
    let soonest: number | undefined;
    for (const [key, entry] of this.#entries) {
      if (busy.has(key) || entry.lastDialAt === undefined) continue;
      const at = entry.lastDialAt + this.#options.retryAfterMs;
      if (soonest === undefined || at < soonest) soonest = at;
    }
    return soonest;
  }

  /** Up to `limit` hosts, pinned and most recently learned first, for X-Try-Ultrapeers. */
  sample(limit: number, exclude: ReadonlySet<string>): HostAddress[] {
    return [...this.#entries.entries()]
      .filter(([key]) => !exclude.has(key))
      .map(([, e]) => e)
      .sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.learnedAt - a.learnedAt)
      .slice(0, limit)
      .map((e) => ({ host: e.host, port: e.port }));
  }

  #rested(entry: Entry, now: number): boolean {
    return entry.lastDialAt === undefined || now - entry.lastDialAt >= this.#options.retryAfterMs;
  }

  #evictOne(): boolean {
    let oldest: [string, Entry] | undefined;
    for (const pair of this.#entries) {
      if (pair[1].pinned) continue;
      if (!oldest || pair[1].learnedAt < oldest[1].learnedAt) oldest = pair;
    }
    if (!oldest) return false;
    this.#entries.delete(oldest[0]);
    return true;
  }
}

const rank = (e: Entry): number => (e.pinned ? -1e15 : 0) + (e.lastDialAt ?? -1);
