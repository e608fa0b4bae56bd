/**
 * Sets of byte ranges of one file: what a download holds and has verified,
 * what a PFSP source offers (`X-Available-Ranges`, HTTP-20, HTTP-21, HTTP-31),
 * what is still missing. A large file is thousands of pieces, so lookups are
 * binary searches over a sorted array of disjoint, merged intervals.
 */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';

/**
 * The bytes `start` (inclusive) to `end` (exclusive) of a file: half-open, so
 * `{ start: 0, end: 10 }` is bytes 0..9 and `end - start` is the length. HTTP
 * ranges (`bytes=0-9`) are inclusive; convert at the header.
 */
export interface Interval {
  start: number;
  end: number;
}

function checkRange(start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end) {
    throw new UsageError(
      `a range is two safe integers with 0 <= start <= end, got ${start}..${end}`,
    );
  }
}

/** Sorted, disjoint, merged intervals: touching intervals are joined, empty ones never stored. */
export class IntervalSet {
  #items: Interval[] = [];
  #total = 0;

  /** Bytes covered. */
  get total(): number {
    return this.#total;
  }

  /** Disjoint intervals held. */
  get count(): number {
    return this.#items.length;
  }

  add(start: number, end: number): this {
    checkRange(start, end);
    if (start === end) return this;
    // Intervals [i, j) overlap or touch [start, end): they merge into one.
    const i = this.#firstEndingAtOrAfter(start);
    const j = this.#firstStartingAfter(end);
    const merged: Interval = {
      start: i < j ? Math.min(start, this.#items[i]!.start) : start,
      end: i < j ? Math.max(end, this.#items[j - 1]!.end) : end,
    };
    this.#replace(i, j, [merged]);
    return this;
  }

  remove(start: number, end: number): this {
    checkRange(start, end);
    if (start === end) return this;
    // Intervals [i, j) overlap [start, end); what sticks out on either side stays.
    const i = this.#firstEndingAfter(start);
    const j = this.#firstStartingAtOrAfter(end);
    if (i >= j) return this;
    const kept: Interval[] = [];
    const first = this.#items[i]!;
    const last = this.#items[j - 1]!;
    if (first.start < start) kept.push({ start: first.start, end: start });
    if (last.end > end) kept.push({ start: end, end: last.end });
    this.#replace(i, j, kept);
    return this;
  }

  has(offset: number): boolean {
    const item = this.#items[this.#firstEndingAfter(offset)];
    return item !== undefined && item.start <= offset;
  }

  /** Whether every byte of [start, end) is in the set (an empty range always is). */
  covers(start: number, end: number): boolean {
    checkRange(start, end);
    if (start === end) return true;
    const item = this.#items[this.#firstEndingAfter(start)];
    return item !== undefined && item.start <= start && item.end >= end;
  }

  /** The parts of [start, end) in the set, in order. */
  intersect(start: number, end: number): Interval[] {
    checkRange(start, end);
    const parts: Interval[] = [];
    if (start === end) return parts;
    for (let k = this.#firstEndingAfter(start); k < this.#items.length; k++) {
      const item = this.#items[k]!;
      if (item.start >= end) break;
      parts.push({ start: Math.max(item.start, start), end: Math.min(item.end, end) });
    }
    return parts;
  }

  /** The gaps: the parts of [start, end) not in the set, in order. */
  missing(start: number, end: number): Interval[] {
    const gaps: Interval[] = [];
    let from = start;
    for (const part of this.intersect(start, end)) {
      if (part.start > from) gaps.push({ start: from, end: part.start });
      from = part.end;
    }
    if (from < end) gaps.push({ start: from, end });
    return gaps;
  }

  *[Symbol.iterator](): IterableIterator<Interval> {
    for (const { start, end } of this.#items) yield { start, end };
  }

  /** `[start, end)` pairs, for a resume record. */
  toJSON(): Array<[number, number]> {
    return this.#items.map(({ start, end }) => [start, end]);
  }

  /**
   * Reads `toJSON` output back. Pairs must be non-empty, sorted and
   * non-overlapping; touching pairs are merged. Anything else (a damaged or
   * foreign record) is an error, not a guess.
   */
  static fromJSON(pairs: unknown): Result<IntervalSet> {
    if (!Array.isArray(pairs)) return badJson('not an array of [start, end] pairs');
    const set = new IntervalSet();
    let previousEnd = 0;
    for (const [index, pair] of pairs.entries()) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        return badJson(`item ${index} is not a [start, end] pair`);
      }
      const [start, end] = pair as unknown[];
      if (
        typeof start !== 'number' ||
        typeof end !== 'number' ||
        !Number.isSafeInteger(start) ||
        !Number.isSafeInteger(end) ||
        start < 0 ||
        start >= end
      ) {
        return badJson(`item ${index} is not a non-empty range of safe integers from 0`);
      }
      if (start < previousEnd) {
        return badJson(`item ${index} overlaps or precedes the one before`);
      }
      set.add(start, end);
      previousEnd = end;
    }
    return ok(set);
  }

  clone(): IntervalSet {
    const copy = new IntervalSet();
    copy.#items = this.#items.map(({ start, end }) => ({ start, end }));
    copy.#total = this.#total;
    return copy;
  }

  equals(other: IntervalSet): boolean {
    const a = this.#items;
    const b = other.#items;
    return (
      a.length === b.length && a.every((x, k) => x.start === b[k]!.start && x.end === b[k]!.end)
    );
  }

  #replace(i: number, j: number, items: Interval[]): void {
    for (let k = i; k < j; k++) this.#total -= this.#items[k]!.end - this.#items[k]!.start;
    for (const item of items) this.#total += item.end - item.start;
    this.#items.splice(i, j - i, ...items);
  }

  /** Index of the first interval for which `before(item)` is false; `before` must be monotone. */
  #search(before: (item: Interval) => boolean): number {
    let low = 0;
    let high = this.#items.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (before(this.#items[mid]!)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  #firstEndingAfter(offset: number): number {
    return this.#search((item) => item.end <= offset);
  }

  #firstEndingAtOrAfter(offset: number): number {
    return this.#search((item) => item.end < offset);
  }

  #firstStartingAfter(offset: number): number {
    return this.#search((item) => item.start <= offset);
  }

  #firstStartingAtOrAfter(offset: number): number {
    return this.#search((item) => item.start < offset);
  }
}

const badJson = (what: string): Result<never> =>
  fail(new ProtocolError('intervals-bad-json', `interval record rejected: ${what}`));
