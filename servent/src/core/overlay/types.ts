/** What the overlay is given and what it hands back: options, link capabilities, events. */
import type { Pong, Push, QueryHit } from '../wire/index.js';
import type { OverlayTunables } from './tunables.js';

export type { PeerCapabilities } from '../handshake/capabilities.js';

/** An incoming query as local matching needs it (search/library.ts `SearchQuery` has this shape). */
export interface LocalQuery {
  criteria: string;
  /** SHA-1s of its `urn:sha1:` / `urn:bitprint:` / GGEP `H` extensions. */
  sha1s: readonly Uint8Array[];
  whatsNew: boolean;
}

/** One shared file found for a query (search/library.ts `SharedFile` has these fields). */
export interface LocalResult {
  index: number;
  name: string;
  size: number;
  sha1?: Uint8Array;
  /** Tiger tree root, when known: sent as GGEP `TT`. */
  tigerRoot?: Uint8Array;
}

/** Our library, as the overlay needs it; search/library.ts `Library` satisfies it. */
export interface LocalSearch {
  /** At most `limit` files matching `query`. */
  match(query: LocalQuery, limit: number): LocalResult[];
  /** Every keyword our QRP table must hold (qrp.md §2.1, §2.6). */
  qrpKeywords(): Iterable<string>;
}

/** What our pongs and hits say about us. */
export interface SelfInfo {
  /** Dotted IPv4 address peers reach us at. */
  host: string;
  port: number;
  sharedFiles: number;
  sharedKilobytes: number;
  /** We cannot take incoming connections: hits ask for a Push (MSG-29). */
  firewalled?: boolean;
  /** Our push proxies, for GGEP PUSH in hits (PUSH-13, at most 4 used). */
  pushProxies?: ReadonlyArray<{ host: string; port: number }>;
  /** For GGEP `DU` in our pongs: average uptime per day, in seconds. */
  dailyUptimeS?: number;
  /** For GGEP `UP` in an ultrapeer's pongs: slots a newcomer may still take. */
  freeLeafSlots?: number;
  freeUltrapeerSlots?: number;
}

export interface OverlayOptions {
  mode: 'ultrapeer' | 'leaf';
  /** 16 bytes; ends our query hits (MSG-28), names us in Pushes. */
  serventId: Uint8Array;
  /** `random(n)`: n random bytes, for GUIDs. */
  random: (n: number) => Uint8Array;
  now: number;
  self(): SelfInfo;
  search: LocalSearch;
  /** EQHD vendor code of our hits: 4 letters (messages.md §10). Default `DEFAULT_VENDOR_CODE`. */
  vendorCode?: string;
  /**
   * We advertised X-Ext-Probes: a higher-TTL copy of a query already seen is
   * relayed again, not answered again (RT-2, MSG-12). Default false.
   */
  extProbes?: boolean;
  tunables?: Partial<OverlayTunables>;
  /** Up to `limit` ultrapeers we know, for IPP in answers to pings with SCP (RT-16). */
  ultrapeerHosts?: (limit: number) => Array<{ host: string; port: number }>;
}

export type OverlayEvent =
  /** A hit for one of our own searches. */
  | { type: 'search-result'; guid: Uint8Array; link: number; hops: number; hit: QueryHit }
  /**
   * The shell ends the link: its queue has been handed out (a Bye, when due,
   * was the last message) or the flush timed out, or the peer said Bye.
   */
  | { type: 'close-link'; link: number; reason: string }
  /** A Push naming our servent id. */
  | { type: 'push-for-us'; link: number; push: Push }
  /** A peer asks us to connect back to its address at `port` (BEAR/7). */
  | { type: 'connect-back'; link: number; port: number }
  /** An ultrapeer sent its Messages Supported: requests it listed may go to it now (VM-7). */
  | { type: 'vendor-list'; link: number }
  /** An ultrapeer is our push proxy (LIME/22); v1 gives no address: the link's peer. */
  | { type: 'push-proxy'; link: number; port: number; address?: string }
  /**
   * A pong received: a host learned (an ultrapeer by its KB mark or GGEP
   * `UP`), plus the ultrapeers packed in its IPP and, with UDPHC, a UDP host
   * cache at the pong's address ('' ) or at the DNS name given (BOOT-8).
   */
  | {
      type: 'pong';
      link: number;
      pong: Pong;
      hops: number;
      ultrapeer: boolean;
      ipp: Array<{ host: string; port: number }>;
      udpHostCache?: string;
    };
