/**
 * Tiger tree hash (TTH) as THEX defines it (http-transfers.md §10.2–§10.5).
 *
 * Leaves are Tiger(0x00 || segment) over 1024-byte segments (the last one may be
 * short; the empty file has one leaf, Tiger(0x00)); a parent is
 * Tiger(0x01 || left || right); a level with an odd count promotes its last
 * node unchanged (HTTP-34). Levels are numbered from the root: level 0 is the
 * root, level `height` holds the leaves, and a node at level d covers
 * `1024 * 2^(height - d)` bytes (the last one fewer).
 */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { TIGER_LENGTH, Tiger } from './tiger.js';

/** Bytes hashed into one leaf (HTTP-34). */
export const SEGMENT_SIZE = 1024;

/**
 * Levels a builder keeps by default: 0..13, the deepest tree any servent
 * serves (LimeWire, for files of 64 GiB and more, §10.3). Hashing then holds
 * about 2^14 nodes (384 KiB) at most, whatever the file size.
 */
export const DEFAULT_KEEP_DEPTH = 13;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = 0x01;

/** Leaves of a file of `fileSize` bytes: one per started segment, one for the empty file. */
export const leafCount = (fileSize: number): number =>
  Math.max(1, Math.ceil(fileSize / SEGMENT_SIZE));

/** Levels below the root in the full tree of a file: ceil(log2(leaves)). */
export function treeHeight(fileSize: number): number {
  let height = 0;
  for (let n = leafCount(fileSize); n > 1; n = Math.ceil(n / 2)) height++;
  return height;
}

/** Nodes at level `depth` (0 = root) of the tree of a file of `fileSize` bytes. */
const levelSize = (fileSize: number, depth: number): number =>
  Math.ceil(leafCount(fileSize) / 2 ** (treeHeight(fileSize) - depth));

// Parents are hashed from one scratch buffer, 0x01 || left || right, by one
// reused hasher: there is one per 1024 bytes of file.
const pair = new Uint8Array(1 + 2 * TIGER_LENGTH);
pair[0] = NODE_PREFIX;
const pairHasher = new Tiger();

function parent(left: Uint8Array, right: Uint8Array): Uint8Array {
  pair.set(left, 1);
  pair.set(right, 1 + TIGER_LENGTH);
  return pairHasher.reset().update(pair).digest();
}

/** The level above `level` (nodes concatenated): pairs hashed, an odd last node promoted. */
function parentLevel(level: Uint8Array): Uint8Array {
  const count = level.length / TIGER_LENGTH;
  const above = new Uint8Array(Math.ceil(count / 2) * TIGER_LENGTH);
  for (let i = 0; i < count; i += 2) {
    const left = level.subarray(i * TIGER_LENGTH, (i + 1) * TIGER_LENGTH);
    const node =
      i + 1 < count
        ? parent(left, level.subarray((i + 1) * TIGER_LENGTH, (i + 2) * TIGER_LENGTH))
        : left;
    above.set(node, (i / 2) * TIGER_LENGTH);
  }
  return above;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function checkFileSize(fileSize: number): void {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) {
    throw new UsageError(`file size must be a non-negative safe integer, got ${fileSize}`);
  }
}

function checkDigest(name: string, digest: Uint8Array): void {
  if (digest.length !== TIGER_LENGTH) {
    throw new UsageError(
      `${name} must be a ${TIGER_LENGTH}-byte Tiger digest, got ${digest.length} bytes`,
    );
  }
}

/**
 * The top levels of a file's Tiger tree, 0..`depth`: the whole tree, or as
 * deep as whoever built or sent it went. Immutable.
 */
export class TigerTree {
  readonly #levels: readonly Uint8Array[];

  private constructor(
    /** Size in bytes of the file the tree describes. */
    readonly fileSize: number,
    levels: readonly Uint8Array[],
  ) {
    this.#levels = levels;
  }

