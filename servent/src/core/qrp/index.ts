/** The Query Routing Protocol (shared/spec/qrp.md): keywords, hash, tables, ROUTE_TABLE_UPDATE. */

export {
  DEFAULT_INFINITY,
  DEFAULT_PATCH_CHUNK_BYTES,
  DEFAULT_TABLE_BITS,
  MAX_PATCH_CHUNK_BYTES,
  MAX_PATCH_MESSAGES,
  MAX_TABLE_BITS,
  MAX_TABLE_SLOTS,
  MIN_SENT_TABLE_BITS,
  maxCompressedPatchBytes,
  PATCH_HEADER_LENGTH,
  RESET_PAYLOAD_LENGTH,
} from './constants.js';
export { qrpHash, qrpHash32, slotOf } from './hash.js';
export { canonicalize, fileKeywords, queryKeywords } from './keywords.js';
export {
  type ReceiverEvent,
  RouteTableReceiver,
  type RouteTableReceiverOptions,
} from './patch-receiver.js';
export { type PatchOptions, RouteTableSender, routeTableUpdates } from './patch-sender.js';
export {
  decodeRouteTableUpdate,
  type EntryBits,
  encodeRouteTableMessage,
  encodeRouteTableUpdate,
  PatchCompressor,
  type PatchCompressorCode,
  type RouteTablePatch,
  type RouteTableReset,
  type RouteTableUpdate,
  RouteTableVariant,
} from './route-table-update.js';
export {
  buildTable,
  DEFAULT_SHAPE,
  mergeTables,
  type PreparedQuery,
  prepareQuery,
  QueryRouteTable,
  type QueryToMatch,
  type SharedFile,
  type TableShape,
} from './table.js';
