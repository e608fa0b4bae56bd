/**
 * Which leaves may want a query, without asking every leaf's table: for each
 * slot of a 2^16-slot grid, a bitset of the leaves whose QRP table has that
 * slot present. A query's candidates are then a few word operations per 32
 * leaves (qrp.md §8: any URN present, or every word present), whatever the
 * number of leaves. A table of another size is folded onto the grid (grown
 * exactly, shrunk by OR, §4.3), so candidates are a superset: callers confirm
 * each with the leaf's own table, which is exact (QRP-18).
 */
import type { PreparedQuery, QueryRouteTable } from '../qrp/index.js';

const GRID_BITS = 16;
const GRID_SLOTS = 1 << GRID_BITS;
const SHIFT = 32 - GRID_BITS;

export class LeafIndex<T> {
  /** Column → leaf; undefined for a free column. */
  #leaves: (T | undefined)[] = [];
  readonly #columnOf = new Map<T, number>();
  /** 32-bit words per slot: one bit per column. */
  #stride = 1;
  #bits = new Uint32Array(GRID_SLOTS);

  get size(): number {
    return this.#columnOf.size;
  }

  /** Indexes `leaf` under `table`, or takes it out when the table is undefined. */
  set(leaf: T, table: QueryRouteTable | undefined): void {
    this.delete(leaf);
    if (table === undefined) return;
    let column = this.#leaves.indexOf(undefined);
    if (column === -1) column = this.#leaves.length;
    if (column >= this.#stride * 32) this.#grow();
    this.#leaves[column] = leaf;
    this.#columnOf.set(leaf, column);
    const grid = table.bits === GRID_BITS ? table : table.resize(GRID_BITS);
    const word = column >>> 5;
    const bit = 1 << (column & 31);
    const bits = this.#bits;
    const stride = this.#stride;
    for (const slot of grid.presentSlots()) bits[slot * stride + word]! |= bit;
  }

  delete(leaf: T): void {
    const column = this.#columnOf.get(leaf);
    if (column === undefined) return;
    this.#columnOf.delete(leaf);
    this.#leaves[column] = undefined;
    const word = column >>> 5;
    const keep = ~(1 << (column & 31));
    const bits = this.#bits;
    const stride = this.#stride;
    for (let slot = 0; slot < GRID_SLOTS; slot++) bits[slot * stride + word]! &= keep;
  }

  /** Appends to `out` every leaf whose table may match `query`. */
  collect(query: PreparedQuery, out: T[]): void {
    const { wordHashes, urnHashes } = query;
    if (query.whatsNew) {
      for (const leaf of this.#columnOf.keys()) out.push(leaf);
      return;
    }
    const bits = this.#bits;
    const stride = this.#stride;
    for (let word = 0; word < stride; word++) {
      let any = 0;
      for (let i = 0; i < urnHashes.length; i++) {
        any |= bits[(urnHashes[i]! >>> SHIFT) * stride + word]!;
      }
      if (wordHashes.length > 0) {
        let all = -1;
        for (let i = 0; i < wordHashes.length && all !== 0; i++) {
          all &= bits[(wordHashes[i]! >>> SHIFT) * stride + word]!;
        }
        any |= all;
      }
      while (any !== 0) {
        const low = any & -any;
        out.push(this.#leaves[word * 32 + 31 - Math.clz32(low)]!);
        any ^= low;
      }
    }
  }

  /** Room for 32 more columns: the rows get one more word each. */
  #grow(): void {
    const stride = this.#stride + 1;
    const bits = new Uint32Array(GRID_SLOTS * stride);
    for (let slot = 0; slot < GRID_SLOTS; slot++) {
      bits.set(this.#bits.subarray(slot * this.#stride, (slot + 1) * this.#stride), slot * stride);
    }
    this.#stride = stride;
    this.#bits = bits;
  }
}
