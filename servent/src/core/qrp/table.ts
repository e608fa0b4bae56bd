/**
 * A query route table (qrp.md §4): 2^bits slots, each present or absent. The
 * original design kept a hop distance per slot, `infinity` meaning "absent";
 * deployed clients keep only presence (§4.2) and so do we: one bit per slot,
 * 8 KiB for the usual 2^16 slots where a byte per slot took 64 KiB, which
 * matters on an ultrapeer holding a table per leaf. `infinity` stays part of
 * the table because RESET announces it and patches are deltas against it.
 */

import { UsageError } from '../errors.js';
import { DEFAULT_INFINITY, DEFAULT_TABLE_BITS, MAX_TABLE_BITS } from './constants.js';
import { qrpHash32, slotOf } from './hash.js';
import { fileKeywords, queryKeywords } from './keywords.js';

/** Size and infinity of a table. */
export interface TableShape {
  /** log2 of the slot count: 0 … 21 (MAX_TABLE_BITS). */
  bits: number;
  /** The "absent" value, 1 … 255; RESET carries it (§4.2, §5). */
  infinity: number;
}

export const DEFAULT_SHAPE: Readonly<TableShape> = {
  bits: DEFAULT_TABLE_BITS,
  infinity: DEFAULT_INFINITY,
};

/** A file the local servent shares, as the table builder needs it. */
export interface SharedFile {
  name: string;
  /** `urn:sha1:<BASE32>` and the like; each becomes a keyword (§2.6 (e), §8.2). */
  urns?: readonly string[];
}

/** A query as the matcher needs it: hashed once, tested against tables of any size (QRP-18). */
export interface PreparedQuery {
  words: readonly string[];
  /** `qrpHash32` of each word. */
  wordHashes: Uint32Array;
  /** `qrpHash32` of each URN string. */
  urnHashes: Uint32Array;
  /** A "What's New?" query, which bypasses keyword matching (§8.3). */
  whatsNew: boolean;
}

export interface QueryToMatch {
  /** The search criteria text. */
  text: string;
  /** URNs the query carries (HUGE), e.g. `urn:sha1:…` (§8.2). */
  urns?: readonly string[];
  /** The query is a "What's New?" query (dynamic-querying.md §9). */
  whatsNew?: boolean;
}

/** Splits and hashes a query once; `QueryRouteTable.matches` then costs one shift and one load per word. */
export function prepareQuery(query: QueryToMatch): PreparedQuery {
  const words = query.text === '' ? [] : queryKeywords(query.text);
  return {
    words,
    wordHashes: hashAll(words),
    urnHashes: query.urns ? hashAll(query.urns) : NO_HASHES,
    whatsNew: query.whatsNew ?? false,
  };
}

const NO_HASHES = new Uint32Array(0);

/** A plain loop: `Uint32Array.from(list, fn)` costs several times more on this hot path. */
function hashAll(list: readonly string[]): Uint32Array {
  if (list.length === 0) return NO_HASHES;
  const hashes = new Uint32Array(list.length);
  for (let i = 0; i < list.length; i++) hashes[i] = qrpHash32(list[i]!);
  return hashes;
}

export class QueryRouteTable {
  readonly bits: number;
  readonly length: number;
  readonly infinity: number;
  /** Slot s is bit s & 31 of word s >>> 5; set means present. */
  readonly #words: Uint32Array;

  /** An all-absent table: the state after a RESET (§7). */
  constructor(shape: TableShape) {
    checkShape(shape);
    this.bits = shape.bits;
    this.length = 2 ** shape.bits;
    this.infinity = shape.infinity;
    this.#words = new Uint32Array(Math.ceil(this.length / 32));
  }

  /** The hop value a present slot stands for on the wire: one hop, or 0 when infinity is 1 (§4.2). */
  get presentValue(): number {
    return Math.min(1, this.infinity - 1);
  }