  /**
   * A tree from the nodes of one of its levels, which the caller trusts (it
   * hashed them itself, e.g. read back from its own cache); the levels above
   * are computed. `nodes` are concatenated 24-byte digests.
   */
  static fromLevel(fileSize: number, depth: number, nodes: Uint8Array): TigerTree {
    checkFileSize(fileSize);
    const height = treeHeight(fileSize);
    if (!Number.isInteger(depth) || depth < 0 || depth > height) {
      throw new UsageError(
        `depth must be in 0..${height} for a ${fileSize}-byte file, got ${depth}`,
      );
    }
    const expected = levelSize(fileSize, depth) * TIGER_LENGTH;
    if (nodes.length !== expected) {
      throw new UsageError(
        `level ${depth} of a ${fileSize}-byte file is ${expected} bytes of nodes, got ${nodes.length}`,
      );
    }
    const levels: Uint8Array[] = [nodes.slice()];
    while (levels[0]!.length > TIGER_LENGTH) levels.unshift(parentLevel(levels[0]!));
    return new TigerTree(fileSize, levels);
  }

  /**
   * A tree received from a peer: `data` is THEX breadth-first serialisation
   * (root first, 24 bytes a node, levels 0..d for some d). Checked as HTTP-33
   * requires — the node count is that of whole levels of a file of
   * `fileSize` bytes, the root is `expectedRoot` (from `X-Thex-URI`, a
   * bitprint or a hit), and every parent is Tiger(0x01 || left || right) of
   * its children, or equal to a promoted only child. Any failure means the
   * tree must be discarded.
   */
  static fromBreadthFirst(
    data: Uint8Array,
    fileSize: number,
    expectedRoot: Uint8Array,
  ): Result<TigerTree> {
    checkFileSize(fileSize);
    checkDigest('expected root', expectedRoot);
    if (data.length % TIGER_LENGTH !== 0) {
      return fail(
        new ProtocolError(
          'thex-bad-length',
          `tree data of ${data.length} bytes is not a whole number of 24-byte nodes`,
          'HTTP-33',
        ),
      );
    }
    const nodeCount = data.length / TIGER_LENGTH;
    const height = treeHeight(fileSize);
    const levels: Uint8Array[] = [];
    let offset = 0;
    for (let depth = 0; depth <= height && offset < data.length; depth++) {
      const size = levelSize(fileSize, depth) * TIGER_LENGTH;
      levels.push(data.slice(offset, offset + size));
      offset += size;
    }
    if (levels.length === 0 || offset !== data.length) {
      return fail(
        new ProtocolError(
          'thex-bad-node-count',
          `${nodeCount} nodes is not the size of levels 0..d of the tree of a ${fileSize}-byte file`,
          'HTTP-33',
        ),
      );
    }
    if (!equalBytes(levels[0]!, expectedRoot)) {
      return fail(
        new ProtocolError(
          'thex-root-mismatch',
          'tree root differs from the expected TTH',
          'HTTP-33',
        ),
      );
    }
    for (let depth = levels.length - 2; depth >= 0; depth--) {
      const computed = parentLevel(levels[depth + 1]!);
      const given = levels[depth]!;
      for (let i = 0; i < computed.length; i += TIGER_LENGTH) {
        if (
          !equalBytes(computed.subarray(i, i + TIGER_LENGTH), given.subarray(i, i + TIGER_LENGTH))
        ) {
          return fail(
            new ProtocolError(
              'thex-bad-parent',
              `node ${i / TIGER_LENGTH} of level ${depth} is not the hash of its children`,
              'HTTP-33',
            ),
          );
        }
      }
    }
    return ok(new TigerTree(fileSize, levels));
  }

  get root(): Uint8Array {
    return this.#levels[0]!.slice();
  }

  /** The deepest level held. */
  get depth(): number {
    return this.#levels.length - 1;
  }

  /** Levels below the root in the full tree of this file (the leaves' level). */
  get height(): number {
    return treeHeight(this.fileSize);
  }

