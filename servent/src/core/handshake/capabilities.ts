/**
 * What a peer's handshake headers tell the message layer about it: its role,
 * and which optional parts of the protocol it announced. Everything a link may
 * send that peer hangs on these (HS-27, HS-28, QRP-17).
 */
import { HeaderName, type Headers } from './headers.js';

/** X-Max-TTL when the peer did not send it: LimeWire assumes 4 (HS-28). */
export const DEFAULT_PEER_MAX_TTL = 4;

export interface PeerCapabilities {
  peerMode: 'ultrapeer' | 'leaf';
  byePacket: boolean;
  vendorMessages: boolean;
  ggep: boolean;
  maxTtl: number;
  extProbes: boolean;
  queryRouting: boolean;
  ultrapeerQueryRouting: boolean;
}

export function capabilitiesOf(peer: Headers): PeerCapabilities {
  const maxTtl = Number.parseInt(peer.get(HeaderName.XMaxTtl) ?? '', 10);
  return {
    peerMode: peer.getBoolean(HeaderName.XUltrapeer) === false ? 'leaf' : 'ultrapeer',
    byePacket: peer.has(HeaderName.ByePacket),
    vendorMessages: peer.has(HeaderName.VendorMessage),
    ggep: peer.has(HeaderName.Ggep),
    maxTtl: Number.isInteger(maxTtl) && maxTtl >= 1 && maxTtl < 128 ? maxTtl : DEFAULT_PEER_MAX_TTL,
    extProbes: peer.has(HeaderName.XExtProbes),
    queryRouting: peer.has(HeaderName.XQueryRouting),
    ultrapeerQueryRouting: peer.has(HeaderName.XUltrapeerQueryRouting),
  };
}
