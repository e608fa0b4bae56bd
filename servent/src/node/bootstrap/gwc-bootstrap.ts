/**
 * GWebCache rounds (bootstrap.md §6.3): what the servent calls when its host
 * cache, `X-Try-Ultrapeers` and UDP host caches left slots empty, and once an
 * hour to submit its own address when it may. One round asks at most
 * GWC_MAX_CACHES_PER_ROUND caches, one request each, and stops at the first
 * that gives hosts.
 */
import {
  GWC_REJECTED_IP_LIMIT,
  GWC_UPDATE_PERIOD_MS,
  type GwcAnswer,
  type GwcList,
  type GwcRequest,
  type GwcUpdate,
  gwcAnswerFault,
  gwcRequestPath,
} from '../../core/bootstrap/gwc.js';
import { isDottedIpv4, isValidPort } from '../../core/handshake/addresses.js';
import type { HostAddress } from '../../core/hosts/host-cache.js';
import type { Logger } from '../log.js';
import { fetchGwc, GwcError, type GwcFetchOptions, type GwcFetchResult } from './gwc-client.js';

/** Caches tried in one round before giving up until the next: a dead cache must not stall bootstrap, and one round must not sweep the list. */
export const GWC_MAX_CACHES_PER_ROUND = 3;

export interface GwcBootstrapOptions {
  list: GwcList;
  userAgent: string;
  /** Our 4-letter vendor code and version, sent as `client=` and `version=` (BOOT-12). */
  vendor: string;
  version: string;
  log: Logger;
  /** [0, 1), as Math.random; seeded in tests. */
  random: () => number;
  fetch?: (url: string, options: GwcFetchOptions) => Promise<GwcFetchResult>;
  /** Per request; fetchGwc's default when absent. */
  timeoutMs?: number;
}

/** Who we are, for updates (BOOT-16). */
export interface GwcSelf {
  /** Our external dotted IPv4. */
  address: string;
  port: number;
  /** updateAllowed() said yes right now. */
  allowUpdate: boolean;
}

export interface GwcRoundResult {
  hosts: HostAddress[];
  /** Cache URLs learned in this round and added to the list. */
  caches: string[];
}

export class GwcBootstrap {
  readonly #o: Required<Omit<GwcBootstrapOptions, 'timeoutMs'>> & { timeoutMs?: number };
  #lastUpdateAt: number | undefined;
  /** Caches that answered `Rejected IP` to our update (§6.3). */
  readonly #rejectedIpBy = new Set<string>();
  #busy = false;

  constructor(options: GwcBootstrapOptions) {
    this.#o = { ...options, fetch: options.fetch ?? fetchGwc };
  }

  /** When our address was last submitted and accepted or warned about. */
  get lastUpdateAt(): number | undefined {
    return this.#lastUpdateAt;
  }

  /** Several caches rejected our IP: we stop updating for this run (§6.3). */
  get updatesStopped(): boolean {
    return this.#rejectedIpBy.size >= GWC_REJECTED_IP_LIMIT;
  }