  isPresent(slot: number): boolean {
    return ((this.#words[slot >>> 5]! >>> (slot & 31)) & 1) === 1;
  }

  /** The slot's hop value as a patch encodes it: `presentValue` or `infinity`. */
  valueAt(slot: number): number {
    return this.isPresent(slot) ? this.presentValue : this.infinity;
  }

  /** For building a table of your own or installing a received one; a table in use is replaced, never changed. */
  setPresent(slot: number, present: boolean): this {
    if (present) this.#words[slot >>> 5]! |= 1 << (slot & 31);
    else this.#words[slot >>> 5]! &= ~(1 << (slot & 31));
    return this;
  }

  /** Marks the slot of `word` present. */
  addKeyword(word: string): this {
    return this.setPresent(slotOf(qrpHash32(word), this.bits), true);
  }

  /** Adds every keyword of a shared file (§2.6 leaf side) and its URNs. */
  addFile(file: SharedFile): this {
    for (const word of fileKeywords(file.name)) this.addKeyword(word);
    for (const urn of file.urns ?? []) this.addKeyword(urn);
    return this;
  }

  /** Present slots in ascending order. */
  *presentSlots(): Generator<number> {
    const words = this.#words;
    for (let w = 0; w < words.length; w++) {
      for (let word = words[w]!; word !== 0; word &= word - 1) {
        yield w * 32 + 31 - Math.clz32(word & -word);
      }
    }
  }

  presentCount(): number {
    let count = 0;
    for (let word of this.#words) {
      // Population count of a 32-bit word.
      word -= (word >>> 1) & 0x55555555;
      word = (word & 0x33333333) + ((word >>> 2) & 0x33333333);
      count += Math.imul((word + (word >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    }
    return count;
  }

  /**
   * Whether an ultrapeer should pass `query` to the owner of this table, as far
   * as the table can tell (§8; role, TTL and capabilities are routing's part):
   * - "What's New?": iff the table has any present slot (§8.3, gtk-gnutella);
   * - any URN hashes to a present slot: yes (§8.2, LimeWire);
   * - otherwise every word must hit, and a query without words never matches
   *   (§8.1; with URNs that missed, gtk-gnutella's rule of letting words decide).
   * Hashes use this table's own size (QRP-18).
   */
  matches(query: PreparedQuery): boolean {
    if (query.whatsNew) return this.#words.some((word) => word !== 0);
    for (const hash of query.urnHashes) if (this.isPresent(slotOf(hash, this.bits))) return true;
    if (query.wordHashes.length === 0) return false;
    for (const hash of query.wordHashes) if (!this.isPresent(slotOf(hash, this.bits))) return false;
    return true;
  }

  /**
   * The same table at another size (§4.3). hash(x, b − r) = hash(x, b) >> r, so
   * growing repeats each slot 2^r times and is exact; shrinking ORs each group
   * of 2^r slots.
   */
  resize(bits: number): QueryRouteTable {
    const resized = new QueryRouteTable({ bits, infinity: this.infinity });
    if (bits >= this.bits) {
      const shift = bits - this.bits;
      for (const slot of this.presentSlots()) {
        for (let s = slot << shift; s < (slot + 1) << shift; s++) resized.setPresent(s, true);
      }
    } else {
      const shift = this.bits - bits;
      for (const slot of this.presentSlots()) resized.setPresent(slot >>> shift, true);
    }
    return resized;
  }

  /** Makes every slot present in `other` (resized to this size) present here too. */
  include(other: QueryRouteTable): this {
    const source = other.bits === this.bits ? other : other.resize(this.bits);
    const words = this.#words;
    const from = source.#words;
    for (let w = 0; w < words.length; w++) words[w]! |= from[w]!;
    return this;
  }

  equals(other: QueryRouteTable): boolean {
    if (this.bits !== other.bits || this.infinity !== other.infinity) return false;
    const a = this.#words;
    const b = other.#words;
    for (let w = 0; w < a.length; w++) if (a[w] !== b[w]) return false;
    return true;
  }

  clone(): QueryRouteTable {
    const copy = new QueryRouteTable(this);
    copy.#words.set(this.#words);
    return copy;
  }
}

/** A leaf's table over its shared files (§2.1, §2.6). */
export function buildTable(
  files: Iterable<SharedFile>,
  shape: TableShape = DEFAULT_SHAPE,
): QueryRouteTable {
  const table = new QueryRouteTable(shape);
  for (const file of files) table.addFile(file);
  return table;
}

/**
 * An ultrapeer's merged table (§4.3, §9, QRP-16): its own table and its
 * leaves' tables, each resized to `shape.bits`, ORed. Commutative and
 * associative, as OR is. Which leaves count (busy leaves with Hops-Flow below
 * 3 do not, §9) is the caller's choice.
 */
export function mergeTables(
  tables: Iterable<QueryRouteTable>,
  shape: TableShape = DEFAULT_SHAPE,
): QueryRouteTable {
  const merged = new QueryRouteTable(shape);
  for (const table of tables) merged.include(table);
  return merged;
}

function checkShape(shape: TableShape): void {
  if (!Number.isInteger(shape.bits) || shape.bits < 0 || shape.bits > MAX_TABLE_BITS) {
    throw new UsageError(
      `table bits must be an integer in 0..${MAX_TABLE_BITS}, got ${shape.bits}`,
    );
  }
  if (!Number.isInteger(shape.infinity) || shape.infinity < 1 || shape.infinity > 255) {
    throw new UsageError(`table infinity must be an integer in 1..255, got ${shape.infinity}`);
  }
}
