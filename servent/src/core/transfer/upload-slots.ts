/**
 * Upload slots with an active queue (http-transfers.md §7, HTTP-19): a
 * downloader that finds every slot taken is queued while it keeps its
 * connection and polls again between pollMin and pollMax; polling sooner
 * loses the place (LimeWire answers `403 Banned`), not polling by pollMax
 * loses it too. The head of the queue gets the next free slot when it polls.
 * Full queue: `503` with Retry-After.
 *
 * Keys name one HTTP connection each, so a downloader holds one place.
 */

import { UsageError } from '../errors.js';

export interface UploadSlotsOptions {
  /** Uploads served at once. */
  slots: number;
  /** Downloaders waiting in line at most; past that, `busy`. */
  queueLength: number;
  pollMinMs: number;
  pollMaxMs: number;
}

export type SlotDecision =
  | { kind: 'granted' }
  /** 1-based `position` among `length` waiting. */
  | { kind: 'queued'; position: number; length: number }
  | { kind: 'busy' }
  /** Polled before pollMin: the place is lost. */
  | { kind: 'too-soon' };

export class UploadSlots {
  readonly #o: UploadSlotsOptions;
  readonly #active = new Set<number>();
  /** Waiting connections in arrival order, with their last poll time; short (≤ queueLength). */
  #queue: Array<{ key: number; lastPoll: number }> = [];

  constructor(options: UploadSlotsOptions) {
    if (options.slots < 1 || options.queueLength < 0 || options.pollMinMs > options.pollMaxMs) {
      throw new UsageError(
        'upload slots need slots ≥ 1, queueLength ≥ 0 and pollMinMs ≤ pollMaxMs',
      );
    }
    this.#o = options;
  }

  get active(): number {
    return this.#active.size;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** A request for a body from connection `key` at `now`. */
  request(key: number, now: number): SlotDecision {
    if (this.#active.has(key)) return { kind: 'granted' };
    this.#queue = this.#queue.filter((w) => now - w.lastPoll <= this.#o.pollMaxMs);
    const place = this.#queue.findIndex((w) => w.key === key);
    const waiting = this.#queue[place];
    if (waiting !== undefined && now - waiting.lastPoll < this.#o.pollMinMs) {
      this.#queue.splice(place, 1);
      return { kind: 'too-soon' };
    }
    // Free slots go to the first in line, as many as there are free (LimeWire
    // grants while active + place in line < slots); a newcomer only when nobody waits for them.
    const free = this.#o.slots - this.#active.size;
    const position = place >= 0 ? place : this.#queue.length;
    if (position < free) {
      if (place >= 0) this.#queue.splice(place, 1);
      this.#active.add(key);
      return { kind: 'granted' };
    }
    if (waiting !== undefined) {
      waiting.lastPoll = now;
      return { kind: 'queued', position: place + 1, length: this.#queue.length };
    }
    if (this.#queue.length >= this.#o.queueLength) return { kind: 'busy' };
    this.#queue.push({ key, lastPoll: now });
    return { kind: 'queued', position: this.#queue.length, length: this.#queue.length };
  }

  /** The connection is done with its slot or place (closed, or its upload ended). */
  release(key: number): void {
    this.#active.delete(key);
    this.#queue = this.#queue.filter((w) => w.key !== key);
  }
}
