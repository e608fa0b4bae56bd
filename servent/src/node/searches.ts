/**
 * Our own searches and the results that came back, for the control API:
 * bounded (oldest search forgotten first, results capped per search), with
 * subscribers so results can stream to a client as they arrive.
 */
import { guidToHex } from '../core/wire/index.js';

export interface SearchResult {
  name: string;
  size: number;
  index: number;
  sha1: string | undefined;
  host: string;
  port: number;
  serventId: string;
  /** The responder asked for pushes (EQHD push flag): it cannot be connected to. */
  firewalled: boolean;
  /** Its push proxies (GGEP PUSH), `ip:port`. */
  pushProxies: string[];
  hops: number;
  receivedAt: string;
}

export interface SearchRecord {
  guid: string;
  text: string;
  startedAt: string;
  results: SearchResult[];
}

/** Searches kept for the control API. */
const MAX_SEARCHES = 50;
/** Results kept per search: more than any user pages through. */
const MAX_RESULTS = 2_000;

export class Searches {
  readonly #records = new Map<string, SearchRecord>();
  readonly #listeners = new Map<string, Set<(r: SearchResult) => void>>();

  start(guid: Uint8Array, text: string, now: Date): SearchRecord {
    const record: SearchRecord = {
      guid: guidToHex(guid),
      text,
      startedAt: now.toISOString(),
      results: [],
    };
    this.#records.set(record.guid, record);
    for (const old of this.#records.keys()) {
      if (this.#records.size <= MAX_SEARCHES) break;
      this.#records.delete(old);
      this.#listeners.delete(old);
    }
    return record;
  }

  get(guid: string): SearchRecord | undefined {
    return this.#records.get(guid.toLowerCase());
  }

  list(): SearchRecord[] {
    return [...this.#records.values()];
  }

  add(guid: Uint8Array, results: SearchResult[]): void {
    const record = this.#records.get(guidToHex(guid));
    if (!record) return;
    for (const r of results) {
      if (record.results.length >= MAX_RESULTS) return;
      record.results.push(r);
      for (const listener of this.#listeners.get(record.guid) ?? []) listener(r);
    }
  }

  /** Results of every search kept that name SHA-1 `urn`, newest last. */
  withUrn(urn: string): SearchResult[] {
    const wanted = urn.toUpperCase();
    return [...this.#records.values()].flatMap((r) =>
      r.results.filter((x) => x.sha1?.toUpperCase() === wanted),
    );
  }

  /** Calls `listener` for every later result of that search; returns the unsubscribe function. */
  subscribe(guid: string, listener: (r: SearchResult) => void): () => void {
    const key = guid.toLowerCase();
    let set = this.#listeners.get(key);
    if (!set) {
      set = new Set();
      this.#listeners.set(key, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }
}
