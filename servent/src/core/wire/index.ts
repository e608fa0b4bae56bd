/** The wire codec: message framing and the payloads of the message layer (messages.md, ggep-huge.md). */

export { base32Decode, base32Encode } from './base32.js';
export { type Bye, ByeCode, decodeBye, encodeBye } from './bye.js';
export { cobsDecode, cobsEncode } from './cobs.js';
export {
  BYE_MIN_LENGTH,
  GEM_SEPARATOR,
  GGEP_MAGIC,
  GGEP_MAX_DATA_LENGTH,
  GGEP_MAX_ID_LENGTH,
  GGEP_MAX_INFLATED,
  GUID_LENGTH,
  HEADER_LENGTH,
  MAX_RECEIVED_PAYLOAD,
  MAX_SENT_PAYLOAD,
  PONG_FIXED_LENGTH,
  PUSH_LENGTH,
} from './constants.js';
export {
  decodeExtensionArea,
  type ExtensionBlock,
  encodeExtensionArea,
  type Separator,
} from './extension-area.js';
export { type FrameResult, type FramerOptions, MessageFramer } from './framer.js';
export {
  decodeGgep,
  encodeGgep,
  findGgep,
  type GgepBlock,
  type GgepExtension,
  ggepExtension,
  readGgepBlock,
} from './ggep.js';
export {
  decodeGgepUint,
  decodePackedHosts,
  encodeGgepUint,
  encodePackedHosts,
  type HostPort,
} from './ggep-values.js';
export { type Guid, guidFromHex, guidToHex, newGuid } from './guid.js';
export {
  decodeHeader,
  encodeHeader,
  type MessageHeader,
  MessageType,
  type MessageTypeCode,
} from './header.js';
export {
  decodeGgepH,
  decodeGgepU,
  encodeGgepH,
  extensionSha1s,
  formatUrn,
  GgepHashType,
  parseUrn,
  parseUrnBlock,
  SHA1_LENGTH,
  TIGER_TREE_ROOT_LENGTH,
  type Urn,
  urnBlock,
  urnSha1,
} from './huge.js';
export { ipv4FromString, ipv4ToString } from './ipv4.js';
export { encodeMessage, type Frame, type MessageFields } from './message.js';
export { decodePing, encodePing, type Ping } from './ping.js';
export { decodePong, encodePong, type Pong } from './pong.js';
export { decodePush, encodePush, FW_TO_FW_INDEX, type Push } from './push.js';
export {
  decodeQuery,
  encodeQuery,
  oobReplyAddress,
  QUERY_MAX_HITS_MASK,
  type Query,
  QueryFlag,
  queryFlagSet,
  withOobReplyAddress,
} from './query.js';
export {
  decodeQueryHit,
  EqhdFlag,
  type EqhdFlags,
  encodeQueryHit,
  eqhdFlags,
  eqhdOpenData,
  LARGE_FILE_SIZE,
  type QueryHit,
  type QueryHitResult,
  type QueryHitTrailer,
  resultFileSize,
  resultSizeFields,
  SIZE_IN_LF,
} from './query-hit.js';
export * from './vendor/index.js';
