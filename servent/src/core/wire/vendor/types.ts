/**
 * Decoded vendor messages (payload types 0x31 and 0x32, vendor-messages.md §4).
 *
 * Vendor ids and feature names are 4-character strings, one character per
 * byte (latin1), so `'BEAR'` compares case-sensitively as VM-5 asks and the
 * null vendor is `NULL_VENDOR`. Every variant carries the version it was
 * read with; encoding writes that version back.
 */

import type { Guid } from '../guid.js';

/** A (vendor, selector, version) triple, the unit Messages Supported lists. */
export interface VendorMessageId {
  vendor: string;
  selector: number;
  version: number;
}

/** null/0v0: the vendor messages the sender understands (§2, §4). */
export interface MessagesSupported {
  kind: 'messages-supported';
  version: 0;
  /** In wire order; gtk-gnutella lists one entry per version, so pairs may repeat. */
  entries: VendorMessageId[];
}

/** A capability name (4 bytes) and its version. */
export interface FeatureEntry {
  name: string;
  version: number;
}

/** null/10: gtk-gnutella "Features Supported" (v0), LimeWire Capabilities (v1) (§2). */
export interface FeaturesSupported {
  kind: 'features-supported';
  version: 0 | 1;
  /** The u16-versioned vector every sender writes. */
  features: FeatureEntry[];
  /** LimeWire's optional second vector with u32 versions; null when absent. */
  wideFeatures: FeatureEntry[] | null;
}

/** BEAR/4v1: the sender wants only queries whose Hops is below `hops` (§4, VM-8). */
export interface HopsFlow {
  kind: 'hops-flow';
  version: 1;
  hops: number;
}

/** BEAR/7v1: connect to the sender's address at `port` over TCP (§4, VM-9). */
export interface TcpConnectBack {
  kind: 'tcp-connect-back';
  version: 1;
  port: number;
}

/**
 * GTKG/7: send a UDP Ping to the sender's address at `port` (§4, VM-11). The
 * ping's GUID is `guid` in v1 and the vendor message's header GUID in v2.
 */
export type UdpConnectBack =
  | { kind: 'udp-connect-back'; version: 1; port: number; guid: Guid }
  | { kind: 'udp-connect-back'; version: 2; port: number };

/** BEAR/11v1: empty; the header GUID names the leaf's query (§4, VM-12). */
export interface QueryStatusRequest {
  kind: 'query-status-request';
  version: 1;
}

/** BEAR/12v1: results the leaf kept for the query in the header GUID; `QUERY_STATUS_STOP` ends it (§4, VM-12). */
export interface QueryStatusResponse {
  kind: 'query-status-response';
  version: 1;
  kept: number;
}

/**
 * LIME/12: hits the responder holds for the query in the header GUID (§4,
 * VM-14). v1 is obsolete (hits only). v3 may carry bytes after the first two,
 * kept opaque in `ggep` because readers must not reject them.
 */
export type OobReplyNumber =
  | { kind: 'oob-reply-number'; version: 1; hits: number }
  | { kind: 'oob-reply-number'; version: 2; hits: number; flags: number }
  | { kind: 'oob-reply-number'; version: 3; hits: number; flags: number; ggep: Uint8Array };

/**
 * LIME/11: hits the querier wants delivered for the query in the header GUID
 * (§4, VM-15). v3 follows the count with a GGEP block holding the `SO`
 * token, kept opaque here.
 */
export type OobAck =
  | { kind: 'oob-ack'; version: 2; wanted: number }
  | { kind: 'oob-ack'; version: 3; wanted: number; ggep: Uint8Array };

/** LIME/13v1: a leaf's veto on OOB-proxying its queries (§4, VM-20). */
export interface OobProxyControl {
  kind: 'oob-proxy-control';
  version: 1;
  /**
   * Do not proxy queries of OOB version ≤ this; 0 allows all. null: the byte
   * is absent, which vetoes every version.
   */
  maxDisabledVersion: number | null;
}

/** LIME/21: empty; the header GUID is the leaf's servent id (§4, VM-17, VM-18). */
export interface PushProxyRequest {
  kind: 'push-proxy-request';
  version: 1 | 2;
}

/**
 * LIME/22: the proxy's address (§4, VM-17, VM-19). v1 has the port only: the
 * proxy is the connection's remote address.
 */
export type PushProxyAck =
  | { kind: 'push-proxy-ack'; version: 1; port: number }
  | { kind: 'push-proxy-ack'; version: 2; address: string; port: number };

/**
 * Any (vendor, selector, version) without a typed body here, kept whole so it
 * re-encodes byte for byte (VM-3). To craft a malformed known message on
 * purpose, encode an `unknown` that names the known triple.
 */
export interface UnknownVendorMessage extends VendorMessageId {
  kind: 'unknown';
  body: Uint8Array;
}

export type KnownVendorMessage =
  | MessagesSupported
  | FeaturesSupported
  | HopsFlow
  | TcpConnectBack
  | UdpConnectBack
  | QueryStatusRequest
  | QueryStatusResponse
  | OobReplyNumber
  | OobAck
  | OobProxyControl
  | PushProxyRequest
  | PushProxyAck;

export type VendorMessage = KnownVendorMessage | UnknownVendorMessage;

export type VendorMessageKind = KnownVendorMessage['kind'];