  nodeCount(depth: number): number {
    return this.#level(depth).length / TIGER_LENGTH;
  }

  node(depth: number, index: number): Uint8Array {
    if (!Number.isInteger(index) || index < 0 || index >= this.nodeCount(depth)) {
      throw new UsageError(`level ${depth} has ${this.nodeCount(depth)} nodes, no node ${index}`);
    }
    return this.#level(depth).slice(index * TIGER_LENGTH, (index + 1) * TIGER_LENGTH);
  }

  /** The nodes of level `depth`, concatenated (what `fromLevel` takes back). */
  level(depth: number): Uint8Array {
    return this.#level(depth).slice();
  }

  /** Bytes of the file under one node of level `depth` (the last node may cover fewer). */
  blockSize(depth: number): number {
    this.#level(depth); // only levels held have blocks to check against
    return SEGMENT_SIZE * 2 ** (this.height - depth);
  }

  /** THEX breadth-first serialisation of levels 0..depth: root first, left to right (HTTP-22). */
  serialize(depth = this.depth): Uint8Array {
    this.#level(depth);
    return concat(this.#levels.slice(0, depth + 1));
  }

  /**
   * Checks file bytes against the nodes of level `depth` (§10.5, HTTP-35):
   * `bytes` start at `offset`, which must be a block boundary of that level,
   * and end on one or at the end of the file. Returns the indices of the
   * blocks whose hash differs — the slices to discard and fetch again; an
   * empty list means every block checked out.
   */
  verifyRange(offset: number, bytes: Uint8Array, depth = this.depth): number[] {
    const block = this.blockSize(depth);
    const end = offset + bytes.length;
    if (
      !Number.isSafeInteger(offset) ||
      offset < 0 ||
      offset % block !== 0 ||
      end > this.fileSize
    ) {
      throw new UsageError(
        `range ${offset}+${bytes.length} does not start on a ${block}-byte block of level ${depth} inside the ${this.fileSize}-byte file`,
      );
    }
    if (end % block !== 0 && end !== this.fileSize) {
      throw new UsageError(
        `range ${offset}+${bytes.length} does not end on a ${block}-byte block or at the end of the file`,
      );
    }
    // The empty file has one (empty) block; elsewhere an empty range checks nothing.
    const blocks = this.fileSize === 0 ? 1 : Math.ceil(bytes.length / block);
    const failed: number[] = [];
    for (let i = 0; i < blocks; i++) {
      const index = offset / block + i;
      const root = tigerTreeRoot(bytes.subarray(i * block, (i + 1) * block));
      if (!equalBytes(root, this.node(depth, index))) failed.push(index);
    }
    return failed;
  }

  #level(depth: number): Uint8Array {
    const level = this.#levels[depth];
    if (!Number.isInteger(depth) || level === undefined) {
      throw new UsageError(`this tree holds levels 0..${this.depth}, not ${depth}`);
    }
    return level;
  }
}

export interface TigerTreeOptions {
  /**
   * Keep levels 0..keepDepth (or the whole tree of a smaller file) for
   * `TigerTree.serialize` and `verifyRange`. Default DEFAULT_KEEP_DEPTH.
   */
  keepDepth?: number;
}

interface Subtree {
  /** Levels above the leaves: 0 for a leaf. */
  height: number;
  hash: Uint8Array;
}

/**
 * Builds a Tiger tree from the file's bytes in chunks of any size. Memory
 * stays bounded: it keeps the roots of aligned blocks of 2^h leaves, doubling
 * h whenever more than 2^(keepDepth+1) of them pile up, plus the right edge
 * (one subtree per height) of the block being filled.
 */
export class TigerTreeBuilder {
  readonly #maxKept: number;
  readonly #leaf = new Tiger();
  readonly #segment = new Uint8Array(SEGMENT_SIZE);
  #segmentLength = 0;
  #size = 0;
  #keptHeight = 0;
  /** Roots of the complete blocks of 2^#keptHeight leaves, in file order. */
  #kept: Uint8Array[] = [];
  /** Complete subtrees after the last kept block, tallest (leftmost) first. */
  #edge: Subtree[] = [];

