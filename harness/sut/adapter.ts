/**
 * How the harness drives a servent under test. Black-box scenarios need only an
 * image, its Gnutella port and a way to start it in a role; scenarios that read
 * or steer the node's state need the control functions, which an adapter may
 * leave out (such scenarios then fail with a message naming what is missing).
 */
import type { Endpoint } from '../peers/fixture-peer.js';

export interface NodeRole {
  mode: 'ultrapeer' | 'leaf';
  /** Peers the node dials at start. */
  peers?: Endpoint[];
  maxLeaves?: number;
  maxUltrapeers?: number;
  leafUltrapeers?: number;
  /** Offer compressed links (default: the servent's own default). */
  deflate?: boolean;
  handshakeTimeoutMs?: number;
  /**
   * The node shares files: the harness puts them in the adapter's `shareDir`
   * before start and the command line points the servent there (and at
   * `dataDir` for its state).
   */
  shares?: boolean;
  /** Uploads served at once, and the active queue's poll window (http-transfers.md §7). */
  uploadSlots?: number;
  uploadPollMinS?: number;
  uploadPollMaxS?: number;
  /** UDP host caches to bootstrap from (bootstrap.md §5). */
  udpHostCaches?: Endpoint[];
  /** GWebCache URLs to bootstrap from (§6). */
  webCaches?: string[];
}

/** One download as the node reports it. */
export interface ReportedDownload {
  urn: string;
  name: string;
  state: string;
  size?: number;
  /** Where the finished file is, in the node's filesystem. */
  path?: string;
  verifiedBytes: number;
  /** The Tiger tree it checked blocks against, if any (http-transfers.md §10.5). */
  tree?: { depth: number; blockSize: number };
  /** Verified ranges, half-open [start, end). */
  verified: Array<[number, number]>;
  sources: Array<{ source: string; state: string; bytes: number; firewalled?: boolean }>;
}

/** One connection as the node reports it. */
export interface ReportedConnection {
  id: number;
  direction: 'inbound' | 'outbound';
  remote: Endpoint;
  state: string;
  peerHeaders: Record<string, string>;
}

export interface ReportedStatus {
  mode: string;
  listen: Endpoint;
  connections: ReportedConnection[];
}

/** Routing counters (ultrapeers-and-routing.md §6; STYLE: every drop counted with its reason). */
export interface ReportedStats {
  /** Dropped messages by reason, as the servent names them. */
  drops: Record<string, number>;
  /** Messages read and written, by payload type code (0x80 = Query, ...). */
  messagesIn: Record<number, number>;
  messagesOut: Record<number, number>;
  links: ReportedLink[];
}

export interface ReportedLink {
  id: number;
  remote: Endpoint;
  /** Whether the peer's QRP table is complete, and its present slots. */
  qrp: { received: boolean; present: number } | undefined;
  drops: number;
}

/** One result of the node's own search. */
export interface ReportedResult {
  name: string;
  size: number;
  /** Upper-case base32 SHA-1, whatever form the node reported it in; undefined if it gave none. */
  sha1: string | undefined;
  host: string;
  port: number;
  serventId: string;
  /** The hit asked for a push (EQHD push flag). */
  firewalled: boolean;
  /** Push proxies the hit named (GGEP PUSH), `ip:port`. */
  pushProxies: string[];
}

/** One file of the node's library. */
export interface ReportedShare {
  index: number;
  name: string;
  size: number;
  /** Upper-case base32, undefined while not hashed yet. */
  sha1: string | undefined;
}

export interface SutAdapter {
  readonly name: string;
  readonly image: string;
  readonly gnutellaPort: number;
  /** The control port, when the servent has one the adapter can drive. */
  readonly controlPort: number | undefined;
  /** Where shared files go in the container, when the servent can share files. */
  readonly shareDir?: string;
  /** Directories the servent writes its state to: created empty, owned by `owner`. */
  readonly dataDirs?: readonly string[];
  /** The uid and gid the servent runs as, to own its share and state directories. */
  readonly owner?: { uid: number; gid: number };
  command(role: NodeRole): string[];
  /** Where the node keeps its host cache, if the harness may read it (waits before a restart). */
  hostCacheFile?: string;
  status?(control: Endpoint): Promise<ReportedStatus>;
  disconnect?(control: Endpoint, connectionId: number): Promise<void>;
  /** Dial a peer now. */
  connect?(control: Endpoint, peer: Endpoint): Promise<void>;
  stats?(control: Endpoint): Promise<ReportedStats>;
  /** Starts a search from the node; returns its GUID (32 hex digits, lower case). */
  search?(control: Endpoint, text: string, ttl?: number): Promise<string>;
  searchResults?(control: Endpoint, guid: string): Promise<ReportedResult[]>;
  /** Tells the node it wants no more results for a search (a leaf then tells its ultrapeers). */
  stopSearch?(control: Endpoint, guid: string): Promise<void>;
  shares?(control: Endpoint): Promise<ReportedShare[]>;
  /** Starts downloading what a magnet names; returns the URNs of the downloads. */
  download?(control: Endpoint, magnet: string): Promise<string[]>;
  downloadStatus?(control: Endpoint, urn: string): Promise<ReportedDownload>;
  /** The servent's own command line that downloads a magnet and waits (run inside the node). */
  downloadCommand?(magnet: string): string[];
}

export class AdapterCapabilityError extends Error {
  override readonly name = 'AdapterCapabilityError';
  constructor(adapter: string, capability: string) {
    super(
      `the '${adapter}' SUT adapter cannot ${capability}; this scenario needs it (tag it or choose another adapter)`,
    );
  }
}
