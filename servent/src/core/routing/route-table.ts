/**
 * A bounded map with a lifetime, in two generations: entries live in `current`
 * until it is older than the lifetime, then move to `previous`, which is dropped
 * at the next rotation. An entry thus lives between one and two lifetimes, with
 * no per-entry timers (LimeWire's route tables work this way; RT-5 asks for at
 * least 5 minutes for query routes and 7 for push routes).
 *
 * Used for GUID → connection routes (pings, queries), servent id → connection
 * (pushes), and the duplicate table.
 */

export interface RouteTableOptions {
  /** An entry survives at least this long (and at most twice it). */
  lifetimeMs: number;
  /** Most entries across both generations; the oldest generation goes first when full. */
  maxEntries: number;
}

export class RouteTable<K, V> {
  readonly #options: RouteTableOptions;
  #current = new Map<K, V>();
  #previous = new Map<K, V>();
  #rotatedAt: number;

  constructor(options: RouteTableOptions, now: number) {
    this.#options = options;
    this.#rotatedAt = now;
  }

  get size(): number {
    return this.#current.size + this.#previous.size;
  }

  get(key: K, now: number): V | undefined {
    this.#expire(now);
    return this.#current.get(key) ?? this.#previous.get(key);
  }

  has(key: K, now: number): boolean {
    return this.get(key, now) !== undefined;
  }

  /** Sets or refreshes an entry; a refreshed entry starts a new lifetime. */
  set(key: K, value: V, now: number): void {
    this.#expire(now);
    this.#previous.delete(key);
    this.#current.set(key, value);
    if (this.size > this.#options.maxEntries) this.#evict();
  }

  delete(key: K): void {
    this.#current.delete(key);
    this.#previous.delete(key);
  }

  /** Drops every entry whose value matches, e.g. the routes through a closed connection. */
  deleteWhere(match: (value: V) => boolean): void {
    for (const map of [this.#current, this.#previous]) {
      for (const [k, v] of map) if (match(v)) map.delete(k);
    }
  }

  #expire(now: number): void {
    const age = now - this.#rotatedAt;
    if (age < this.#options.lifetimeMs) return;
    // Two lifetimes without activity: both generations are stale.
    this.#previous = age >= 2 * this.#options.lifetimeMs ? new Map() : this.#current;
    this.#current = new Map();
    this.#rotatedAt = now;
  }

  /** Over the bound: the older generation shrinks first, then the oldest entries of the current one. */
  #evict(): void {
    let excess = this.size - this.#options.maxEntries;
    for (const map of [this.#previous, this.#current]) {
      for (const key of map.keys()) {
        if (excess <= 0) return;
        map.delete(key);
        excess--;
      }
    }
  }
}
