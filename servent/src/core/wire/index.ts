/** The wire codec: message framing and the payloads of the message layer (messages.md). */

export { base32Decode, base32Encode } from './base32.js';
export { type Bye, ByeCode, decodeBye, encodeBye } from './bye.js';
export {
  BYE_MIN_LENGTH,
  GGEP_MAGIC,
  GUID_LENGTH,
  HEADER_LENGTH,
  MAX_RECEIVED_PAYLOAD,
  MAX_SENT_PAYLOAD,
  PONG_FIXED_LENGTH,
} from './constants.js';
export { type FrameResult, type FramerOptions, MessageFramer } from './framer.js';
export { type Guid, guidFromHex, guidToHex, newGuid } from './guid.js';
export {
  decodeHeader,
  encodeHeader,
  type MessageHeader,
  MessageType,
  type MessageTypeCode,
} from './header.js';
export { ipv4FromString, ipv4ToString } from './ipv4.js';
export { encodeMessage, type Frame, type MessageFields } from './message.js';
export { decodePing, encodePing, type Ping } from './ping.js';
export { decodePong, encodePong, type Pong } from './pong.js';
