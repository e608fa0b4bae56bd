/**
 * The plan of one swarmed download (http-transfers.md §11): which bytes are
 * verified, which are written and wait for verification, which are leased
 * to which source, and which sources sent bad bytes.
 *
 * Chunks are aligned and of one size, a power of two times 1024, so they
 * line up with the blocks of any Tiger tree level (§10.5). A source leases
 * one chunk at a time (no chunk goes to two sources) and only inside what it
 * holds (PFSP, HTTP-31). Bytes written are attributed to their source; when
 * a block fails verification its bytes are discarded (HTTP-35) and its
 * sources get a strike. A source that alone wrote a bad block, or gets a
 * second strike, is banned.
 */

import { UsageError } from '../errors.js';
import { type Interval, IntervalSet } from './intervals.js';

/** Bytes leased at once when no tree says otherwise (LimeWire: 128 KiB; §11). */
export const DEFAULT_CHUNK_SIZE = 256 * 1024;
/** Strikes that ban a source that shared its bad blocks with others. */
const STRIKES_TO_BAN = 2;

export class Swarm {
  readonly size: number;
  readonly chunkSize: number;
  /** Verified bytes: served to others (PFSP) and kept across restarts. */
  readonly verified: IntervalSet;
  /** Written, not yet verified. */
  readonly #written = new IntervalSet();
  /** Who wrote what, for blame: source → bytes it wrote that are not verified yet. */
  readonly #writtenBy = new Map<number, IntervalSet>();
  readonly #leases = new Map<number, Interval>();
  readonly #strikes = new Map<number, number>();
  readonly #banned = new Set<number>();
  /** Where a lease starts looking: every chunk before it is verified or written. */
  #scanFrom = 0;

  constructor(size: number, verified = new IntervalSet(), chunkSize = DEFAULT_CHUNK_SIZE) {
    if (!Number.isSafeInteger(size) || size < 0) throw new UsageError(`bad file size ${size}`);
    if (chunkSize < 1024 || (chunkSize & (chunkSize - 1)) !== 0) {
      throw new UsageError(`chunk size must be a power of two ≥ 1024, got ${chunkSize}`);
    }
    this.size = size;
    this.chunkSize = chunkSize;
    this.verified = verified;
  }

  get written(): IntervalSet {
    return this.#written;
  }

  /** Every byte verified. */
  get complete(): boolean {
    return this.verified.covers(0, this.size);
  }

  /** Every byte written or verified: nothing left to fetch. */
  get fetched(): boolean {
    return this.verified.total + this.#written.total >= this.size;
  }

  isBanned(source: number): boolean {
    return this.#banned.has(source);
  }

  get banned(): ReadonlySet<number> {
    return this.#banned;
  }

  /**
   * The next range for `source` to fetch: the first chunk with missing bytes
   * that no other source holds, cut to what `source` has (`available`, for a
   * partial source). Undefined when there is nothing for it.
   */
  lease(source: number, available?: IntervalSet): Interval | undefined {
    if (this.#banned.has(source)) return undefined;
    const current = this.#leases.get(source);
    if (current) return current;
    const taken = new IntervalSet();
    for (const lease of this.#leases.values()) taken.add(lease.start, lease.end);
    // Chunks before #scanFrom need nothing: each lease does not rescan the file from its start.
    while (
      this.#scanFrom < this.size &&
      this.#needed(this.#scanFrom, this.#chunkEnd(this.#scanFrom)).length === 0
    ) {
      this.#scanFrom += this.chunkSize;
    }
    for (let start = this.#scanFrom; start < this.size; start += this.chunkSize) {
      const end = this.#chunkEnd(start);
      if (taken.covers(start, end) || taken.intersect(start, end).length > 0) continue;
      for (const gap of this.#needed(start, end)) {
        const piece = available ? available.intersect(gap.start, gap.end)[0] : gap;
        if (piece === undefined) continue;
        this.#leases.set(source, piece);
        return piece;
      }
    }
    return undefined;
  }

  #chunkEnd(start: number): number {
    return Math.min(this.size, start + this.chunkSize);
  }

  /** Bytes of [start, end) neither verified nor written. */
  #needed(start: number, end: number): Interval[] {
    const missing = this.verified.missing(start, end);
    return missing.flatMap((gap) => this.#written.missing(gap.start, gap.end));
  }

  /** `source` wrote [start, end) to disk. */
  received(source: number, start: number, end: number): void {
    if (end <= start) return;
    const mine = this.#writtenBy.get(source) ?? new IntervalSet();
    this.#writtenBy.set(source, mine);
    // Bytes already verified stay verified: only the rest waits for a check.
    for (const gap of this.verified.missing(start, end)) {
      this.#written.add(gap.start, gap.end);
      mine.add(gap.start, gap.end);
    }
  }

  /** `source` stopped working on its lease; unwritten bytes go back to the pool. */
  release(source: number): void {
    this.#leases.delete(source);
  }

  /**
   * Blocks of `blockSize` bytes (aligned; the last may be shorter) that are
   * fully written and not yet verified: ready to check against the tree.
   */
  verifiable(blockSize: number): number[] {
    const blocks = new Set<number>();
    for (const { start, end } of this.#written) {
      for (let b = Math.floor(start / blockSize); b * blockSize < end; b++) {
        const from = b * blockSize;
        const to = Math.min(this.size, from + blockSize);
        const gaps = this.verified.missing(from, to);
        if (gaps.length > 0 && gaps.every((gap) => this.#written.covers(gap.start, gap.end))) {
          blocks.add(b);
        }
      }
    }
    return [...blocks].sort((a, b) => a - b);
  }

  /** [start, end) checked out: verified from now on. Returns the sources that wrote some of it. */
  passed(start: number, end: number): number[] {
    const writers = [...this.#writtenBy]
      .filter(([, mine]) => mine.intersect(start, end).length > 0)
      .map(([source]) => source);
    this.verified.add(start, end);
    this.#written.remove(start, end);
    for (const mine of this.#writtenBy.values()) mine.remove(start, end);
    return writers;
  }

  /** [start, end) failed: discarded; returns the sources banned for it. */
  failed(start: number, end: number): number[] {
    const culprits = [...this.#writtenBy].filter(
      ([, mine]) => mine.intersect(start, end).length > 0,
    );
    this.#written.remove(start, end);
    this.#scanFrom = Math.min(this.#scanFrom, start - (start % this.chunkSize));
    for (const [, mine] of culprits) mine.remove(start, end);
    const banned: number[] = [];
    for (const [source] of culprits) {
      const strikes = (this.#strikes.get(source) ?? 0) + 1;
      this.#strikes.set(source, strikes);
      if (culprits.length === 1 || strikes >= STRIKES_TO_BAN) {
        this.#banned.add(source);
        banned.push(source);
      }
    }
    return banned;
  }

  /** Forgets every byte, verified or not: the whole file failed its SHA-1 and nothing says where. */
  startOver(): void {
    this.verified.remove(0, this.size);
    this.#written.remove(0, this.size);
    this.#writtenBy.clear();
    this.#scanFrom = 0;
  }
}
