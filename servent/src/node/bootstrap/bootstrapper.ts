/**
 * Network bootstrap (bootstrap.md §1): when the host cache has nobody left
 * to dial and no ultrapeer connection is up, ping UDP host caches; only when
 * they gave nothing usable (none known, none due, no answer pending) ask a
 * GWebCache (§6.3). The servent says when bootstrap is needed; this decides
 * which source to use and keeps trying every few seconds until it is not
 * needed any more (BOOT-9: stop once connected).
 */
import type { GwcList } from '../../core/bootstrap/gwc.js';
import type { UhcClient } from '../../core/bootstrap/uhc.js';
import type { HostAddress } from '../../core/hosts/host-cache.js';
import type { Logger } from '../log.js';
import type { GwcBootstrap, GwcSelf } from './gwc-bootstrap.js';
import type { UdpService } from './udp-service.js';

/** How often bootstrap looks again while it is needed (LimeWire retries UHCs every 10 s). */
const RETRY_MS = 10_000;
/** How often an ultrapeer checks whether its hourly GWebCache update is due (BOOT-16). */
const UPDATE_CHECK_MS = 10 * 60_000;

export interface BootstrapperOptions {
  log: Logger;
  uhc: UhcClient;
  /** The UDP socket; without one (the port was taken) only GWebCaches are asked. */
  udp: UdpService | undefined;
  gwcList: GwcList;
  gwc: GwcBootstrap;
  /** Bootstrap is needed now: nothing to dial, no ultrapeer connected. */
  needed: () => boolean;
  /** We are an ultrapeer: SCP bit 0 (BOOT-5). */
  ultrapeer: () => boolean;
  /** Who we are for a GWebCache update; undefined when we may not update (BOOT-16). */
  gwcSelf: () => GwcSelf | undefined;
  /** Hosts a cache gave us. */
  learned: (hosts: HostAddress[], from: 'uhc' | 'gwc') => void;
  /** The cache lists changed: time to save them. */
  changed: () => void;
}

export class Bootstrapper {
  readonly #o: BootstrapperOptions;
  #timer: NodeJS.Timeout | undefined;
  #updateTimer: NodeJS.Timeout | undefined;
  #gwcRunning = false;
  #stopped = false;
  readonly #abort = new AbortController();

  constructor(options: BootstrapperOptions) {
    this.#o = options;
  }

  start(): void {
    this.#updateTimer = setInterval(() => this.#maybeUpdate(), UPDATE_CHECK_MS).unref();
  }

  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
    clearTimeout(this.#timer);
    clearInterval(this.#updateTimer);
  }

  /** The servent could not fill its slots from the host cache: try the network sources. */
  kick(): void {
    if (this.#stopped || !this.#o.needed()) return;
    const now = Date.now();
    const { uhc, udp } = this.#o;
    if (uhc.expire(now).length > 0) this.#o.changed();
    const due = udp ? uhc.due(now, (n) => crypto.getRandomValues(new Uint8Array(n))) : [];
    for (const cache of due) {
      this.#o.log.info({ cache }, 'pinging UDP host cache');
      udp?.pingCache(cache, this.#o.ultrapeer(), now);
    }
    const uhcPending = uhc.nextTimeout() !== undefined;
    if (due.length === 0 && !uhcPending) this.#askWebCache(now);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.kick(), RETRY_MS).unref();
  }

  /** A UHC answered (the UDP service matched it): its hosts, and the caches it named. */
  uhcAnswered(hosts: HostAddress[], caches: HostAddress[]): void {
    const now = Date.now();
    for (const cache of caches) this.#o.uhc.add(cache, now, { source: 'phc' });
    this.#o.changed();
    if (hosts.length > 0) this.#o.learned(hosts, 'uhc');
  }

  #askWebCache(now: number): void {
    if (this.#gwcRunning || this.#o.gwcList.size === 0) return;
    this.#gwcRunning = true;
    this.#o.gwc
      .round(now, { hosts: true }, this.#o.gwcSelf(), this.#abort.signal)
      .then((result) => {
        this.#o.changed();
        if (result.hosts.length > 0) {
          this.#o.log.info({ hosts: result.hosts.length }, 'hosts from a GWebCache');
          this.#o.learned(result.hosts, 'gwc');
        }
      })
      .catch((err: Error) => this.#o.log.warn({ err: err.message }, 'GWebCache round failed'))
      .finally(() => {
        this.#gwcRunning = false;
      });
  }

  /** An ultrapeer that may update tells a cache about itself once an hour, with no hosts asked (BOOT-16). */
  #maybeUpdate(): void {
    const self = this.#o.gwcSelf();
    const now = Date.now();
    if (this.#gwcRunning || !this.#o.gwc.updateDue(now, self)) return;
    this.#gwcRunning = true;
    this.#o.gwc
      .round(now, { hosts: false }, self, this.#abort.signal)
      .then(() => this.#o.changed())
      .catch((err: Error) => this.#o.log.warn({ err: err.message }, 'GWebCache update failed'))
      .finally(() => {
        this.#gwcRunning = false;
      });
  }
}
