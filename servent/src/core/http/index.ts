/**
 * HTTP file transfer codecs (http-transfers.md, push.md §5–6): heads, ranges,
 * partial-file ranges, the download mesh, GIV, request targets, queue status.
 */

export { formatAltLocs, MAX_ALT_LOCS_READ, parseAltLocs } from './alt-locs.js';
export {
  type ByteRange,
  formatAvailableRanges,
  MAX_RANGES_READ,
  MAX_RANGES_WRITTEN,
  parseAvailableRanges,
} from './available-ranges.js';
export { formatGiv, type Giv, MAX_GIV_BYTES, parseGiv } from './giv.js';
export {
  formatRequestHead,
  formatResponseHead,
  HeadReader,
  HttpHeaders,
  type HttpRequest,
  type HttpResponse,
  type HttpVersion,
  keepsAlive,
  MAX_HEAD_BYTES,
  MAX_HEADER_LINES,
  parseRequestHead,
  parseResponseHead,
} from './head.js';
export {
  formatLegacyQueue,
  type LegacyQueue,
  POLL_MAX_S,
  POLL_MIN_S,
  parseQueueHeaders,
  type QueueStatus,
} from './queue-headers.js';
export {
  type ContentRange,
  formatContentRange,
  formatUnsatisfiedRange,
  parseContentRange,
  parseRange,
  type RangeRequest,
} from './range.js';
export {
  decodeUrlName,
  getTarget,
  n2rTarget,
  parseTarget,
  pushProxyTarget,
  type RequestTarget,
  urlEncodeName,
} from './target.js';