  constructor(options: TigerTreeOptions = {}) {
    const keepDepth = options.keepDepth ?? DEFAULT_KEEP_DEPTH;
    if (!Number.isInteger(keepDepth) || keepDepth < 0 || keepDepth > 24) {
      throw new UsageError(`keepDepth must be an integer in 0..24, got ${keepDepth}`);
    }
    this.#maxKept = 2 ** (keepDepth + 1);
  }

  update(bytes: Uint8Array): this {
    const n = bytes.length;
    let offset = 0;
    this.#size += n;
    if (this.#segmentLength > 0) {
      offset = Math.min(SEGMENT_SIZE - this.#segmentLength, n);
      this.#segment.set(bytes.subarray(0, offset), this.#segmentLength);
      this.#segmentLength += offset;
      if (this.#segmentLength < SEGMENT_SIZE) return this;
      this.#addLeaf(this.#leafHash(this.#segment));
      this.#segmentLength = 0;
    }
    for (; offset + SEGMENT_SIZE <= n; offset += SEGMENT_SIZE) {
      this.#addLeaf(this.#leafHash(bytes.subarray(offset, offset + SEGMENT_SIZE)));
    }
    if (offset < n) {
      this.#segment.set(bytes.subarray(offset), 0);
      this.#segmentLength = n - offset;
    }
    return this;
  }

  /** The tree of the bytes so far. The builder may go on afterwards. */
  digest(): TigerTree {
    const kept = [...this.#kept];
    // The short last segment, or the one leaf of the empty file.
    let last =
      this.#segmentLength > 0 || this.#size === 0
        ? this.#leafHash(this.#segment.subarray(0, this.#segmentLength))
        : undefined;
    // The unfinished block's root: its edge folded from the right, which is
    // what pairing level by level with odd-node promotion gives.
    for (let i = this.#edge.length - 1; i >= 0; i--) {
      const left = this.#edge[i]!.hash;
      last = last ? parent(left, last) : left;
    }
    if (last) kept.push(last);

    return TigerTree.fromLevel(this.#size, treeHeight(this.#size) - this.#keptHeight, concat(kept));
  }

  #leafHash(segment: Uint8Array): Uint8Array {
    return this.#leaf.reset().update(LEAF_PREFIX).update(segment).digest();
  }

  /** Merges a leaf into the edge as a binary counter carries; whole blocks move to #kept. */
  #addLeaf(leaf: Uint8Array): void {
    let node = leaf;
    let h = 0;
    while (this.#edge.at(-1)?.height === h) {
      node = parent(this.#edge.pop()!.hash, node);
      h++;
    }
    if (h < this.#keptHeight) {
      this.#edge.push({ height: h, hash: node });
      return;
    }
    this.#kept.push(node);
    if (this.#kept.length > this.#maxKept) this.#raise();
  }

  /** Doubles the kept block size; an unpaired last block goes back to the edge. */
  #raise(): void {
    const kept: Uint8Array[] = [];
    for (let i = 0; i + 1 < this.#kept.length; i += 2) {
      kept.push(parent(this.#kept[i]!, this.#kept[i + 1]!));
    }
    if (this.#kept.length % 2 === 1) {
      this.#edge.unshift({ height: this.#keptHeight, hash: this.#kept.at(-1)! });
    }
    this.#kept = kept;
    this.#keptHeight++;
  }
}

/** The Tiger tree of `bytes` in one call. */
export const tigerTree = (bytes: Uint8Array, options?: TigerTreeOptions): TigerTree =>
  new TigerTreeBuilder(options).update(bytes).digest();

/** The TTH root of `bytes`, keeping only what the root needs. */
export const tigerTreeRoot = (bytes: Uint8Array): Uint8Array =>
  tigerTree(bytes, { keepDepth: 0 }).root;
