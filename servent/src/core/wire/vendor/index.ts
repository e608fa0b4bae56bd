/** Vendor messages, payload types 0x31 and 0x32 (vendor-messages.md). */

export { formatVendorId } from './body-codec.js';
export {
  decodeVendorMessage,
  encodeVendorFrame,
  encodeVendorMessage,
  isVendorMessageType,
  VENDOR_MESSAGE_TYPES,
  vendorMessageId,
} from './codec.js';
export {
  CONNECT_BACK_MARKERS,
  NULL_VENDOR,
  OOB_FLAG_UNSOLICITED_UDP,
  QUERY_STATUS_STOP,
  VENDOR_HEADER_LENGTH,
} from './constants.js';
export { buildMessagesSupported, type VendorSupport, vendorSupport } from './supported.js';
export type {
  FeatureEntry,
  FeaturesSupported,
  HopsFlow,
  KnownVendorMessage,
  MessagesSupported,
  OobAck,
  OobProxyControl,
  OobReplyNumber,
  PushProxyAck,
  PushProxyRequest,
  QueryStatusRequest,
  QueryStatusResponse,
  TcpConnectBack,
  UdpConnectBack,
  UnknownVendorMessage,
  VendorMessage,
  VendorMessageId,
  VendorMessageKind,
} from './types.js';
