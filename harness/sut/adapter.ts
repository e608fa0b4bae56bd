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

export interface SutAdapter {
  readonly name: string;
  readonly image: string;
  readonly gnutellaPort: number;
  /** The control port, when the servent has one the adapter can drive. */
  readonly controlPort: number | undefined;
  command(role: NodeRole): string[];
  status?(control: Endpoint): Promise<ReportedStatus>;
  disconnect?(control: Endpoint, connectionId: number): Promise<void>;
}

export class AdapterCapabilityError extends Error {
  override readonly name = 'AdapterCapabilityError';
  constructor(adapter: string, capability: string) {
    super(
      `the '${adapter}' SUT adapter cannot ${capability}; this scenario needs it (tag it or choose another adapter)`,
    );
  }
}
