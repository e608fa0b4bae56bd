/** The Gnutella 0.6 handshake: header blocks, status lines, the state machine, the policy. */

export { dottedIpv4Of, type HostPort, isDottedIpv4, parseHostList } from './addresses.js';
export {
  BlockReader,
  type BlockReadResult,
  DEFAULT_LIMITS,
  formatBlock,
  type HandshakeLimits,
  type HeaderBlock,
} from './block.js';
export { capabilitiesOf, DEFAULT_PEER_MAX_TTL, type PeerCapabilities } from './capabilities.js';
export * from './constants.js';
export { announcesDeflate, offersDeflate, withAnsweredEncoding } from './encoding.js';
export {
  DEFAULT_TIMEOUTS,
  Handshake,
  type HandshakeBlock,
  type HandshakeCompleted,
  type HandshakeEvent,
  type HandshakeOptions,
  type HandshakeRefused,
  type HandshakeRole,
  type HandshakeState,
  type HandshakeTimeouts,
  type OutgoingBlock,
  type Reply,
} from './handshake.js';
export {
  type CanonicalHeaderName,
  canonicalHeaderName,
  formatBool,
  type HeaderField,
  HeaderName,
  Headers,
} from './headers.js';
export {
  decideIncoming,
  decideOutgoing,
  type LocalProfile,
  type NodeMode,
  OUR_MAX_TTL,
  type PeerContext,
  requestFields,
  type SlotState,
} from './negotiation.js';
export {
  CONNECT_LINE,
  formatStatusLine,
  isBelowOurVersion,
  isLegacyOk,
  type ProtocolVersion,
  parseConnectLine,
  parseStatusLine,
  type StatusLine,
} from './status-line.js';
