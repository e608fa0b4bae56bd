/**
 * Ultrapeer election for a servent in automatic mode (ultrapeers-and-routing.md
 * §3). Pure: the shell reports facts, the election says which mode to be in.
 *
 * Promote when capable: reachable (it has accepted an incoming TCP connection —
 * the proposal's "not firewalled") and up long enough to predict a long session
 * (LimeWire 7200 s, gtk-gnutella 3600 s). Demote an ultrapeer that had no leaf
 * for a while (gtk-gnutella: 1 h). Between switches rest, doubling each time up
 * to a cap (gtk-gnutella: 30 min doubling to 17 h), so a node never flaps.
 * Bandwidth, memory and socket limits, which the servents also weigh, are left
 * to the operator's flags (leaf slots) here.
 */

export type Mode = 'ultrapeer' | 'leaf';

export interface ElectionOptions {
  /** Uptime before a reachable leaf may become an ultrapeer. */
  minUptimeMs: number;
  /** An ultrapeer without leaves this long goes back to being a leaf. */
  leaflessMs: number;
  /** Rest after the first switch; doubles after each further one... */
  firstRestMs: number;
  /** ...up to this. */
  maxRestMs: number;
}

export const DEFAULT_ELECTION: ElectionOptions = {
  minUptimeMs: 3_600_000,
  leaflessMs: 3_600_000,
  firstRestMs: 1_800_000,
  maxRestMs: 17 * 3_600_000,
};

export interface ElectionFacts {
  now: number;
  /** We have accepted at least one incoming TCP connection. */
  reachable: boolean;
  /** Leaves connected now (as an ultrapeer). */
  leaves: number;
}

export interface Decision {
  mode: Mode;
  changed: boolean;
  reason: string;
}

export class Election {
  readonly #options: ElectionOptions;
  readonly #startedAt: number;
  #mode: Mode = 'leaf';
  #switchedAt: number | undefined;
  #rest: number;
  #lastLeafAt: number;

  constructor(options: Partial<ElectionOptions>, now: number) {
    this.#options = { ...DEFAULT_ELECTION, ...options };
    this.#startedAt = now;
    this.#rest = this.#options.firstRestMs;
    this.#lastLeafAt = now;
  }

  get mode(): Mode {
    return this.#mode;
  }

  /** The mode to be in now; `changed` when the shell must switch. */
  decide(facts: ElectionFacts): Decision {
    const { now } = facts;
    if (facts.leaves > 0) this.#lastLeafAt = now;
    if (this.#switchedAt !== undefined && now - this.#switchedAt < this.#rest) {
      return { mode: this.#mode, changed: false, reason: 'resting after a switch' };
    }
    if (this.#mode === 'leaf') {
      if (!facts.reachable) return this.#stay('not reachable: no incoming connection yet');
      if (now - this.#startedAt < this.#options.minUptimeMs)
        return this.#stay('not up long enough');
      return this.#switch('ultrapeer', now, 'reachable and up long enough');
    }
    if (now - this.#lastLeafAt >= this.#options.leaflessMs)
      return this.#switch('leaf', now, 'no leaf for too long');
    return this.#stay('ultrapeer with leaves');
  }

  /** When deciding again could change something, for the shell's timer. */
  nextCheckAt(now: number): number {
    const restEnds = this.#switchedAt === undefined ? now : this.#switchedAt + this.#rest;
    const due =
      this.#mode === 'leaf'
        ? this.#startedAt + this.#options.minUptimeMs
        : this.#lastLeafAt + this.#options.leaflessMs;
    return Math.max(now, restEnds, due);
  }

  #stay(reason: string): Decision {
    return { mode: this.#mode, changed: false, reason };
  }

  #switch(mode: Mode, now: number, reason: string): Decision {
    if (this.#switchedAt !== undefined)
      this.#rest = Math.min(this.#rest * 2, this.#options.maxRestMs);
    this.#switchedAt = now;
    this.#mode = mode;
    this.#lastLeafAt = now;
    return { mode, changed: true, reason };
  }
}
