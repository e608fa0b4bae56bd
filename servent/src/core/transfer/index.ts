/** File transfer: byte-range sets, THEX trees over DIME, magnet links and the download mesh. */

export { type Interval, IntervalSet } from './intervals.js';
export {
  formatMagnet,
  MAX_MAGNET_LENGTH,
  MAX_MAGNET_PAIRS,
  type Magnet,
  parseMagnet,
  safeFileName,
} from './magnet.js';
export {
  AltLocMesh,
  type AltLocMeshOptions,
  SentAltLocs,
  type SentAltLocsOptions,
} from './mesh.js';
export { blockSizeFor, decodeThex, encodeThex, MAX_THEX_BYTES, thexDepth } from './thex.js';
