/**
 * What a peer's handshake headers tell the message layer about it: its role,
 * and which optional parts of the protocol it announced. Everything a link may
 * send that peer hangs on these (HS-27, HS-28, QRP-17).
 */
import { parseHostList } from './addresses.js';
import { HeaderName, type Headers } from './headers.js';

/** X-Max-TTL when the peer did not send it: LimeWire assumes 4 (HS-28). */
export const DEFAULT_PEER_MAX_TTL = 4;
/** X-Degree when the peer did not send it: LimeWire assumes 6 (dynamic-querying.md §2). */
export const DEFAULT_PEER_DEGREE = 6;

export interface PeerCapabilities {
  /** What the peer is to us; a legacy peer without X-Ultrapeer counts as an ultrapeer. */
  peerMode: 'ultrapeer' | 'leaf';
  /** Bye-Packet: only then do we send Bye (HS-27, MSG-34). */
  byePacket: boolean;
  /** Vendor-Message: only then do we send vendor messages (HS-27). */
  vendorMessages: boolean;
  /** GGEP: only then may our Pings, Pongs and Pushes carry GGEP (HS-27). */
  ggep: boolean;
  /** X-Max-TTL: our fresh queries never carry more (HS-28); 4 when absent. */
  maxTtl: number;
  /** X-Ext-Probes: the peer takes a higher-TTL copy of a query it saw (RT-2). */
  extProbes: boolean;
  /** X-Query-Routing: leaf↔ultrapeer QRP (qrp.md §9). */
  queryRouting: boolean;
  /** X-Ultrapeer-Query-Routing: last-hop QRP between ultrapeers (QRP-16). */
  ultrapeerQueryRouting: boolean;
  /** X-Degree: the peer's ultrapeer connections, for the dynamic-query horizon (§4). */
  degree: number;
  /** Where the peer listens (Listen-IP, or an older spelling): what a pong about it gives. */
  listen?: { host: string; port: number };
}

export function capabilitiesOf(peer: Headers): PeerCapabilities {
  const maxTtl = Number.parseInt(peer.get(HeaderName.XMaxTtl) ?? '', 10);
  const degree = Number.parseInt(peer.get(HeaderName.XDegree) ?? '', 10);
  const listenValue =
    peer.get(HeaderName.ListenIp) ??
    peer.get(HeaderName.Node) ??
    peer.get('X-My-Address') ??
    peer.get('My-Address');
  const listen = listenValue ? parseHostList(listenValue)[0] : undefined;
  return {
    peerMode: peer.getBoolean(HeaderName.XUltrapeer) === false ? 'leaf' : 'ultrapeer',
    byePacket: peer.has(HeaderName.ByePacket),
    vendorMessages: peer.has(HeaderName.VendorMessage),
    ggep: peer.has(HeaderName.Ggep),
    maxTtl: Number.isInteger(maxTtl) && maxTtl >= 1 && maxTtl < 128 ? maxTtl : DEFAULT_PEER_MAX_TTL,
    extProbes: peer.has(HeaderName.XExtProbes),
    queryRouting: peer.has(HeaderName.XQueryRouting),
    ultrapeerQueryRouting: peer.has(HeaderName.XUltrapeerQueryRouting),
    degree: Number.isInteger(degree) && degree >= 1 && degree < 1000 ? degree : DEFAULT_PEER_DEGREE,
    ...(listen && { listen }),
  };
}
