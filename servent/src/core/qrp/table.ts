/**
 * A query route table (qrp.md §4): 2^bits slots, each holding the hop
 * distance to the nearest matching file, `infinity` meaning "absent". A slot
 * is present iff its value is below infinity (§4.2); deployed clients only use
 * presence, which is what matching looks at.
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
  /**
   * One hop value per slot. Owned by the table: read it freely, write it only
   * while building a table of your own (a received table is replaced, never
   * changed, so a reference to it stays valid).
   */
  readonly values: Uint8Array;

  /** An all-absent table (the state after a RESET, §7), or one over a copy of `values`. */
  constructor(shape: TableShape, values?: Uint8Array) {
    checkShape(shape);
    this.bits = shape.bits;
    this.length = 2 ** shape.bits;
    this.infinity = shape.infinity;
    if (values === undefined) {
      this.values = new Uint8Array(this.length).fill(shape.infinity);
    } else {
      if (values.length !== this.length) {
        throw new UsageError(
          `a ${this.length}-slot table needs ${this.length} values, got ${values.length}`,
        );
      }
      this.values = values.slice();
      // A value past infinity means nothing more than "absent".
      for (let slot = 0; slot < this.length; slot++) {
        if (this.values[slot]! > shape.infinity) this.values[slot] = shape.infinity;
      }
    }
  }

  /** The value a slot gets for a file of our own: one hop, or 0 when infinity is 1 (§4.2). */
  get presentValue(): number {
    return Math.min(1, this.infinity - 1);
  }

  isPresent(slot: number): boolean {
    return this.values[slot]! < this.infinity;
  }

  /** Marks the slot of `word` present at `hops` (the nearer distance wins). */
  addKeyword(word: string, hops = this.presentValue): this {
    if (!Number.isInteger(hops) || hops < 0 || hops >= this.infinity) {
      throw new UsageError(`hops must be an integer in 0..${this.infinity - 1}, got ${hops}`);
    }
    const slot = slotOf(qrpHash32(word), this.bits);
    if (this.values[slot]! > hops) this.values[slot] = hops;
    return this;
  }

  /** Adds every keyword of a shared file (§2.6 leaf side) and its URNs. */
  addFile(file: SharedFile): this {
    for (const word of fileKeywords(file.name)) this.addKeyword(word);
    for (const urn of file.urns ?? []) this.addKeyword(urn);
    return this;
  }

  presentCount(): number {
    let count = 0;
    for (const value of this.values) if (value < this.infinity) count++;
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
    if (query.whatsNew) return this.presentCount() > 0;
    for (const hash of query.urnHashes) if (this.isPresent(slotOf(hash, this.bits))) return true;
    if (query.wordHashes.length === 0) return false;
    for (const hash of query.wordHashes) if (!this.isPresent(slotOf(hash, this.bits))) return false;
    return true;
  }

  /**
   * The same table at another size (§4.3). hash(x, b − r) = hash(x, b) >> r, so
   * growing repeats each slot 2^r times and is exact; shrinking keeps the
   * nearest distance of each group of 2^r slots, i.e. ORs presence.
   */
  resize(bits: number): QueryRouteTable {
    const resized = new QueryRouteTable({ bits, infinity: this.infinity });
    const out = resized.values;
    if (bits >= this.bits) {
      const repeat = 2 ** (bits - this.bits);
      for (let slot = 0; slot < this.length; slot++) {
        out.fill(this.values[slot]!, slot * repeat, (slot + 1) * repeat);
      }
    } else {
      const shift = this.bits - bits;
      for (let slot = 0; slot < this.length; slot++) {
        const target = slot >>> shift;
        if (this.values[slot]! < out[target]!) out[target] = this.values[slot]!;
      }
    }
    return resized;
  }

  equals(other: QueryRouteTable): boolean {
    if (this.bits !== other.bits || this.infinity !== other.infinity) return false;
    for (let slot = 0; slot < this.length; slot++) {
      if (this.values[slot] !== other.values[slot]) return false;
    }
    return true;
  }

  clone(): QueryRouteTable {
    return new QueryRouteTable(this, this.values);
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
 * leaves' tables, each resized to `shape.bits`, slot by slot the nearest
 * distance (so presence is the OR). Values are carried over to `shape.infinity`
 * by presence: a present slot keeps its distance, capped just below the new
 * infinity. Commutative and associative, as OR is. Which leaves count (busy
 * leaves with Hops-Flow below 3 do not, §9) is the caller's choice.
 */
export function mergeTables(
  tables: Iterable<QueryRouteTable>,
  shape: TableShape = DEFAULT_SHAPE,
): QueryRouteTable {
  const merged = new QueryRouteTable(shape);
  const out = merged.values;
  const nearest = shape.infinity - 1;
  for (const table of tables) {
    const source = table.bits === shape.bits ? table : table.resize(shape.bits);
    for (let slot = 0; slot < merged.length; slot++) {
      const value = source.values[slot]!;
      if (value < source.infinity && value < out[slot]!) out[slot] = Math.min(value, nearest);
    }
  }
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
