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
  /** An entry survives at least this long (and at most twice it), unless the table fills first. */
  lifetimeMs: number;
  /**
   * Most entries across both generations. A generation that reaches half of
   * it rotates early, so under a flood the oldest entries go first, in O(1).
   */
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
    if (this.#current.size >= this.#generationLimit) this.#rotate(now);
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

  get #generationLimit(): number {
    return Math.max(1, Math.floor(this.#options.maxEntries / 2));
  }

  #expire(now: number): void {
    const age = now - this.#rotatedAt;
    if (age < this.#options.lifetimeMs) return;
    // Two lifetimes without activity: both generations are stale.
    if (age >= 2 * this.#options.lifetimeMs) this.#current = new Map();
    this.#rotate(now);
  }

  #rotate(now: number): void {
    this.#previous = this.#current;
    this.#current = new Map();
    this.#rotatedAt = now;
  }
}