  /** Would a round at `now` with `self` carry an update (BOOT-16, once per GWC_UPDATE_PERIOD_MS)? */
  updateDue(now: number, self: GwcSelf | undefined): boolean {
    return (
      self?.allowUpdate === true &&
      // An address a cache could not take is no update at all (updateAllowed checks it too).
      isDottedIpv4(self.address) &&
      isValidPort(self.port) &&
      !this.updatesStopped &&
      (this.#lastUpdateAt === undefined || now - this.#lastUpdateAt >= GWC_UPDATE_PERIOD_MS)
    );
  }

  /**
   * One round. With `need.hosts`, `get=1`; with an update due, our address and
   * a cache that worked for us go in the same request (§6.3 "combine"),
   * otherwise with `ping=1` alone. Each cache is chosen at random among those
   * not asked within the hour (BOOT-15); a failing one is dropped and the
   * next tried (BOOT-14). A round already running makes this one return
   * nothing.
   */
  async round(
    now: number,
    need: { hosts: boolean },
    self?: GwcSelf,
    signal?: AbortSignal,
  ): Promise<GwcRoundResult> {
    const result: GwcRoundResult = { hosts: [], caches: [] };
    if (this.#busy) return result;
    this.#busy = true;
    try {
      let updateDue = this.updateDue(now, self);
      for (let tried = 0; tried < GWC_MAX_CACHES_PER_ROUND; tried++) {
        if (!need.hosts && !updateDue) break;
        if (signal?.aborted) break;
        const cache = this.#o.list.pick(now, this.#o.random);
        if (cache === undefined) {
          this.#o.log.debug('gwc: no cache may be asked now');
          break;
        }
        const update = updateDue && self ? this.#update(now, cache, self) : undefined;
        const outcome = await this.#ask(cache, now, need.hosts, update, signal);
        if (outcome === 'aborted') break;
        if (outcome === undefined) continue;
        for (const learned of outcome.caches) {
          if (this.#o.list.add(learned.url, now, { source: 'learned' })) {
            result.caches.push(learned.url);
          }
        }
        if (update) {
          updateDue = false;
          this.#noteUpdate(cache, now, outcome);
        }
        result.hosts.push(...outcome.hosts.map(({ host, port }) => ({ host, port })));
        if (result.hosts.length > 0) break;
      }
    } finally {
      this.#busy = false;
    }
    return result;
  }

  /** `ip=` is us; `url=` a cache that answered well, never the one we are asking (BOOT-16). */
  #update(now: number, cache: string, self: GwcSelf): GwcUpdate {
    const update: GwcUpdate = { ip: { host: self.address, port: self.port } };
    const working = this.#o.list.workingCache(now, cache);
    if (working !== undefined) update.url = working;
    return update;
  }

  /** One request; the answer if the cache answered properly, undefined if it was dropped. */
  async #ask(
    cache: string,
    now: number,
    get: boolean,
    update: GwcUpdate | undefined,
    signal: AbortSignal | undefined,
  ): Promise<GwcAnswer | 'aborted' | undefined> {
    const client = { vendor: this.#o.vendor, version: this.#o.version };
    const request: GwcRequest = { dialect: 'v2', client, get, ping: !get };
    if (update) request.update = update;
    const url = gwcRequestPath(cache, request);
    const options: GwcFetchOptions = { userAgent: this.#o.userAgent };
    if (this.#o.timeoutMs !== undefined) options.timeoutMs = this.#o.timeoutMs;
    if (signal) options.signal = signal;
    this.#o.list.contacted(cache, now);
    let answer: GwcAnswer;
    try {
      answer = (await this.#o.fetch(url, options)).answer;
    } catch (error) {
      const reason = error instanceof GwcError ? error.code : 'unreachable';
      if (reason === 'aborted') return 'aborted';
      this.#o.list.drop(cache, reason);
      this.#o.log.info({ cache, reason, error: String(error) }, 'gwc: cache dropped');
      return undefined;
    }
    const fault = gwcAnswerFault(answer);
    if (fault !== undefined) {
      this.#o.list.drop(cache, fault);
      // Its U| lines are redirects to caches that do serve Gnutella (§6.2).
      if (answer.netNotSupported) {
        for (const learned of answer.caches) {
          this.#o.list.add(learned.url, now, { source: 'learned' });
        }
      }
      this.#o.log.info({ cache, reason: fault }, 'gwc: cache dropped');
      return undefined;
    }
    this.#o.list.succeeded(cache, now);
    this.#o.log.info(
      { cache, hosts: answer.hosts.length, caches: answer.caches.length, style: answer.style },
      'gwc: cache answered',
    );
    return answer;
  }

  #noteUpdate(cache: string, now: number, answer: GwcAnswer): void {
    this.#lastUpdateAt = now;
    const outcome = answer.update;
    if (outcome === undefined || outcome === 'ok') return;
    this.#o.log.info({ cache, warning: outcome.warning }, 'gwc: update warning');
    if (/rejected ip/i.test(outcome.warning)) this.#rejectedIpBy.add(cache);
  }
}
