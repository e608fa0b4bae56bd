/** File hashes: Tiger, the THEX Tiger tree, SHA-1, and the URNs that name them. */

export { TIGER_LENGTH, Tiger, tiger } from './tiger.js';
export {
  DEFAULT_KEEP_DEPTH,
  leafCount,
  SEGMENT_SIZE,
  TigerTree,
  TigerTreeBuilder,
  type TigerTreeOptions,
  tigerTree,
  tigerTreeRoot,
  treeHeight,
} from './tiger-tree.js';
export { bitprintUrn, Sha1, sha1, sha1Urn, tigerTreeUrn } from './urn.js';
